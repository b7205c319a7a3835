package config

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// kubernetesPattern is the pattern of the sharded exporter on Kubernetes:
// the REST Service of every Flink cluster.
const kubernetesPattern = `
target_patterns:
  - name: flink-rest-services
    url_regex: 'https?://[a-z0-9-]+-rest\.[a-z0-9-]+\.svc(\.cluster\.local)?:8081'
`

// TestTargetPatternMatches runs each kind of pattern over URLs it must and
// must not admit: the regex matches the whole URL (a matching piece in a
// path, a query, a user name or another host admits nothing), host
// suffixes end at a label boundary, CIDRs take IP addresses only, ports
// default to the scheme's.
func TestTargetPatternMatches(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		url     string
		want    bool
	}{
		{kubernetesPattern, "http://orders-rest.flink.svc:8081", true},
		{kubernetesPattern, "https://orders-rest.flink.svc:8081", true},
		{kubernetesPattern, "http://orders-rest.flink.svc.cluster.local:8081", true},
		{kubernetesPattern, "http://orders-rest.flink.svc:8082", false},
		{kubernetesPattern, "http://orders-rest.flink.svc", false},
		{kubernetesPattern, "http://orders.flink.svc:8081", false},
		{kubernetesPattern, "ftp://orders-rest.flink.svc:8081", false},
		{kubernetesPattern, "http://orders-rest.flink.svc:8081/proxy", false},
		{kubernetesPattern, "http://evil/?x=foo-rest.ns.svc:8081", false},
		{kubernetesPattern, "http://evil/foo-rest.ns.svc:8081", false},
		{kubernetesPattern, "http://orders-rest.flink.svc.evil.com:8081", false},
		{kubernetesPattern, "http://x.orders-rest.flink.svc:8081", false},
		{kubernetesPattern, "http://foo-rest.ns.svc:8081@evil:8081", false},
		{kubernetesPattern, "xhttp://orders-rest.flink.svc:8081", false},

		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local]}]", "http://a.b.svc.cluster.local:8081", true},
		{"target_patterns: [{name: p, host_suffixes: [.svc.cluster.local]}]", "https://A.B.SVC.Cluster.Local", true},
		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local]}]", "http://svc.cluster.local", true},
		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local]}]", "http://evilsvc.cluster.local", false},
		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local]}]", "http://svc.cluster.local.evil.com", false},
		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local]}]", "http://evil.com/a.svc.cluster.local", false},
		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local], ports: [8081]}]", "http://a.svc.cluster.local:8081", true},
		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local], ports: [8081]}]", "http://a.svc.cluster.local:9090", false},
		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local], ports: [8081]}]", "http://a.svc.cluster.local", false},
		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local], ports: [443]}]", "https://a.svc.cluster.local", true},
		{"target_patterns: [{name: p, host_suffixes: [svc.cluster.local], ports: [80]}]", "https://a.svc.cluster.local", false},

		{"target_patterns: [{name: p, cidrs: [10.0.0.0/8]}]", "http://10.1.2.3:8081", true},
		{"target_patterns: [{name: p, cidrs: [10.0.0.0/8]}]", "http://11.1.2.3:8081", false},
		{"target_patterns: [{name: p, cidrs: [10.0.0.0/8]}]", "http://10.1.2.3.nip.io:8081", false},
		{"target_patterns: [{name: p, cidrs: [10.0.0.0/8]}]", "http://[::ffff:10.1.2.3]:8081", true},
		{"target_patterns: [{name: p, cidrs: ['fd00::/8']}]", "http://[fd12::1]:8081", true},
		{"target_patterns: [{name: p, cidrs: ['fd00::/8']}]", "http://[fe80::1]:8081", false},
		{"target_patterns: [{name: p, cidrs: [10.0.0.0/8], host_suffixes: [.svc]}]", "http://a.svc:8081", true},

		// Every criterion given must match.
		{"target_patterns: [{name: p, url_regex: 'http://.*', cidrs: [10.0.0.0/8]}]", "https://10.0.0.1", false},
		{"target_patterns: [{name: p, url_regex: 'http://.*', cidrs: [10.0.0.0/8]}]", "http://10.0.0.1", true},
	} {
		cfg, err := Load([]byte(tc.pattern), collectors)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		// A URL with credentials, a query or a fragment never reaches
		// the patterns: the pool refuses it first.
		if ValidateURL(tc.url) != nil {
			if tc.want {
				t.Errorf("%s: want admitted, but it is no valid target URL", tc.url)
			}
			continue
		}
		if got := cfg.MatchTarget(u) != nil; got != tc.want {
			t.Errorf("pattern %s\nURL %s: matched %v, want %v", strings.TrimSpace(tc.pattern), tc.url, got, tc.want)
		}
	}
}

// TestTargetPatternFirstMatchWins: the patterns are tried in file order.
func TestTargetPatternFirstMatchWins(t *testing.T) {
	cfg, err := Load([]byte(`
target_patterns:
  - name: secured
    host_suffixes: [secure.svc]
    http_client_config:
      basic_auth: {username: flink, password_file: /etc/secret}
  - name: rest
    host_suffixes: [svc]
`), collectors)
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]string{"http://a.secure.svc:8081": "secured", "http://a.other.svc:8081": "rest"} {
		u, _ := url.Parse(target)
		if p := cfg.MatchTarget(u); p == nil || p.Name != want {
			t.Errorf("%s: pattern %v, want %s", target, p, want)
		}
	}
	u, _ := url.Parse("http://a.secure.svc:8081")
	c := cfg.MatchTarget(u).Cluster(u.String())
	if c.URL != u.String() || c.HTTPClientConfig.BasicAuth == nil || c.HTTPClientConfig.BasicAuth.PasswordFile != "/etc/secret" || c.HTTPClientConfig.FollowRedirects {
		t.Errorf("cluster of the secured pattern = %+v", c)
	}
}

