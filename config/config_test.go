package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v2"
)

var collectors = []string{"cluster", "jobs", "checkpoints", "checkpoint_acks", "taskmanagers", "jobmanager", "backpressure"}

// TestExampleLoads keeps examples/flink_exporter.reference.yml valid.
func TestExampleLoads(t *testing.T) {
	cfg, err := LoadFile(filepath.Join("..", "examples", "flink_exporter.reference.yml"), collectors)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Names(), " "); got != "analytics flink/orders-rest payments prod" {
		t.Errorf("clusters = %s", got)
	}
	prod := cfg.Clusters["prod"]
	if prod.URL != "https://flink.example.com:443/flink/prod" || time.Duration(prod.Timeout) != 5*time.Second || prod.MaxConcurrentRequests != 4 {
		t.Errorf("prod = %+v", prod)
	}
	if ba := prod.HTTPClientConfig.BasicAuth; ba == nil || ba.PasswordFile != "/etc/flink-exporter/secrets/prod-password" {
		t.Errorf("prod basic auth = %+v", ba)
	}
	if got := cfg.Clusters["payments"].HTTPClientConfig.TLSConfig.KeyFile; got != "/etc/flink-exporter/tls/client.key" {
		t.Errorf("payments key_file = %q", got)
	}
	if got := cfg.Clusters["analytics"].Collectors; strings.Join(got, ",") != "cluster,jobs,checkpoints" {
		t.Errorf("analytics collectors = %v", got)
	}
	if len(cfg.TargetPatterns) != 2 || cfg.TargetPatterns[0].Name != "flink-rest-services" || cfg.TargetPatterns[0].HTTPClientConfig.BasicAuth == nil || cfg.TargetPatterns[1].Ports[0] != 8081 {
		t.Errorf("target patterns = %+v", cfg.TargetPatterns)
	}
	// Unset, the HTTP client keeps Prometheus's defaults but follows no
	// redirect.
	if hc := cfg.Clusters["flink/orders-rest"].HTTPClientConfig; hc.FollowRedirects || !hc.EnableHTTP2 {
		t.Errorf("defaults of http_client_config lost: %+v", hc)
	}
}

// TestLoadRefuses lists the mistakes a configuration is refused for, each
// with a message that names it.
func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "clusters:\n  a:\n    url: http://a:8081\n    colectors: [jobs]\n", "colectors"},
		{"no url", "clusters:\n  a:\n    timeout: 5s\n", "url: missing"},
		{"no scheme", "clusters:\n  a:\n    url: jobmanager:8081\n", "scheme must be http or https"},
		{"no host", "clusters:\n  a:\n    url: http:///flink\n", "no host"},
		{"query", "clusters:\n  a:\n    url: http://a:8081/?x=1\n", "query"},
		{"credentials in url", "clusters:\n  a:\n    url: http://flink:hunter2@a:8081\n", "credentials do not belong in the URL"},
		{"negative timeout", "clusters:\n  a:\n    url: http://a:8081\n    timeout: -1s\n", "not a valid duration"},
		{"bad duration", "clusters:\n  a:\n    url: http://a:8081\n    timeout: soon\n", "not a valid duration"},
		{"negative concurrency", "clusters:\n  a:\n    url: http://a:8081\n    max_concurrent_requests: -1\n", "max_concurrent_requests"},
		{"unknown collector", "clusters:\n  a:\n    url: http://a:8081\n    collectors: [jobs, checkpionts]\n", `unknown collector "checkpionts"`},
		{"url-like name", "clusters:\n  \"http://a:8081\":\n    url: http://a:8081\n", `must not contain "://"`},
		{"name with space", "clusters:\n  \"a b\":\n    url: http://a:8081\n", "spaces"},
		{"inline password", "clusters:\n  a:\n    url: http://a:8081\n    http_client_config:\n      basic_auth: {username: u, password: hunter2}\n", "basic_auth.password: secrets are read from files only; use basic_auth.password_file"},
		{"inline bearer token", "clusters:\n  a:\n    url: http://a:8081\n    http_client_config:\n      bearer_token: hunter2\n", "bearer_token or authorization.credentials: secrets are read from files only; use bearer_token_file"},
		{"inline credentials", "clusters:\n  a:\n    url: http://a:8081\n    http_client_config:\n      authorization: {credentials: hunter2}\n", "authorization.credentials"},
		{"inline key", "clusters:\n  a:\n    url: http://a:8081\n    http_client_config:\n      tls_config: {cert_file: c.pem, key: hunter2}\n", "tls_config.key"},
		{"secret header", "clusters:\n  a:\n    url: http://a:8081\n    http_client_config:\n      http_headers: {X-Token: {secrets: [hunter2]}}\n", "http_headers secrets"},
		{"proxy credentials", "clusters:\n  a:\n    url: http://a:8081\n    http_client_config:\n      proxy_url: http://u:hunter2@proxy:3128\n", "proxy_url credentials"},
		{"two auths", "clusters:\n  a:\n    url: http://a:8081\n    http_client_config:\n      bearer_token_file: t\n      basic_auth: {username: u, password_file: p}\n", "at most one of basic_auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.yaml), collectors)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error repeats the secret: %q", err)
			}
		})
	}
}

