package deploy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	promconfig "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
)

var update = flag.Bool("update", false, "rewrite the generated files (the Grafana dashboard ConfigMaps)")

// manifestDir holds the manifests; its top level is the kustomization, its
// examples/ directory what is not applied by default.
const manifestDir = "kubernetes"

// object is the part of a Kubernetes object the tests read; spec stays a
// node and is decoded by kind.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       yaml.Node         `yaml:"spec"`

	file string    // relative to manifestDir
	node yaml.Node // the whole document
}

func (o object) String() string { return fmt.Sprintf("%s %s (%s)", o.Kind, o.Metadata.Name, o.file) }

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type volume struct {
	Name      string `yaml:"name"`
	ConfigMap *struct {
		Name string `yaml:"name"`
	} `yaml:"configMap"`
	Secret *struct {
		SecretName string `yaml:"secretName"`
	} `yaml:"secret"`
}

type deploymentSpec struct {
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec struct {
			SecurityContext struct {
				RunAsUser  *int `yaml:"runAsUser"`
				RunAsGroup *int `yaml:"runAsGroup"`
			} `yaml:"securityContext"`
			Containers []container `yaml:"containers"`
			Volumes    []volume    `yaml:"volumes"`
		} `yaml:"spec"`
	} `yaml:"template"`
}

type serviceSpec struct {
	Selector map[string]string `yaml:"selector"`
	Ports    []struct {
		Name       string `yaml:"name"`
		Port       int    `yaml:"port"`
		TargetPort string `yaml:"targetPort"`
	} `yaml:"ports"`
}

type relabeling struct {
	SourceLabels []string `yaml:"sourceLabels"`
	Separator    string   `yaml:"separator"`
	Regex        string   `yaml:"regex"`
	TargetLabel  string   `yaml:"targetLabel"`
	Replacement  string   `yaml:"replacement"`
	Action       string   `yaml:"action"`
}

type monitorEndpoint struct {
	Port        string              `yaml:"port"`
	Path        string              `yaml:"path"`
	Params      map[string][]string `yaml:"params"`
	Relabelings []relabeling        `yaml:"relabelings"`
}

type monitorSpec struct {
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Endpoints           []monitorEndpoint `yaml:"endpoints"`
	PodMetricsEndpoints []monitorEndpoint `yaml:"podMetricsEndpoints"`
}

type scrapeConfigSpec struct {
	MetricsPath string       `yaml:"metricsPath"`
	Relabelings []relabeling `yaml:"relabelings"`
}

type kustomization struct {
	Namespace string   `yaml:"namespace"`
	Resources []string `yaml:"resources"`
	Images    []struct {
		Name    string `yaml:"name"`
		NewName string `yaml:"newName"`
		NewTag  string `yaml:"newTag"`
	} `yaml:"images"`
}

// manifests are the parsed documents of every YAML file under
// manifestDir, with the kustomization.
type manifests struct {
	objects []object
	kust    kustomization
}

