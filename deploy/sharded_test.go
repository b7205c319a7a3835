package deploy

import (
	"cmp"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"go.yaml.in/yaml/v3"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
	"github.com/flink-exporter/flink_exporter/internal/promtool3"
)

// shardedDir is the kustomization of the sharded exporter, relative to
// manifestDir.
const shardedDir = "sharded"

// kubernetesExample is the Prometheus configuration of the same, for a
// Prometheus without the Operator.
var kubernetesExample = filepath.Join("..", "examples", "prometheus-kubernetes.yml")

// probeJob is the job of kubernetesExample that probes the Flink clusters.
const probeJob = "flink"

// promScrapeConfig is the part of a Prometheus scrape_config the tests
// read.
type promScrapeConfig struct {
	JobName             string `yaml:"job_name"`
	MetricsPath         string `yaml:"metrics_path"`
	KubernetesSDConfigs []struct {
		Role string `yaml:"role"`
	} `yaml:"kubernetes_sd_configs"`
	RelabelConfigs []*relabel.Config `yaml:"relabel_configs"`
}

// loadExampleJob returns the job of kubernetesExample named job, its
// relabel_configs as Prometheus reads them (defaults filled in).
func loadExampleJob(t *testing.T, job string) promScrapeConfig {
	t.Helper()
	b, err := os.ReadFile(kubernetesExample)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []promScrapeConfig `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("%s: %v", kubernetesExample, err)
	}
	for _, sc := range cfg.ScrapeConfigs {
		if sc.JobName != job {
			continue
		}
		for i, rc := range sc.RelabelConfigs {
			if err := rc.Validate(model.UTF8Validation); err != nil {
				t.Fatalf("%s: job %s: relabel_configs[%d]: %v", kubernetesExample, job, i, err)
			}
		}
		return sc
	}
	t.Fatalf("%s: no job %s", kubernetesExample, job)
	return promScrapeConfig{}
}

// operatorRelabeling is a relabeling of the Prometheus Operator's CRDs.
type operatorRelabeling struct {
	relabeling `yaml:",inline"`
	Modulus    uint64 `yaml:"modulus"`
}

// prometheusConfig turns r into the relabel_config Prometheus runs, as the
// Operator renders it: unset fields take Prometheus's defaults, the action
// in lower case.
func (r operatorRelabeling) prometheusConfig(t *testing.T) *relabel.Config {
	t.Helper()
	c := relabel.DefaultRelabelConfig
	for _, l := range r.SourceLabels {
		c.SourceLabels = append(c.SourceLabels, model.LabelName(l))
	}
	if r.Separator != "" {
		c.Separator = r.Separator
	}
	if r.Regex != "" {
		re, err := relabel.NewRegexp(r.Regex)
		if err != nil {
			t.Fatalf("relabeling %+v: %v", r, err)
		}
		c.Regex = re
	}
	if r.Replacement != "" {
		c.Replacement = r.Replacement
	}
	if r.Action != "" {
		c.Action = relabel.Action(strings.ToLower(r.Action))
	}
	c.TargetLabel = r.TargetLabel
	c.Modulus = r.Modulus
	if err := c.Validate(model.UTF8Validation); err != nil {
		t.Fatalf("relabeling %+v: %v", r, err)
	}
	return &c
}

// sharded is the sharded exporter's kustomization and its objects.
type sharded struct {
	kust         kustomization
	statefulSet  object
	service      object
	scrapeConfig object
	set          statefulSetSpec
	svc          headlessServiceSpec
	sc           operatorScrapeConfigSpec
}

type statefulSetSpec struct {
	deploymentSpec      `yaml:",inline"`
	Replicas            int    `yaml:"replicas"`
	ServiceName         string `yaml:"serviceName"`
	PodManagementPolicy string `yaml:"podManagementPolicy"`
}

type headlessServiceSpec struct {
	serviceSpec `yaml:",inline"`
	ClusterIP   string `yaml:"clusterIP"`
}

type operatorScrapeConfigSpec struct {
	JobName             string `yaml:"jobName"`
	MetricsPath         string `yaml:"metricsPath"`
	KubernetesSDConfigs []struct {
		Role string `yaml:"role"`
	} `yaml:"kubernetesSDConfigs"`
	Relabelings []operatorRelabeling `yaml:"relabelings"`
}

// loadSharded reads the sharded kustomization and its objects from the
// manifests.
func loadSharded(t *testing.T) sharded {
	t.Helper()
	var s sharded
	b, err := os.ReadFile(filepath.Join(manifestDir, shardedDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &s.kust); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", shardedDir, err)
	}
	m := loadManifests(t)
	s.statefulSet = m.one(t, "StatefulSet", shardedDir+"/statefulset.yaml")
	s.service = m.one(t, "Service", shardedDir+"/service.yaml")
	s.scrapeConfig = m.one(t, "ScrapeConfig", shardedDir+"/scrapeconfig.yaml")
	decodeSpec(t, s.statefulSet, &s.set)
	decodeSpec(t, s.service, &s.svc)
	decodeSpec(t, s.scrapeConfig, &s.sc)
	return s
}

// TestShardedKustomization renders the sharded kustomization with
// kustomize's library: it lists every manifest of its directory, and every
// object comes out in its namespace with the images: entry's image.
func TestShardedKustomization(t *testing.T) {
	s := loadSharded(t)
	dir := filepath.Join(manifestDir, shardedDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") && e.Name() != "kustomization.yaml" {
			files = append(files, e.Name())
		}
	}
	got := slices.Clone(s.kust.Resources)
	sort.Strings(got)
	if !slices.Equal(got, files) {
		t.Errorf("%s/kustomization.yaml lists %v, the directory holds %v", shardedDir, got, files)
	}
	if s.kust.Namespace == "" || len(s.kust.Images) != 1 {
		t.Fatalf("%s/kustomization.yaml: namespace %q, %d images: entries; want a namespace and the exporter's image", shardedDir, s.kust.Namespace, len(s.kust.Images))
	}

	rendered := renderKustomization(t, dir)
	image := s.kust.Images[0]
	wantImage := cmp.Or(image.NewName, image.Name) + ":" + image.NewTag
	n := len(rendered)
	for _, o := range rendered {
		if o.Metadata.Namespace != s.kust.Namespace {
			t.Errorf("rendered %s %s: namespace %q, want %q", o.Kind, o.Metadata.Name, o.Metadata.Namespace, s.kust.Namespace)
		}
		if o.Kind == "StatefulSet" {
			var ss statefulSetSpec
			if err := o.Spec.Decode(&ss); err != nil {
				t.Fatal(err)
			}
			for _, c := range ss.Template.Spec.Containers {
				if c.Image != wantImage {
					t.Errorf("rendered StatefulSet: container %s has image %q, want %q", c.Name, c.Image, wantImage)
				}
			}
		}
	}
	if n != len(files) {
		t.Errorf("kustomize rendered %d objects, %s holds %d files of one object each", n, dir, len(files))
	}
}

// TestShardedService checks that each replica has a DNS name: the
// StatefulSet's serviceName is its headless Service, which selects its
// pods on the container's port.
func TestShardedService(t *testing.T) {
	s := loadSharded(t)
	if s.set.ServiceName != s.service.Metadata.Name {
		t.Errorf("%s: serviceName %q, the headless Service is %q", s.statefulSet, s.set.ServiceName, s.service.Metadata.Name)
	}
	if s.svc.ClusterIP != "None" {
		t.Errorf("%s: clusterIP %q, want None: a replica is addressed by its own name", s.service, s.svc.ClusterIP)
	}
	if len(s.svc.Selector) == 0 || !matches(s.svc.Selector, s.set.Template.Metadata.Labels) || !matches(s.set.Selector.MatchLabels, s.set.Template.Metadata.Labels) {
		t.Errorf("%s selects %v, %s's pods are labelled %v (selector %v)", s.service, s.svc.Selector, s.statefulSet, s.set.Template.Metadata.Labels, s.set.Selector.MatchLabels)
	}
	if s.set.Replicas < 2 {
		t.Errorf("%s: %d replicas: not sharded", s.statefulSet, s.set.Replicas)
	}
	if len(s.svc.Ports) != 1 || len(s.set.Template.Spec.Containers) != 1 {
		t.Fatalf("%s: want one port, %s one container", s.service, s.statefulSet)
	}
	c := s.set.Template.Spec.Containers[0]
	if len(c.Ports) != 1 || c.Ports[0].Name != s.svc.Ports[0].TargetPort {
		t.Errorf("%s: targetPort %q is not the container's port %+v", s.service, s.svc.Ports[0].TargetPort, c.Ports)
	}
	// The replicas take the URL targets of their configuration's
	// patterns, no other, and scrape no JobManager on /metrics.
	if !slices.Contains(c.Args, "--flink.url=") || !slices.ContainsFunc(c.Args, func(a string) bool { return strings.HasPrefix(a, "--config.file=") }) {
		t.Errorf("%s: container %s needs --flink.url= and --config.file (args %v)", s.statefulSet, c.Name, c.Args)
	}
	if slices.Contains(c.Args, "--probe.allow-arbitrary-targets") {
		t.Errorf("%s: container %s takes any URL (--probe.allow-arbitrary-targets): admit the Flink REST Services by a target pattern instead", s.statefulSet, c.Name)
	}
}

// shardedConfig loads the replicas' --config.file from the ConfigMap the
// StatefulSet mounts, with the exporter's loader.
func shardedConfig(t *testing.T, s sharded) *config.Config {
	t.Helper()
	c := s.set.Template.Spec.Containers[0]
	var file string
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--config.file="); ok {
			file = v
		}
	}
	for _, vm := range c.VolumeMounts {
		if path.Dir(file) != vm.MountPath {
			continue
		}
		for _, v := range s.set.Template.Spec.Volumes {
			if v.Name != vm.Name || v.ConfigMap == nil {
				continue
			}
			cm := loadManifests(t).one(t, "ConfigMap", shardedDir+"/configmap.yaml")
			if cm.Metadata.Name != v.ConfigMap.Name {
				t.Fatalf("%s mounts ConfigMap %s, %s is %s", s.statefulSet, v.ConfigMap.Name, shardedDir+"/configmap.yaml", cm.Metadata.Name)
			}
			text, ok := cm.Data[path.Base(file)]
			if !ok {
				t.Fatalf("%s: ConfigMap %s has no key %s", s.statefulSet, v.ConfigMap.Name, path.Base(file))
			}
			var names []string
			for _, a := range collector.Areas() {
				names = append(names, a.Name)
			}
			cfg, err := config.Load([]byte(text), names)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			return cfg
		}
	}
	t.Fatalf("%s: --config.file %q is in no ConfigMap volume", s.statefulSet, file)
	return nil
}

// TestShardedConfigAdmitsDiscoveredTargets: the replicas' configuration
// admits, by its target patterns, every URL the shipped relabeling makes
// of Flink's REST Services, and refuses other URLs, those that only
// contain such a URL among them.
func TestShardedConfigAdmitsDiscoveredTargets(t *testing.T) {
	s := loadSharded(t)
	cfg := shardedConfig(t, s)
	if len(cfg.TargetPatterns) == 0 {
		t.Fatal("the replicas' configuration has no target pattern")
	}
	ex := loadExampleJob(t, probeJob)
	discovered, want := discoveredFlink(s)
	admitted := 0
	for _, d := range discovered {
		lb := labels.NewBuilder(d)
		if !relabel.ProcessBuilder(lb, ex.RelabelConfigs...) {
			continue
		}
		target := lb.Get(model.ParamLabelPrefix + "target")
		u, err := url.Parse(target)
		if err != nil || config.ValidateURL(target) != nil || cfg.MatchTarget(u) == nil {
			t.Errorf("target %s: not admitted by the replicas' target patterns", target)
			continue
		}
		admitted++
	}
	if admitted != len(want) {
		t.Errorf("%d targets admitted, want %d", admitted, len(want))
	}
	for _, refused := range []string{
		"http://evil.example/?x=orders-rest.flink.svc:8081",
		"http://evil.example/orders-rest.flink.svc:8081",
		"http://orders-rest.flink.svc.evil.example:8081",
		"http://orders-rest.flink.svc:9090",
		"http://orders.flink.svc:8081",
		"http://kubernetes.default.svc:443",
	} {
		u, err := url.Parse(refused)
		if err != nil {
			t.Fatal(err)
		}
		if config.ValidateURL(refused) == nil && cfg.MatchTarget(u) != nil {
			t.Errorf("%s is admitted", refused)
		}
	}
}

// TestShardedScrapeConfigIsTheExample keeps the ScrapeConfig and the
// Prometheus configuration of examples/prometheus-kubernetes.yml the same
// job: the same discovery, path and relabelings, as Prometheus runs them.
func TestShardedScrapeConfigIsTheExample(t *testing.T) {
	s := loadSharded(t)
	ex := loadExampleJob(t, probeJob)
	if s.sc.JobName != probeJob {
		t.Errorf("%s: jobName %q, the example's job is %q", s.scrapeConfig, s.sc.JobName, probeJob)
	}
	if s.sc.MetricsPath != "/probe" || ex.MetricsPath != "/probe" {
		t.Errorf("metrics paths %q (ScrapeConfig) and %q (example), want /probe", s.sc.MetricsPath, ex.MetricsPath)
	}
	if len(s.sc.KubernetesSDConfigs) != 1 || len(ex.KubernetesSDConfigs) != 1 ||
		!strings.EqualFold(s.sc.KubernetesSDConfigs[0].Role, ex.KubernetesSDConfigs[0].Role) || ex.KubernetesSDConfigs[0].Role != "service" {
		t.Errorf("discovery %+v (ScrapeConfig) and %+v (example), want one of role service each", s.sc.KubernetesSDConfigs, ex.KubernetesSDConfigs)
	}
	if len(s.sc.Relabelings) != len(ex.RelabelConfigs) {
		t.Fatalf("%s has %d relabelings, %s %d", s.scrapeConfig, len(s.sc.Relabelings), kubernetesExample, len(ex.RelabelConfigs))
	}
	for i, r := range s.sc.Relabelings {
		got, want := relabelString(r.prometheusConfig(t)), relabelString(ex.RelabelConfigs[i])
		if got != want {
			t.Errorf("relabeling %d:\n ScrapeConfig %s\n example      %s", i, got, want)
		}
	}
}

// relabelString prints a relabel_config with every field, for comparison.
func relabelString(c *relabel.Config) string {
	return fmt.Sprintf("source_labels=%v separator=%q regex=%q modulus=%d target_label=%q replacement=%q action=%s",
		c.SourceLabels, c.Separator, c.Regex.String(), c.Modulus, c.TargetLabel, c.Replacement, c.Action)
}

// invalidLabelChars are the characters discovery replaces with _ when a
// Kubernetes label becomes a label name (strutil.SanitizeLabelName).
var invalidLabelChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// serviceTarget is the target Prometheus's Kubernetes discovery (role
// service) makes of one port of a Service: discovery/kubernetes/service.go.
func serviceTarget(namespace, name, port string, portNumber int, serviceLabels map[string]string) labels.Labels {
	m := map[string]string{
		model.AddressLabel:                      fmt.Sprintf("%s.%s.svc:%d", name, namespace, portNumber),
		"__meta_kubernetes_namespace":           namespace,
		"__meta_kubernetes_service_name":        name,
		"__meta_kubernetes_service_port_name":   port,
		"__meta_kubernetes_service_port_number": fmt.Sprint(portNumber),
		model.SchemeLabel:                       "http",
		model.MetricsPathLabel:                  "/probe",
		model.JobLabel:                          probeJob,
	}
	for k, v := range serviceLabels {
		m["__meta_kubernetes_service_label_"+invalidLabelChars.ReplaceAllString(k, "_")] = v
	}
	return labels.FromMap(m)
}

// flinkServices returns the targets of the Services Flink creates for a
// native cluster: the REST Service <id>-rest (port rest) and the internal
// headless Service <id> (ports jobmanager-rpc and blobserver), both with
// the labels type and app (KubernetesUtils.getCommonLabels).
func flinkServices(namespace, id, typ string) []labels.Labels {
	common := map[string]string{"type": typ, "app": id}
	return []labels.Labels{
		serviceTarget(namespace, id+"-rest", "rest", 8081, common),
		serviceTarget(namespace, id, "jobmanager-rpc", 6123, common),
		serviceTarget(namespace, id, "blobserver", 6124, common),
	}
}

// TestShardingRelabeling runs the shipped relabeling, as Prometheus does,
// over what Kubernetes discovery gives for 30 Flink clusters in three
// namespaces among other Services: each REST Service, and nothing else,
// becomes one target /probe?target=http://<id>-rest.<namespace>.svc:8081
// on one replica of the StatefulSet by its headless name, labelled with
// its namespace, cluster id and instance; the shards cover every replica;
// and the assignment is the same on every run (as on both members of a
// Prometheus HA pair).
func TestShardingRelabeling(t *testing.T) {
	s := loadSharded(t)
	ex := loadExampleJob(t, probeJob)
	var modulus uint64
	for _, rc := range ex.RelabelConfigs {
		if rc.Action == relabel.HashMod {
			modulus = rc.Modulus
		}
	}
	if modulus != uint64(s.set.Replicas) {
		t.Fatalf("hashmod modulus %d, %s has %d replicas: change both together", modulus, s.statefulSet, s.set.Replicas)
	}
	addr := regexp.MustCompile(fmt.Sprintf(`^%s-(\d+)\.%s\.%s\.svc:%d$`,
		regexp.QuoteMeta(s.statefulSet.Metadata.Name), regexp.QuoteMeta(s.service.Metadata.Name),
		regexp.QuoteMeta(s.kust.Namespace), s.svc.Ports[0].Port))

	discovered, want := discoveredFlink(s)

	assign := func() map[string]string {
		shardOf := map[string]string{}
		for _, d := range discovered {
			lb := labels.NewBuilder(d)
			if !relabel.ProcessBuilder(lb, ex.RelabelConfigs...) {
				continue
			}
			got := lb.Labels()
			url := got.Get(model.ParamLabelPrefix + "target")
			w, ok := want[url]
			if !ok {
				t.Errorf("kept %v: no Flink REST Service", d)
				continue
			}
			if _, dup := shardOf[url]; dup {
				t.Errorf("%s: two targets", url)
			}
			for _, l := range []string{"namespace", "cluster_id", "instance"} {
				if got.Get(l) != w.Get(l) {
					t.Errorf("%s: %s=%q, want %q", url, l, got.Get(l), w.Get(l))
				}
			}
			// The alerts' diagnose_url: the replica and the URL it probes.
			if got.Get("target") != url || got.Get("exporter") != got.Get(model.AddressLabel) {
				t.Errorf("%s: target=%q exporter=%q, want the URL and the replica's address %q", url, got.Get("target"), got.Get("exporter"), got.Get(model.AddressLabel))
			}
			m := addr.FindStringSubmatch(got.Get(model.AddressLabel))
			if m == nil {
				t.Errorf("%s: __address__ %q is no replica of %s by its headless name", url, got.Get(model.AddressLabel), s.statefulSet)
				continue
			}
			shardOf[url] = m[1]
		}
		return shardOf
	}
	first := assign()
	if len(first) != len(want) {
		t.Errorf("%d of %d Flink clusters became targets", len(first), len(want))
	}
	perShard := map[string]int{}
	for _, sh := range first {
		perShard[sh]++
	}
	if len(perShard) != s.set.Replicas {
		t.Errorf("30 clusters spread over %d shards %v, want all %d replicas", len(perShard), perShard, s.set.Replicas)
	}
	again := assign()
	for url, sh := range first {
		if again[url] != sh {
			t.Errorf("%s: shard %s, then %s", url, sh, again[url])
		}
	}
}

// discoveredFlink returns what Kubernetes discovery gives for 30 Flink
// clusters in three namespaces (every tenth in the operator's standalone
// mode) among Services that are not Flink's, and the URL each cluster's
// target must probe with its namespace, cluster_id and instance.
func discoveredFlink(s sharded) ([]labels.Labels, map[string]labels.Labels) {
	var discovered []labels.Labels
	want := map[string]labels.Labels{} // URL → namespace, cluster_id, instance
	for i := range 30 {
		ns := []string{"flink", "payments", "analytics"}[i%3]
		id := fmt.Sprintf("job-%02d", i)
		typ := "flink-native-kubernetes"
		if i%10 == 9 {
			typ = "flink-standalone-kubernetes" // the operator's standalone mode
		}
		discovered = append(discovered, flinkServices(ns, id, typ)...)
		want[fmt.Sprintf("http://%s-rest.%s.svc:8081", id, ns)] = labels.FromStrings("cluster_id", id, "instance", ns+"/"+id, "namespace", ns)
	}
	// Not Flink's: an application's Service named *-rest, and the
	// exporter's own.
	discovered = append(discovered,
		serviceTarget("shop", "orders-rest", "rest", 8081, map[string]string{"app": "orders"}),
		serviceTarget(s.kust.Namespace, s.service.Metadata.Name, "http-metrics", 9894, s.svc.Selector))
	return discovered, want
}

// TestKubernetesExampleLoadsInPrometheus3 loads
// examples/prometheus-kubernetes.yml with Prometheus 3's configuration
// loader (promtool check config): Debian's Prometheus 2 is built without
// Kubernetes discovery, so only promtool 3, which .ci/run installs under
// .build/prometheus3/<go.mod's version>/ (rules/prometheus3_test.go),
// reads kubernetes_sd_configs.
func TestKubernetesExampleLoadsInPrometheus3(t *testing.T) {
	promtool := promtool3.Require(t, "..")
	out, err := exec.Command(promtool, "check", "config", "--syntax-only", kubernetesExample).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool 3 check config %s: %v\n%s", kubernetesExample, err, out)
	}
}