// TestLoadFileResolvesRelativeFiles: file names in the configuration are
// relative to it, as in Prometheus.
func TestLoadFileResolvesRelativeFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flink_exporter.yml")
	content := "clusters:\n  a:\n    url: https://a:8081\n    http_client_config:\n      basic_auth: {username: u, password_file: secrets/pw}\n      tls_config: {ca_file: ca.pem, cert_file: /abs/c.pem, key_file: c.key}\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadFile(path, collectors)
	if err != nil {
		t.Fatal(err)
	}
	hc := cfg.Clusters["a"].HTTPClientConfig
	for what, got := range map[string][2]string{
		"password_file": {hc.BasicAuth.PasswordFile, filepath.Join(dir, "secrets", "pw")},
		"ca_file":       {hc.TLSConfig.CAFile, filepath.Join(dir, "ca.pem")},
		"cert_file":     {hc.TLSConfig.CertFile, "/abs/c.pem"},
		"key_file":      {hc.TLSConfig.KeyFile, filepath.Join(dir, "c.key")},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %q, want %q", what, got[0], got[1])
		}
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.yml"), collectors); err == nil {
		t.Error("a missing file was accepted")
	}
}

// TestSecretsMaskedWhenShown: common's Secret type masks a secret that a
// program sets (never one read from the file here, which refuses inline
// secrets), so a configuration shown or compared never carries it.
func TestSecretsMaskedWhenShown(t *testing.T) {
	cfg, err := Load([]byte("clusters:\n  a:\n    url: http://a:8081\n    http_client_config:\n      basic_auth: {username: u, password_file: /pw}\n"), collectors)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Clusters["a"]
	a.HTTPClientConfig.BasicAuth.Password = "hunter2"
	out, err := yaml.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "hunter2") || !strings.Contains(string(out), "<secret>") {
		t.Errorf("secret not masked:\n%s", out)
	}
}

// TestClusterEqual: reloads keep a cluster whose configuration did not
// change.
func TestClusterEqual(t *testing.T) {
	load := func(s string) Cluster {
		cfg, err := Load([]byte("clusters:\n  a:\n"+s), collectors)
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Clusters["a"]
	}
	base := load("    url: http://a:8081\n    timeout: 5s\n")
	if !base.Equal(load("    timeout: 5s\n    url: http://a:8081\n")) {
		t.Error("the same cluster in another key order differs")
	}
	for _, other := range []string{
		"    url: http://a:8082\n    timeout: 5s\n",
		"    url: http://a:8081\n    timeout: 6s\n",
		"    url: http://a:8081\n    timeout: 5s\n    http_client_config: {bearer_token_file: /t}\n",
	} {
		if base.Equal(load(other)) {
			t.Errorf("a changed cluster is equal:\n%s", other)
		}
	}
}

// TestLoadRefusesNoClusters: a file that names no cluster (empty, only a
// comment, an empty clusters:) is refused, since it would silently drop
// every cluster /probe serves.
func TestLoadRefusesNoClusters(t *testing.T) {
	for _, data := range []string{"", "# nothing yet\n", "clusters:\n", "clusters: {}\n"} {
		_, err := Load([]byte(data), collectors)
		if !errors.Is(err, ErrNoClusters) || !strings.Contains(fmt.Sprint(err), "no cluster configured") {
			t.Errorf("%q: %v, want the refusal of a file without clusters", data, err)
		}
	}
}
