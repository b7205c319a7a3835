package e2e

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/internal/testenv"
)

// Settings of the sharding test: 30 clusters over 3 exporter processes,
// scraped every shardScrape by one Prometheus whose scrape job is the
// shipped examples/prometheus-kubernetes.yml job "flink".
const (
	shardClusters = 30
	shardReplicas = 3
	shardScrape   = 2 * time.Second
	// shardForScale shortens the rules' for: durations: 5m becomes 10s.
	shardForScale = 30
	// shardHeader tells the simulated clusters which replica asked: each
	// exporter's http_client_config sends its own value.
	shardHeader = "X-Test-Exporter-Shard"
)

// shardReplicaAddr is the address the shipped relabeling gives replica i
// (the StatefulSet's pod behind its headless Service).
func shardReplicaAddr(i int) string {
	return fmt.Sprintf("flink-exporter-shard-%d.flink-exporter-shard.monitoring.svc:9894", i)
}

// hashmod is Prometheus's hashmod relabeling of one source label value
// (model/relabel/relabel.go): the last 8 bytes of the value's MD5,
// big-endian, modulo mod.
func hashmod(value string, mod uint64) int {
	sum := md5.Sum([]byte(value))
	return int(binary.BigEndian.Uint64(sum[8:]) % mod)
}

// flinkCluster is one simulated Flink cluster as Kubernetes shows it.
type flinkCluster struct {
	namespace, id string
	restPort      int
	scenario      string
	sim           *flinksim.Simulator
}

// host is the REST Service's address, <id>-rest.<namespace>.svc:<port>.
func (c *flinkCluster) host() string {
	return fmt.Sprintf("%s-rest.%s.svc:%d", c.id, c.namespace, c.restPort)
}

// url is what the shipped relabeling passes as /probe?target=.
func (c *flinkCluster) url() string { return "http://" + c.host() }

// instance is the cluster's instance label, <namespace>/<id>.
func (c *flinkCluster) instance() string { return c.namespace + "/" + c.id }

// clusterProxy is the HTTP proxy of every exporter: it stands for the
// cluster's DNS and network, serving each request for a Service's host
// from that cluster's simulator, and records who asked what.
type clusterProxy struct {
	clusters map[string]*flinkCluster // by host

	mu sync.Mutex
	// overview counts the /overview requests (one per scrape) per host
	// and replica; unknown counts requests for any other host.
	overview map[string]map[string]int
	unknown  []string
}

func (p *clusterProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.URL.Host
	if host == "" {
		host = r.Host
	}
	c, ok := p.clusters[host]
	p.mu.Lock()
	if !ok {
		p.unknown = append(p.unknown, host)
	} else if r.URL.Path == "/overview" {
		if p.overview[host] == nil {
			p.overview[host] = map[string]int{}
		}
		p.overview[host][r.Header.Get(shardHeader)]++
	}
	p.mu.Unlock()
	if !ok {
		http.Error(w, "no such host", http.StatusBadGateway)
		return
	}
	c.sim.Handler().ServeHTTP(w, r)
}

// snapshot returns the /overview counts per host and replica, and the
// unknown hosts asked for.
func (p *clusterProxy) snapshot() (map[string]map[string]int, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]map[string]int{}
	for h, m := range p.overview {
		out[h] = map[string]int{}
		for k, v := range m {
			out[h][k] = v
		}
	}
	return out, append([]string(nil), p.unknown...)
}

// repoPath is a file of the repository, seen from this package.
func repoPath(p string) string { return filepath.Join("..", "..", filepath.FromSlash(p)) }

// readYAML decodes a file of the repository into a generic map.
func readYAML(t *testing.T, p string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(repoPath(p))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return m
}