// TestNoRedirectsByDefault: a cluster or pattern follows no redirect
// (which would carry its credentials to another host) unless its
// http_client_config says follow_redirects: true, even when it has an
// http_client_config, whose own defaults follow them.
func TestNoRedirectsByDefault(t *testing.T) {
	for data, want := range map[string]bool{
		"clusters: {a: {url: 'http://a'}}":                                                                  false,
		"clusters: {a: {url: 'http://a', http_client_config: {bearer_token_file: /t}}}":                     false,
		"clusters: {a: {url: 'http://a', http_client_config: {follow_redirects: true}}}":                    true,
		"target_patterns: [{name: p, host_suffixes: [svc]}]":                                                false,
		"target_patterns: [{name: p, host_suffixes: [svc], http_client_config: {bearer_token_file: /t}}]":   false,
		"target_patterns: [{name: p, host_suffixes: [svc], http_client_config: {follow_redirects: true}}]":  true,
		"target_patterns: [{name: p, host_suffixes: [svc], http_client_config: {follow_redirects: false}}]": false,
	} {
		cfg, err := Load([]byte(data), collectors)
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		var got bool
		if len(cfg.Clusters) > 0 {
			got = cfg.Clusters["a"].HTTPClientConfig.FollowRedirects
		} else {
			got = cfg.TargetPatterns[0].HTTPClientConfig.FollowRedirects
		}
		if got != want {
			t.Errorf("%s: follow_redirects %v, want %v", data, got, want)
		}
	}
}

// TestTargetPatternOnlyIsValid: a file with target patterns and no
// clusters loads; one with neither is refused.
func TestTargetPatternOnlyIsValid(t *testing.T) {
	cfg, err := Load([]byte(kubernetesPattern), collectors)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Clusters) != 0 || len(cfg.TargetPatterns) != 1 {
		t.Errorf("clusters %v, patterns %v", cfg.Clusters, cfg.TargetPatterns)
	}
	if _, err := Load([]byte("target_patterns: []\n"), collectors); !errors.Is(err, ErrNoClusters) {
		t.Errorf("empty target_patterns: %v, want ErrNoClusters", err)
	}
}

// TestTargetPatternRefused: mistakes in a pattern are refused at load,
// inline secrets among them, and the errors never show the secret.
func TestTargetPatternRefused(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"target_patterns: [{name: p}]", "needs url_regex, host_suffixes or cidrs"},
		{"target_patterns: [{url_regex: 'http://a'}]", "needs a name"},
		{"target_patterns: [{name: p, url_regex: 'http://a'}, {name: p, url_regex: 'http://b'}]", `name "p" is taken`},
		{"target_patterns: [{name: p, url_regex: 'http://(a'}]", "url_regex"},
		{"target_patterns: [{name: p, cidrs: [10.0.0.0/33]}]", "cidrs"},
		{"target_patterns: [{name: p, cidrs: [flink.svc]}]", "cidrs"},
		{"target_patterns: [{name: p, host_suffixes: ['a:8081']}]", "host_suffixes"},
		{"target_patterns: [{name: p, host_suffixes: ['.']}]", "host_suffixes"},
		{"target_patterns: [{name: p, host_suffixes: [svc], ports: [0]}]", "ports"},
		{"target_patterns: [{name: p, host_suffixes: [svc], collectors: [nope]}]", "unknown collector"},
		{"target_patterns: [{name: p, host_suffixes: [svc], timeout: -1s}]", ""},
		{"target_patterns: [{name: p, host_suffixes: [svc], http_client_config: {basic_auth: {username: u, password: s3cr3tpass}}}]", "password_file"},
		{"target_patterns: [{name: p, host_suffixes: [svc], http_client_config: {bearer_token: s3cr3tpass}}]", "bearer_token_file"},
		{"target_patterns: [{name: p, host_suffixes: [svc], http_client_config: {proxy_url: 'http://u:s3cr3tpass@proxy:3128'}}]", "proxy"},
		{"target_patterns: [{name: p, host_suffixes: [svc], unknown: 1}]", "unknown"},
	} {
		_, err := Load([]byte(tc.data), collectors)
		if err == nil {
			t.Errorf("%s: loaded, want refused", tc.data)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.data, err, tc.want)
		}
		if strings.Contains(err.Error(), "s3cr3tpass") {
			t.Errorf("%s: error shows the secret: %v", tc.data, err)
		}
	}
}

// TestTargetPatternEqual: a pattern's cluster is compared like any
// cluster, so that a reload that changes a pattern's settings rebuilds
// its clusters, and an unchanged one keeps them.
func TestTargetPatternEqual(t *testing.T) {
	load := func(data string) Cluster {
		t.Helper()
		cfg, err := Load([]byte(data), collectors)
		if err != nil {
			t.Fatal(err)
		}
		return cfg.TargetPatterns[0].Cluster("http://a.svc:8081")
	}
	base := load("target_patterns: [{name: p, host_suffixes: [svc], http_client_config: {bearer_token_file: /a}}]")
	if !base.Equal(load("target_patterns: [{name: p, host_suffixes: [svc], http_client_config: {bearer_token_file: /a}}]")) {
		t.Error("the same pattern loaded twice is not equal")
	}
	if base.Equal(load("target_patterns: [{name: p, host_suffixes: [svc], http_client_config: {bearer_token_file: /b}}]")) {
		t.Error("a pattern with another token file is equal")
	}
}