// loadManifests parses every document of every YAML file under
// manifestDir, failing on the first that does not parse.
func loadManifests(t *testing.T) manifests {
	t.Helper()
	var m manifests
	err := filepath.WalkDir(manifestDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		rel, _ := filepath.Rel(manifestDir, p)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "kustomization.yaml" {
			return yaml.Unmarshal(b, &m.kust)
		}
		if path.Base(rel) == "kustomization.yaml" {
			return nil // another kustomization (sharded/): sharded_test.go
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for i := 0; ; i++ {
			var n yaml.Node
			if err := dec.Decode(&n); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return fmt.Errorf("%s: document %d: %w", rel, i, err)
			}
			o := object{file: rel, node: n}
			if err := n.Decode(&o); err != nil {
				return fmt.Errorf("%s: document %d: %w", rel, i, err)
			}
			m.objects = append(m.objects, o)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.objects) == 0 {
		t.Fatalf("no manifests under %s", manifestDir)
	}
	return m
}

// one returns the only object of kind in file, failing unless there is
// exactly one.
func (m manifests) one(t *testing.T, kind, file string) object {
	t.Helper()
	var found []object
	for _, o := range m.objects {
		if o.Kind == kind && o.file == file {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d objects of kind %s, want 1", file, len(found), kind)
	}
	return found[0]
}

// byName returns the object of kind and name among the kustomization's
// resources.
func (m manifests) byName(t *testing.T, kind, name string) object {
	t.Helper()
	for _, o := range m.objects {
		if o.Kind == kind && o.Metadata.Name == name && !strings.Contains(o.file, "/") {
			return o
		}
	}
	t.Fatalf("no %s %s in %s", kind, name, manifestDir)
	return object{}
}

func decodeSpec(t *testing.T, o object, v any) {
	t.Helper()
	if err := o.Spec.Decode(v); err != nil {
		t.Fatalf("%s: spec: %v", o, err)
	}
}

// containers returns every container of every object, wherever its pod
// template sits (a Deployment's, a FlinkDeployment's podTemplate).
func (m manifests) containers(t *testing.T) map[string][]container {
	t.Helper()
	out := map[string][]container{}
	for _, o := range m.objects {
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			switch n.Kind {
			case yaml.DocumentNode, yaml.SequenceNode:
				for _, c := range n.Content {
					walk(c)
				}
			case yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					k, v := n.Content[i], n.Content[i+1]
					if (k.Value == "containers" || k.Value == "initContainers") && v.Kind == yaml.SequenceNode {
						var cs []container
						if err := v.Decode(&cs); err != nil {
							t.Fatalf("%s: %s: %v", o, k.Value, err)
						}
						out[o.String()] = append(out[o.String()], cs...)
					}
					walk(v)
				}
			}
		}
		walk(&o.node)
	}
	return out
}

// dockerfile is what the Dockerfile's runtime stage declares.
type dockerfile struct {
	title, user, entrypoint string
	expose                  int
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	var d dockerfile
	if m := regexp.MustCompile(`(?m)org\.opencontainers\.image\.title="([^"]+)"`).FindStringSubmatch(text); m != nil {
		d.title = m[1]
	}
	if m := regexp.MustCompile(`(?m)^USER (\S+)$`).FindStringSubmatch(text); m != nil {
		d.user = m[1]
	}
	if m := regexp.MustCompile(`(?m)^ENTRYPOINT \["([^"]+)"\]$`).FindStringSubmatch(text); m != nil {
		d.entrypoint = m[1]
	}
	if m := regexp.MustCompile(`(?m)^EXPOSE (\d+)$`).FindStringSubmatch(text); m != nil {
		d.expose, _ = strconv.Atoi(m[1])
	}
	if d.title == "" || d.user == "" || d.entrypoint == "" || d.expose == 0 {
		t.Fatalf("the Dockerfile lacks the title label, USER, ENTRYPOINT or EXPOSE: %+v", d)
	}
	return d
}

// help is the --help-long output of the exporter built from this tree.
var help struct {
	once sync.Once
	text string
	err  error
}