// shippedShardConfig is the replicas' --config.file of
// deploy/kubernetes/sharded/configmap.yaml, its target patterns' clients
// sent through proxy and marked with the replica's number.
func shippedShardConfig(t *testing.T, proxy string, replica int) []byte {
	t.Helper()
	cm := readYAML(t, "deploy/kubernetes/sharded/configmap.yaml")
	text := cm["data"].(map[string]any)["flink_exporter.yml"].(string)
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
		t.Fatal(err)
	}
	patterns, _ := cfg["target_patterns"].([]any)
	if len(patterns) == 0 {
		t.Fatal("deploy/kubernetes/sharded/configmap.yaml has no target_patterns")
	}
	for _, p := range patterns {
		hc, _ := p.(map[string]any)["http_client_config"].(map[string]any)
		if hc == nil {
			hc = map[string]any{}
		}
		hc["proxy_url"] = proxy
		hc["http_headers"] = map[string]any{shardHeader: map[string]any{"values": []any{strconv.Itoa(replica)}}}
		p.(map[string]any)["http_client_config"] = hc
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// shippedProbeJob is the job "flink" of examples/prometheus-kubernetes.yml
// as it is, its Kubernetes discovery replaced by a file_sd_configs file,
// scraped every shardScrape, with rules appended that send each replica's
// address to the local exporter of that replica.
func shippedProbeJob(t *testing.T, sdFile string, replicas []string) map[string]any {
	t.Helper()
	cfg := readYAML(t, "examples/prometheus-kubernetes.yml")
	for _, sc := range cfg["scrape_configs"].([]any) {
		job := sc.(map[string]any)
		if job["job_name"] != "flink" {
			continue
		}
		delete(job, "kubernetes_sd_configs")
		job["file_sd_configs"] = []any{map[string]any{"files": []any{sdFile}, "refresh_interval": "1s"}}
		job["scrape_interval"] = promDuration(shardScrape)
		job["scrape_timeout"] = promDuration(shardScrape)
		relabel := job["relabel_configs"].([]any)
		var modulus int
		for _, r := range relabel {
			if r.(map[string]any)["action"] == "hashmod" {
				modulus = r.(map[string]any)["modulus"].(int)
			}
		}
		if modulus != len(replicas) {
			t.Fatalf("examples/prometheus-kubernetes.yml: hashmod modulus %d, the test runs %d replicas", modulus, len(replicas))
		}
		for i, addr := range replicas {
			relabel = append(relabel, map[string]any{
				"source_labels": []any{"__address__"},
				"regex":         regexp.QuoteMeta(shardReplicaAddr(i)),
				"replacement":   addr,
				"target_label":  "__address__",
			})
		}
		job["relabel_configs"] = relabel
		return job
	}
	t.Fatal("examples/prometheus-kubernetes.yml has no job flink")
	return nil
}

// discoveryTargets is what Prometheus's Kubernetes discovery (role
// service) gives for the clusters' Services, as a file_sd_configs file:
// per cluster its REST Service <id>-rest (port rest) and its internal
// Service <id> (ports jobmanager-rpc and blobserver), labelled as Flink
// labels them (type, app), and a Service of another application whose
// name ends in -rest.
func discoveryTargets(clusters []*flinkCluster) []byte {
	type group struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}
	service := func(ns, name, port string, number int, labels map[string]string) group {
		l := map[string]string{
			"__meta_kubernetes_namespace":           ns,
			"__meta_kubernetes_service_name":        name,
			"__meta_kubernetes_service_port_name":   port,
			"__meta_kubernetes_service_port_number": strconv.Itoa(number),
		}
		for k, v := range labels {
			l["__meta_kubernetes_service_label_"+k] = v
			l["__meta_kubernetes_service_labelpresent_"+k] = "true"
		}
		return group{Targets: []string{fmt.Sprintf("%s.%s.svc:%d", name, ns, number)}, Labels: l}
	}
	var groups []group
	for _, c := range clusters {
		common := map[string]string{"type": "flink-native-kubernetes", "app": c.id}
		groups = append(groups,
			service(c.namespace, c.id+"-rest", "rest", c.restPort, common),
			service(c.namespace, c.id, "jobmanager-rpc", 6123, common),
			service(c.namespace, c.id, "blobserver", 6124, common))
	}
	groups = append(groups, service("shop", "orders-rest", "rest", 8081, map[string]string{"app": "orders"}))
	b, _ := json.Marshal(groups)
	return b
}

// buildShardExporter builds the flink_exporter binary once for the test.
func buildShardExporter(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flink_exporter")
	cmd := exec.Command("go", "build", "-o", bin, "../..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startShardExporter runs the binary as a replica of the StatefulSet runs
// it (--flink.url= and --config.file) and returns its host:port once
// /-/healthy answers.
func startShardExporter(t *testing.T, bin, dir string, replica int, config []byte) string {
	t.Helper()
	configPath := filepath.Join(dir, fmt.Sprintf("shard-%d.yml", replica))
	if err := os.WriteFile(configPath, config, 0o600); err != nil {
		t.Fatal(err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, fmt.Sprintf("shard-%d.log", replica))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "--web.listen-address="+addr, "--flink.url=", "--config.file="+configPath, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		stopProcess(cmd, exited)
		if t.Failed() {
			t.Logf("exporter %d log:\n%s", replica, logTail(logPath))
		}
	})
	if err := waitReady("http://"+addr+"/-/healthy", exited); err != nil {
		t.Fatalf("exporter %d: %v\n%s", replica, err, logTail(logPath))
	}
	return addr
}

// scaleFor divides every for: duration of a rule file by shardForScale.
func scaleFor(t *testing.T, rules []byte) []byte {
	t.Helper()
	re := regexp.MustCompile(`(?m)^(\s+for: )(\d+)([smh])$`)
	return re.ReplaceAllFunc(rules, func(m []byte) []byte {
		parts := re.FindSubmatch(m)
		n, err := strconv.Atoi(string(parts[2]))
		if err != nil {
			t.Fatal(err)
		}
		d := time.Duration(n) * map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[string(parts[3])]
		return []byte(fmt.Sprintf("%s%ds", parts[1], max(1, int((d/shardForScale).Seconds()))))
	})
}

// TestShardingOverKubernetesDiscovery runs the sharded deployment with
// real parts: 30 simulated Flink clusters in three namespaces, seen as
// Kubernetes discovery shows their Services; three flink_exporter
// processes configured as the StatefulSet's replicas (the shipped
// ConfigMap's target pattern); and a real Prometheus whose scrape job is
// the shipped examples/prometheus-kubernetes.yml job, relabeling
// unchanged, with the shipped rules. Every cluster is scraped once per
// scrape by the replica hashmod assigns, with its namespace, cluster_id
// and instance; a URL outside the allow-list is refused and never asked;
// the cause alert of the clusters in trouble fires for them alone.
func TestShardingOverKubernetesDiscovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 3 exporters and Prometheus and waits for alerts: about a minute")
	}
	testenv.RequireBinary(t, "prometheus")
	dir := t.TempDir()

	// The clusters: two show slow checkpoint storage, one serves its REST
	// API on a port the replicas' pattern does not admit.
	slow := map[int]bool{4: true, 17: true}
	proxy := &clusterProxy{clusters: map[string]*flinkCluster{}, overview: map[string]map[string]int{}}
	var clusters []*flinkCluster
	for i := range shardClusters + 1 {
		c := &flinkCluster{namespace: []string{"flink", "payments", "analytics"}[i%3], id: fmt.Sprintf("job-%02d", i), restPort: 8081, scenario: "healthy"}
		cfg := flinksim.Config{Jobs: 1, Vertices: 2, TaskManagers: 1}
		if slow[i] {
			c.scenario = "slow-storage"
			cfg = flinksim.Config{Scenario: c.scenario}
		}
		if i == shardClusters {
			c.id, c.restPort = "odd-port", 9081
		}
		sim, err := flinksim.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.sim = sim
		clusters = append(clusters, c)
		proxy.clusters[c.host()] = c
	}
	refusedCluster := clusters[shardClusters]
	proxySrv := httptest.NewServer(proxy)
	t.Cleanup(proxySrv.Close)

	bin := buildShardExporter(t)
	var replicas []string
	for i := range shardReplicas {
		replicas = append(replicas, startShardExporter(t, bin, dir, i, shippedShardConfig(t, proxySrv.URL, i)))
	}

	sdFile := filepath.Join(dir, "kubernetes-services.json")
	if err := os.WriteFile(sdFile, discoveryTargets(clusters), 0o644); err != nil {
		t.Fatal(err)
	}
	promCfg := map[string]any{
		"global": map[string]any{
			"scrape_interval":     promDuration(shardScrape),
			"scrape_timeout":      promDuration(shardScrape),
			"evaluation_interval": promDuration(shardScrape),
		},
		"rule_files":     []any{"flink-checkpoints.rules.yml", "flink-checkpoints.alerts.yml"},
		"scrape_configs": []any{shippedProbeJob(t, sdFile, replicas)},
	}
	promYAML, err := yaml.Marshal(promCfg)
	if err != nil {
		t.Fatal(err)
	}
	ruleFiles := map[string][]byte{}
	for _, f := range []string{"flink-checkpoints.rules.yml", "flink-checkpoints.alerts.yml"} {
		b, err := os.ReadFile(repoPath("rules/" + f))
		if err != nil {
			t.Fatal(err)
		}
		ruleFiles[f] = scaleFor(t, b)
	}
	prom := StartPrometheusWithConfig(t, promYAML, ruleFiles)

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()

	// Every Flink REST Service is a target, and only those: 30 up, the
	// one on another port refused (up 0).
	if _, err := prom.WaitFor(ctx, `count(up{job="flink"} == 1) == 30 and count(up{job="flink"}) == 31`, AtLeast(1)); err != nil {
		t.Fatal(err)
	}
	// Enough scrapes to count: every cluster scraped at least 4 times by
	// the instant the counts below are read (countsAt), and every scrape
	// started by then ended, stored or given up: each target has a
	// scrape that started later (Prometheus scrapes a target one scrape
	// at a time). So no scrape is stored between two of the queries and
	// counted in one but not the other.
	if _, err := prom.WaitFor(ctx, `count(count_over_time(flink_up[1h]) >= 4) == 30`, AtLeast(1)); err != nil {
		t.Fatal(err)
	}
	countsAt := time.Now()
	if _, err := prom.WaitFor(ctx, fmt.Sprintf(`count(timestamp(up{job="flink"}) > %s) == 31`, formatTime(countsAt)), AtLeast(1)); err != nil {
		t.Fatal(err)
	}

	// Labels: the cluster's namespace, cluster_id and instance; the
	// replica hashmod assigns; the URL it probes.
	up, err := prom.Query(ctx, `flink_up`)
	if err != nil {
		t.Fatal(err)
	}
	byInstance := map[string]model.Metric{}
	for _, s := range up {
		byInstance[string(s.Metric["instance"])] = s.Metric
		if s.Value != 1 {
			t.Errorf("%s: flink_up %v", s.Metric["instance"], s.Value)
		}
	}
	for _, c := range clusters[:shardClusters] {
		m, ok := byInstance[c.instance()]
		if !ok {
			t.Errorf("%s: no flink_up", c.instance())
			continue
		}
		want := model.LabelSet{
			"namespace":  model.LabelValue(c.namespace),
			"cluster_id": model.LabelValue(c.id),
			"target":     model.LabelValue(c.url()),
			"exporter":   model.LabelValue(shardReplicaAddr(hashmod(c.url(), shardReplicas))),
			"job":        "flink",
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s: flink_up{%s=%q}, want %q", c.instance(), k, m[k], v)
			}
		}
	}
	if len(up) != shardClusters {
		t.Errorf("%d flink_up series, want %d", len(up), shardClusters)
	}

	// Once per scrape, by one replica: each scrape of a cluster is one
	// /overview request; the exporter's count of them for the cluster
	// (carried from scrape to scrape, as of its latest stored scrape) is
	// at least Prometheus's count of the scrapes it stored (flink_up) and
	// at most its count of the scrapes it tried (up): a scrape Prometheus
	// gave up on at its timeout, on a machine loaded by other tests, may
	// have asked the cluster without storing a sample. So no other replica
	// or scrape asked the cluster; and every request the cluster received
	// came from the replica hashmod assigns. The proxy's count, taken
	// after the queries, exceeds the scrapes Prometheus had tried by then
	// by at most two (one stored since, one in flight).
	count := func(expr string, at time.Time) map[string]int {
		t.Helper()
		v, err := prom.QueryAt(ctx, expr, at)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, s := range v {
			out[string(s.Metric["instance"])] += int(s.Value)
		}
		return out
	}
	nScrapes := count(`count_over_time(flink_up[1h])`, countsAt)
	nTried := count(`count_over_time(up{job="flink"}[1h])`, countsAt)
	nAsked := count(`max_over_time(flink_exporter_rest_requests_total{endpoint="/overview"}[1h])`, countsAt)
	nTriedNow := count(`count_over_time(up{job="flink"}[1h])`, time.Now())
	overview, unknown := proxy.snapshot()
	perReplica := map[int]int{}
	for _, c := range clusters[:shardClusters] {
		shard := hashmod(c.url(), shardReplicas)
		perReplica[shard]++
		n, tried, asked := nScrapes[c.instance()], nTried[c.instance()], nAsked[c.instance()]
		if n < 4 || asked < n || asked > tried {
			t.Errorf("%s: %d scrapes stored of %d tried, %d /overview requests counted by its exporter; want one per scrape", c.instance(), n, tried, asked)
		} else if tried > n {
			t.Logf("%s: %d of %d scrapes not stored (scrape timeout); %d /overview requests", c.instance(), tried-n, tried, asked)
		}
		got := overview[c.host()]
		if triedNow := nTriedNow[c.instance()]; len(got) != 1 || got[strconv.Itoa(shard)] < n || got[strconv.Itoa(shard)] > triedNow+2 {
			t.Errorf("%s: /overview requests by replica %v, want only replica %d, once per scrape (%d scrapes stored of %d tried, %d tried by now)", c.instance(), got, shard, n, tried, triedNow)
		}
	}
	t.Logf("clusters per replica: %v", perReplica)
	if len(perReplica) != shardReplicas {
		t.Errorf("the clusters went to %d replicas, want all %d", len(perReplica), shardReplicas)
	}

	// Refused: the cluster on a port outside the pattern is down in
	// Prometheus and was never asked; a URL that only contains an
	// admitted one is answered 400 by every replica.
	if _, err := prom.WaitFor(ctx, fmt.Sprintf(`up{job="flink",instance=%q} == 0`, refusedCluster.instance()), AtLeast(1)); err != nil {
		t.Error(err)
	}
	for _, addr := range replicas {
		for _, target := range []string{
			refusedCluster.url(),
			"http://evil.example/?x=" + clusters[0].host(),
			"http://evil.example/" + clusters[0].host(),
			"http://" + clusters[0].host() + ".evil.example:8081",
		} {
			resp, err := http.Get("http://" + addr + "/probe?target=" + url.QueryEscape(target))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("replica %s: /probe?target=%s: %d, want 400", addr, target, resp.StatusCode)
			}
		}
	}
	// /diagnose takes the URL a pattern admits on the replica that
	// probes it (the alerts' diagnose_url), and refuses the others.
	for target, want := range map[string]int{clusters[0].url(): http.StatusOK, refusedCluster.url(): http.StatusBadRequest} {
		addr := replicas[hashmod(target, shardReplicas)]
		resp, err := http.Get("http://" + addr + "/diagnose?target=" + url.QueryEscape(target))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("replica %s: /diagnose?target=%s: %d, want %d", addr, target, resp.StatusCode, want)
		}
	}
	if _, unknown = proxy.snapshot(); len(unknown) > 0 {
		t.Errorf("requests reached hosts outside the allow-list: %v", unknown)
	}
	if overview, _ = proxy.snapshot(); len(overview[refusedCluster.host()]) > 0 {
		t.Errorf("the refused cluster was asked: %v", overview[refusedCluster.host()])
	}

	// The shipped rules, per cluster: the slow-storage cause alert fires
	// for the two clusters with slow storage and for no other, and keeps
	// the cluster's target labels through the recording rules: namespace
	// and cluster_id for Alertmanager's routing, exporter and target for
	// its diagnose_url.
	wantAlert := map[string]model.LabelSet{} // by cluster_id
	var slowIDs []string
	for i := range slow {
		c := clusters[i]
		slowIDs = append(slowIDs, c.id)
		wantAlert[c.id] = model.LabelSet{
			"instance":   model.LabelValue(c.instance()),
			"job":        "flink",
			"namespace":  model.LabelValue(c.namespace),
			"cluster_id": model.LabelValue(c.id),
			"target":     model.LabelValue(c.url()),
			"exporter":   model.LabelValue(shardReplicaAddr(hashmod(c.url(), shardReplicas))),
		}
	}
	firing := fmt.Sprintf(`ALERTS{alertname="FlinkCheckpointStorageSlow",alertstate="firing",cluster_id=~%q}`, strings.Join(slowIDs, "|"))
	if _, err := prom.WaitFor(ctx, fmt.Sprintf(`count(count by (namespace, cluster_id) (%s)) == %d`, firing, len(slow)), AtLeast(1)); err != nil {
		t.Fatal(err)
	}
	alerts, err := prom.Query(ctx, `ALERTS{cause="slow-storage"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		want, ok := wantAlert[string(a.Metric["cluster_id"])]
		if !ok {
			t.Errorf("slow-storage alert for cluster_id %q, not a cluster with slow storage: %v", a.Metric["cluster_id"], a.Metric)
			continue
		}
		for k, v := range want {
			if a.Metric[k] != v {
				t.Errorf("slow-storage alert of %s: %s=%q, want %q", want["instance"], k, a.Metric[k], v)
			}
		}
	}
	t.Logf("slow-storage alerts: %v", alerts)
}