// exporterHelp builds the exporter and returns its --help-long output.
func exporterHelp(t *testing.T) string {
	t.Helper()
	help.once.Do(func() {
		dir, err := os.MkdirTemp("", "flink_exporter-deploy-test")
		if err != nil {
			help.err = err
			return
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "flink_exporter")
		build := exec.Command("go", "build", "-o", bin, "github.com/flink-exporter/flink_exporter")
		if out, err := build.CombinedOutput(); err != nil {
			help.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		out, err := exec.Command(bin, "--help-long").CombinedOutput()
		if err != nil {
			help.err = fmt.Errorf("flink_exporter --help-long: %v\n%s", err, out)
			return
		}
		help.text = string(out)
	})
	if help.err != nil {
		t.Fatal(help.err)
	}
	return help.text
}

// exporterFlags returns the exporter's flags and which of them are
// booleans (which kingpin also takes as --no-<flag>).
func exporterFlags(t *testing.T) (flags, bools map[string]bool) {
	t.Helper()
	flags, bools = map[string]bool{}, map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--(\[no-\])?([a-z0-9][a-z0-9._-]*)`).FindAllStringSubmatch(exporterHelp(t), -1) {
		flags[m[2]] = true
		if m[1] != "" {
			bools[m[2]] = true
		}
	}
	if !flags["config.file"] || !bools["collector.host"] {
		t.Fatalf("cannot read the flags from --help-long:\n%s", exporterHelp(t))
	}
	return flags, bools
}

// defaultPort is the port of the exporter's default --web.listen-address.
func defaultPort(t *testing.T) int {
	t.Helper()
	m := regexp.MustCompile(`--web\.listen-address=:(\d+)`).FindStringSubmatch(exporterHelp(t))
	if m == nil {
		t.Fatal("no default --web.listen-address in --help-long")
	}
	p, _ := strconv.Atoi(m[1])
	return p
}

// TestManifestsParse checks that every document of every file is an
// object Kubernetes can take.
func TestManifestsParse(t *testing.T) {
	m := loadManifests(t)
	seen := map[string]string{}
	for _, o := range m.objects {
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
			t.Errorf("%s: a document lacks apiVersion, kind or metadata.name", o.file)
			continue
		}
		key := o.Kind + "/" + o.Metadata.Namespace + "/" + o.Metadata.Name
		if prev, ok := seen[key]; ok {
			t.Errorf("%s: %s is also in %s", o.file, key, prev)
		}
		seen[key] = o.file
	}
}

// TestKustomization checks that the kustomization lists every manifest of
// its directory, and only files that exist.
func TestKustomization(t *testing.T) {
	m := loadManifests(t)
	if m.kust.Namespace == "" {
		t.Error("kustomization.yaml sets no namespace")
	}
	entries, err := os.ReadDir(manifestDir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") && e.Name() != "kustomization.yaml" {
			files = append(files, e.Name())
		}
	}
	got := slices.Clone(m.kust.Resources)
	sort.Strings(got)
	if !slices.Equal(got, files) {
		t.Errorf("kustomization.yaml lists %v, the directory holds %v", got, files)
	}
	for _, o := range m.objects {
		if slices.Contains(m.kust.Resources, o.file) && o.Metadata.Namespace != "" {
			t.Errorf("%s: namespace %q: the kustomization sets it", o, o.Metadata.Namespace)
		}
	}
}

// TestKustomizeBuild renders the kustomization in process with kustomize's
// own library (krusty, what `kubectl kustomize` and `kubectl apply -k`
// run), so that it runs everywhere without kubectl: every resource comes
// out in the kustomization's namespace, and the exporter's container with
// the image of the images: entry.
func TestKustomizeBuild(t *testing.T) {
	rendered := renderKustomization(t, manifestDir)
	m := loadManifests(t)
	if len(m.kust.Images) != 1 {
		t.Fatalf("kustomization.yaml has %d images: entries, want 1 (the exporter's)", len(m.kust.Images))
	}
	image := m.kust.Images[0]
	wantImage := cmp.Or(image.NewName, image.Name) + ":" + image.NewTag
	images := 0
	n := len(rendered)
	for _, o := range rendered {
		if o.Metadata.Namespace != m.kust.Namespace {
			t.Errorf("rendered %s %s: namespace %q, want %q", o.Kind, o.Metadata.Name, o.Metadata.Namespace, m.kust.Namespace)
		}
		if o.Kind == "Deployment" {
			var ds deploymentSpec
			if err := o.Spec.Decode(&ds); err != nil {
				t.Fatalf("rendered Deployment %s: %v", o.Metadata.Name, err)
			}
			for _, c := range ds.Template.Spec.Containers {
				images++
				if c.Image != wantImage {
					t.Errorf("rendered Deployment %s: container %s has image %q, want %q from the images: entry", o.Metadata.Name, c.Name, c.Image, wantImage)
				}
			}
		}
	}
	if images == 0 {
		t.Error("the rendered kustomization has no Deployment container")
	}
	want := 0
	for _, o := range m.objects {
		if slices.Contains(m.kust.Resources, o.file) {
			want++
		}
	}
	if n != want {
		t.Errorf("kustomize rendered %d objects, the resources hold %d", n, want)
	}
}

// TestDeploymentServiceMonitor follows a scrape: ServiceMonitor → Service
// → Deployment's pods → container port.
func TestDeploymentServiceMonitor(t *testing.T) {
	m := loadManifests(t)
	dep := m.one(t, "Deployment", "deployment.yaml")
	var ds deploymentSpec
	decodeSpec(t, dep, &ds)
	pod := ds.Template.Metadata.Labels
	if len(ds.Selector.MatchLabels) == 0 || !matches(ds.Selector.MatchLabels, pod) {
		t.Errorf("%s: selector %v does not match the template's labels %v", dep, ds.Selector.MatchLabels, pod)
	}
	if len(ds.Template.Spec.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", dep, len(ds.Template.Spec.Containers))
	}
	c := ds.Template.Spec.Containers[0]
	if len(c.Ports) != 1 || c.Ports[0].Name != "http-metrics" || c.Ports[0].ContainerPort != defaultPort(t) {
		t.Errorf("%s: container ports %+v, want http-metrics on the exporter's default port %d", dep, c.Ports, defaultPort(t))
	}
	d := readDockerfile(t)
	if u, g := ds.Template.Spec.SecurityContext.RunAsUser, ds.Template.Spec.SecurityContext.RunAsGroup; u == nil || g == nil || fmt.Sprintf("%d:%d", *u, *g) != d.user {
		t.Errorf("%s: runAsUser:runAsGroup differ from the Dockerfile's USER %s", dep, d.user)
	}

	svcObj := m.one(t, "Service", "service.yaml")
	var svc serviceSpec
	decodeSpec(t, svcObj, &svc)
	if len(svc.Selector) == 0 || !matches(svc.Selector, pod) {
		t.Errorf("%s: selector %v does not match the Deployment's pods %v", svcObj, svc.Selector, pod)
	}
	if len(svc.Ports) != 1 || svc.Ports[0].Name != "http-metrics" || svc.Ports[0].TargetPort != c.Ports[0].Name || svc.Ports[0].Port != defaultPort(t) {
		t.Errorf("%s: ports %+v, want http-metrics on %d to the container's port %s", svcObj, svc.Ports, defaultPort(t), c.Ports[0].Name)
	}

	for _, file := range []string{"servicemonitor.yaml", "servicemonitor-probe.yaml"} {
		sm := m.one(t, "ServiceMonitor", file)
		var spec monitorSpec
		decodeSpec(t, sm, &spec)
		if len(spec.Selector.MatchLabels) == 0 || !matches(spec.Selector.MatchLabels, svcObj.Metadata.Labels) {
			t.Errorf("%s: selector %v does not match the Service's labels %v", sm, spec.Selector.MatchLabels, svcObj.Metadata.Labels)
		}
		if len(spec.Endpoints) == 0 {
			t.Errorf("%s: no endpoints", sm)
		}
		for _, e := range spec.Endpoints {
			if e.Port != svc.Ports[0].Name {
				t.Errorf("%s: endpoint port %q, the Service's is %q", sm, e.Port, svc.Ports[0].Name)
			}
		}
	}
	var metrics monitorSpec
	decodeSpec(t, m.one(t, "ServiceMonitor", "servicemonitor.yaml"), &metrics)
	if len(metrics.Endpoints) != 1 || metrics.Endpoints[0].Path != "/metrics" {
		t.Errorf("servicemonitor.yaml: endpoints %+v, want one on /metrics", metrics.Endpoints)
	}
}

// matches reports whether every label of selector is in labels.
func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestContainerArgs runs every argument of every flink_exporter container
// past the flags of the built exporter.
func TestContainerArgs(t *testing.T) {
	m := loadManifests(t)
	flags, bools := exporterFlags(t)
	d := readDockerfile(t)
	n := 0
	for obj, cs := range m.containers(t) {
		for _, c := range cs {
			if image, _, _ := strings.Cut(c.Image, ":"); image != d.title {
				t.Errorf("%s: container %s: image %q, want the Dockerfile's %s", obj, c.Name, c.Image, d.title)
				continue
			}
			n++
			if len(c.Command) > 0 && !slices.Equal(c.Command, []string{d.entrypoint}) {
				t.Errorf("%s: container %s: command %v replaces the Dockerfile's ENTRYPOINT %s", obj, c.Name, c.Command, d.entrypoint)
			}
			for _, arg := range c.Args {
				name, _, _ := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
				switch {
				case !strings.HasPrefix(arg, "--"):
					t.Errorf("%s: container %s: argument %q is no --flag", obj, c.Name, arg)
				case flags[name]:
				case strings.HasPrefix(name, "no-") && bools[strings.TrimPrefix(name, "no-")]:
				default:
					t.Errorf("%s: container %s: flink_exporter has no flag --%s", obj, c.Name, name)
				}
			}
		}
	}
	if n < 2 {
		t.Errorf("found %d flink_exporter containers, want the Deployment's and the sidecar's", n)
	}
	for _, img := range m.kust.Images {
		if img.Name != d.title {
			t.Errorf("kustomization.yaml: images: %q, want the Dockerfile's %s", img.Name, d.title)
		}
	}
}

// TestPorts keeps the exporter's default port, the Dockerfile's EXPOSE and
// the examples' targets equal.
func TestPorts(t *testing.T) {
	port := defaultPort(t)
	if d := readDockerfile(t); d.expose != port {
		t.Errorf("the Dockerfile exposes %d, the exporter listens on :%d", d.expose, port)
	}
	b, err := os.ReadFile(filepath.Join("..", "examples", "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("localhost:%d", port); !strings.Contains(string(b), want) {
		t.Errorf("examples/prometheus.yml does not scrape %s", want)
	}
	m := loadManifests(t)
	for obj, cs := range m.containers(t) {
		for _, c := range cs {
			for _, p := range c.Ports {
				if p.ContainerPort != port {
					t.Errorf("%s: container %s: port %s is %d, the exporter listens on %d", obj, c.Name, p.Name, p.ContainerPort, port)
				}
			}
		}
	}
}

// TestConfigMap loads the exporter's configuration from its ConfigMap with
// the exporter's loader, and finds every file it names in a volume of the
// Deployment.
func TestConfigMap(t *testing.T) {
	m := loadManifests(t)
	dep := m.one(t, "Deployment", "deployment.yaml")
	var ds deploymentSpec
	decodeSpec(t, dep, &ds)
	c := ds.Template.Spec.Containers[0]

	var configFile string
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--config.file="); ok {
			configFile = v
		}
	}
	if configFile == "" {
		t.Fatalf("%s: no --config.file", dep)
	}
	// mounted finds the volume file p is in and returns its content.
	mounted := func(p string) (string, error) {
		if !path.IsAbs(p) {
			return "", fmt.Errorf("%s is relative", p)
		}
		for _, vm := range c.VolumeMounts {
			if path.Dir(p) != vm.MountPath {
				continue
			}
			for _, v := range ds.Template.Spec.Volumes {
				if v.Name != vm.Name {
					continue
				}
				var data map[string]string
				switch {
				case v.ConfigMap != nil:
					data = m.byName(t, "ConfigMap", v.ConfigMap.Name).Data
				case v.Secret != nil:
					// Either field holds keys; data's values are base64.
					s := m.byName(t, "Secret", v.Secret.SecretName)
					data = map[string]string{}
					for k, v := range s.Data {
						data[k] = v
					}
					for k, v := range s.StringData {
						data[k] = v
					}
				}
				if content, ok := data[path.Base(p)]; ok {
					return content, nil
				}
				return "", fmt.Errorf("%s: the volume %s mounted at %s has no key %s", p, v.Name, vm.MountPath, path.Base(p))
			}
		}
		return "", fmt.Errorf("%s: no volume is mounted at %s", p, path.Dir(p))
	}

	text, err := mounted(configFile)
	if err != nil {
		t.Fatalf("%s: --config.file: %v", dep, err)
	}
	var names []string
	for _, a := range collector.Areas() {
		names = append(names, a.Name)
	}
	cfg, err := config.Load([]byte(text), names)
	if err != nil {
		t.Fatalf("%s: %v", configFile, err)
	}
	if len(cfg.Clusters) == 0 {
		t.Fatalf("%s: no clusters", configFile)
	}
	for _, name := range cfg.Names() {
		for _, f := range clientFiles(cfg.Clusters[name].HTTPClientConfig) {
			if _, err := mounted(f); err != nil {
				t.Errorf("%s: cluster %s: %v", configFile, name, err)
			}
		}
	}

	// The probe ServiceMonitor scrapes exactly the clusters of the file,
	// each labelled with its name.
	var probe monitorSpec
	decodeSpec(t, m.one(t, "ServiceMonitor", "servicemonitor-probe.yaml"), &probe)
	var targets []string
	for _, e := range probe.Endpoints {
		if e.Path != "/probe" || len(e.Params["target"]) != 1 {
			t.Errorf("servicemonitor-probe.yaml: endpoint %+v: want path /probe and one target", e)
			continue
		}
		target := e.Params["target"][0]
		targets = append(targets, target)
		if !slices.ContainsFunc(e.Relabelings, sets("instance", target)) {
			t.Errorf("servicemonitor-probe.yaml: target %s is not labelled instance=%s", target, target)
		}
	}
	sort.Strings(targets)
	if !slices.Equal(targets, cfg.Names()) {
		t.Errorf("servicemonitor-probe.yaml scrapes %v, the configuration names %v", targets, cfg.Names())
	}
}

// sets matches a relabeling that sets label to the fixed value.
func sets(label, value string) func(relabeling) bool {
	return func(r relabeling) bool {
		return r.TargetLabel == label && r.Replacement == value && len(r.SourceLabels) == 0 && (r.Action == "" || r.Action == "replace")
	}
}

// clientFiles lists the files an HTTP client configuration reads.
func clientFiles(h promconfig.HTTPClientConfig) []string {
	files := []string{h.BearerTokenFile, h.TLSConfig.CAFile, h.TLSConfig.CertFile, h.TLSConfig.KeyFile}
	if h.BasicAuth != nil {
		files = append(files, h.BasicAuth.UsernameFile, h.BasicAuth.PasswordFile)
	}
	if h.Authorization != nil {
		files = append(files, h.Authorization.CredentialsFile)
	}
	if h.OAuth2 != nil {
		files = append(files, h.OAuth2.ClientSecretFile)
	}
	return slices.DeleteFunc(files, func(f string) bool { return f == "" })
}

// TestExamples checks the examples against the exporter's Service and the
// agent's container.
func TestExamples(t *testing.T) {
	m := loadManifests(t)

	// The PodMonitor scrapes the sidecar's port.
	pm := m.one(t, "PodMonitor", "examples/podmonitor-agent.yaml")
	var pms monitorSpec
	decodeSpec(t, pm, &pms)
	var ports []string
	for _, c := range m.containers(t)[m.one(t, "FlinkDeployment", "examples/flinkdeployment-agent-sidecar.yaml").String()] {
		for _, p := range c.Ports {
			ports = append(ports, p.Name)
		}
	}
	if len(pms.PodMetricsEndpoints) == 0 {
		t.Errorf("%s: no podMetricsEndpoints", pm)
	}
	for _, e := range pms.PodMetricsEndpoints {
		if !slices.Contains(ports, e.Port) {
			t.Errorf("%s: port %q is none of the sidecar's %v", pm, e.Port, ports)
		}
	}
}

// dashboardsFile is the generated file of the Grafana dashboard ConfigMaps.
var dashboardsFile = filepath.Join(manifestDir, "grafana-dashboards.yaml")

// lastAppliedLimit is the size of the annotations of an object, which
// kubectl apply's last-applied-configuration annotation (the object as
// JSON) must stay under.
const lastAppliedLimit = 256 * 1024

// renderDashboards writes one ConfigMap per dashboard, for the Grafana
// sidecar: one per dashboard keeps each far below kubectl apply's limit.
func renderDashboards(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	sort.Strings(files)
	var b strings.Builder
	b.WriteString(`# Generated from dashboards/*.json by go test ./deploy -update; the
# dashboards are generated too: edit internal/dashboards, run
# go run ./cmd/gendashboards, then go test ./deploy -update.
#
# One ConfigMap per dashboard for Grafana's dashboard sidecar (the Grafana
# and kube-prometheus-stack Helm charts, sidecar.dashboards.enabled), which
# loads every ConfigMap labelled grafana_dashboard: "1" (in its own
# namespace unless sidecar.dashboards.searchNamespace is ALL). The
# grafana_folder annotation names the folder when the sidecar's
# folderAnnotation is grafana_folder.
`)
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		chomp := "|"
		if !bytes.HasSuffix(text, []byte("\n")) {
			chomp = "|-"
		}
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flink-exporter-dashboard-%s\n", strings.TrimPrefix(base, "flink-"))
		b.WriteString("  labels:\n    app.kubernetes.io/name: flink-exporter\n    app.kubernetes.io/component: dashboards\n    grafana_dashboard: \"1\"\n")
		b.WriteString("  annotations:\n    grafana_folder: Flink\n")
		fmt.Fprintf(&b, "data:\n  %s.json: %s\n", base, chomp)
		for _, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
			if line == "" {
				b.WriteString("\n")
				continue
			}
			b.WriteString("    " + line + "\n")
		}
	}
	return b.String()
}

// TestDashboardConfigMapsAreCurrent keeps grafana-dashboards.yaml equal to
// the dashboards, each ConfigMap's data byte for byte the JSON file.
func TestDashboardConfigMapsAreCurrent(t *testing.T) {
	want := renderDashboards(t)
	if *update {
		if err := os.WriteFile(dashboardsFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(dashboardsFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date: run go test ./deploy -update", dashboardsFile)
	}

	m := loadManifests(t)
	files, _ := filepath.Glob(filepath.Join("..", "dashboards", "*.json"))
	found := 0
	for _, o := range m.objects {
		if o.file != filepath.Base(dashboardsFile) {
			continue
		}
		if o.Kind != "ConfigMap" || o.Metadata.Labels["grafana_dashboard"] != "1" || len(o.Data) != 1 {
			t.Errorf("%s: want a ConfigMap labelled grafana_dashboard: \"1\" with one dashboard", o)
			continue
		}
		for key, text := range o.Data {
			want, err := os.ReadFile(filepath.Join("..", "dashboards", key))
			if err != nil {
				t.Errorf("%s: %v", o, err)
				continue
			}
			if text != string(want) {
				t.Errorf("%s: %s differs from dashboards/%s", o, key, key)
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				t.Errorf("%s: %s: %v", o, key, err)
			}
			found++
		}
		// Half the limit leaves room for the dashboard to grow.
		if raw, _ := json.Marshal(o.Data); len(raw) > lastAppliedLimit/2 {
			t.Errorf("%s: %d bytes of data as JSON; kubectl apply stores the object in an annotation of at most %d", o, len(raw), lastAppliedLimit)
		}
	}
	if found != len(files) {
		t.Errorf("%s holds %d dashboards, dashboards/ %d", dashboardsFile, found, len(files))
	}
}

// renderKustomization renders the kustomization in dir in process with
// kustomize's own library (krusty) and decodes every object it outputs.
func renderKustomization(t *testing.T, dir string) []object {
	t.Helper()
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := resources.AsYaml()
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var objects []object
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o object
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			return objects
		} else if err != nil {
			t.Fatalf("kustomize build %s: decode: %v", dir, err)
		}
		objects = append(objects, o)
	}
}
