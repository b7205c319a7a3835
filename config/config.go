// Package config reads the exporter's --config.file: the Flink clusters
// that /probe?target=<name> may scrape, each with its REST API's address,
// its client security (TLS, mutual TLS, basic auth, bearer token) and its
// limits, and the patterns of the JobManager URLs that
// /probe?target=<url> may scrape (target_patterns), with the same
// settings shared by the clusters each admits. Like the official multi-target exporters, the file is validated
// as a whole when it is loaded, so that a reload with a mistake keeps the
// configuration that works.
//
// Secrets are read from files only (password_file, bearer_token_file,
// tls_config.key_file, ...): the configuration file is often a ConfigMap
// that many can read, and a secret written in it would travel wherever the
// file goes. The files are read at request time, so a rotated secret needs
// no reload.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v2"
)

// Config is the content of the configuration file.
type Config struct {
	// Clusters are the Flink clusters /probe serves, by the name that
	// ?target= gives.
	Clusters map[string]Cluster `yaml:"clusters"`
	// TargetPatterns admit /probe?target=<url> for the URLs they match,
	// the first matching pattern's settings applying; any other URL is
	// refused unless --probe.allow-arbitrary-targets.
	TargetPatterns []TargetPattern `yaml:"target_patterns,omitempty"`
}

// Cluster is one Flink cluster's JobManager REST API and how to reach it.
// Zero values take the defaults of the corresponding --flink.* flags.
type Cluster struct {
	// URL is the REST API's base URL; a path prefix (a proxy path or
	// rest.path) is allowed, credentials in it are not.
	URL string `yaml:"url"`
	// HTTPClientConfig carries TLS (a custom CA, a client certificate for
	// Flink's rest.ssl mutual authentication), basic auth, a bearer token,
	// an authorization header, OAuth 2 and a proxy, as in Prometheus.
	HTTPClientConfig promconfig.HTTPClientConfig `yaml:"http_client_config,omitempty"`
	// Timeout bounds one REST request; --flink.timeout if zero.
	Timeout model.Duration `yaml:"timeout,omitempty"`
	// MaxConcurrentRequests bounds the requests in flight to this
	// JobManager; --flink.max-concurrent-requests if zero.
	MaxConcurrentRequests int `yaml:"max_concurrent_requests,omitempty"`
	// Collectors names the enabled collectors; the ones enabled by the
	// --collector.* flags if empty.
	Collectors []string `yaml:"collectors,omitempty"`
}

// DefaultHTTPClientConfig is Prometheus's default HTTP client (HTTP/2)
// without following redirects: Flink's REST API never redirects, and a
// redirect to another host would carry the cluster's credentials there.
func DefaultHTTPClientConfig() promconfig.HTTPClientConfig {
	hc := promconfig.DefaultHTTPClientConfig
	hc.FollowRedirects = false
	return hc
}

// UnmarshalYAML applies the defaults of the HTTP client before reading the
// cluster, as Prometheus does for its scrape configurations.
func (c *Cluster) UnmarshalYAML(unmarshal func(any) error) error {
	*c = Cluster{HTTPClientConfig: DefaultHTTPClientConfig()}
	type plain Cluster
	if err := unmarshal((*plain)(c)); err != nil {
		return err
	}
	return keepNoRedirects(unmarshal, &c.HTTPClientConfig)
}

// keepNoRedirects restores DefaultHTTPClientConfig's follow_redirects:
// false when the http_client_config read by unmarshal does not set it:
// common's HTTPClientConfig starts from its own defaults, which follow
// redirects, as soon as the key http_client_config is present.
func keepNoRedirects(unmarshal func(any) error, hc *promconfig.HTTPClientConfig) error {
	var raw map[string]any
	if err := unmarshal(&raw); err != nil {
		return err
	}
	if m, ok := raw["http_client_config"].(map[any]any); ok {
		if _, set := m["follow_redirects"]; set {
			return nil
		}
	}
	hc.FollowRedirects = false
	return nil
}

// Load parses and validates a configuration. collectors lists the
// collector names a cluster may enable. Relative file names (certificates,
// password files) stay relative to the working directory; LoadFile makes
// them relative to the file.
//
// Its errors never repeat a secret of data: a URL field that does not
// parse is named with its credentials hidden, and any inline secret
// (refused, but perhaps quoted by a parser) is replaced by "<secret>".
func Load(data []byte, collectors []string) (*Config, error) {
	cfg, err := load(data, collectors)
	return cfg, newRedactor(data).error(err)
}

func load(data []byte, collectors []string) (*Config, error) {
	cfg := &Config{}
	if err := yaml.UnmarshalStrict(data, cfg); err != nil {
		return nil, err
	}
	if err := cfg.Validate(collectors); err != nil {
		return nil, err
	}
	return cfg, nil
}

// LoadFile reads, parses and validates the configuration file; file names
// in it are relative to its directory.
func LoadFile(path string, collectors []string) (*Config, error) {
	cfg, _, err := loadFile(path, collectors)
	return cfg, err
}

// loadFile is LoadFile, and the redactor of the file's secrets for the
// errors that come later (building the clients).
func loadFile(path string, collectors []string) (*Config, *redactor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, newRedactor(nil), fmt.Errorf("read config file: %w", err)
	}
	r := newRedactor(data)
	cfg, err := load(data, collectors)
	if err != nil {
		return nil, r, fmt.Errorf("config file %s: %w", path, r.error(err))
	}
	dir := filepath.Dir(path)
	for name, c := range cfg.Clusters {
		c.HTTPClientConfig.SetDirectory(dir)
		cfg.Clusters[name] = c
	}
	for i := range cfg.TargetPatterns {
		cfg.TargetPatterns[i].HTTPClientConfig.SetDirectory(dir)
	}
	return cfg, r, nil
}

// Names returns the cluster names, sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Clusters))
	for name := range c.Clusters {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// ErrNoClusters refuses a configuration that names no cluster and no
// target pattern: an empty file, or one whose clusters: is empty or
// misspelt at the top, would otherwise be taken and silently drop every
// cluster /probe serves.
var ErrNoClusters = errors.New("no cluster configured: the file must name at least one cluster under clusters: or one pattern under target_patterns:")

// Validate checks every cluster and target pattern; the first mistake of
// each is reported, all at once. A configuration with neither clusters
// nor target patterns is refused (ErrNoClusters).
func (c *Config) Validate(collectors []string) error {
	if len(c.Clusters) == 0 && len(c.TargetPatterns) == 0 {
		return ErrNoClusters
	}
	var errs []error
	seen := map[string]bool{}
	for i, p := range c.TargetPatterns {
		switch {
		case p.Name == "":
			errs = append(errs, fmt.Errorf("target_patterns[%d]: a pattern needs a name", i))
		case seen[p.Name]:
			errs = append(errs, fmt.Errorf("target_patterns[%d]: name %q is taken by an earlier pattern", i, p.Name))
		default:
			if err := p.validate(collectors); err != nil {
				errs = append(errs, fmt.Errorf("target pattern %q: %w", p.Name, err))
			}
		}
		seen[p.Name] = true
	}
	for _, name := range c.Names() {
		if err := validateName(name); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := c.Clusters[name].validate(collectors); err != nil {
			errs = append(errs, fmt.Errorf("cluster %q: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// validateName accepts a name that /probe?target= can carry and that can
// never be taken for a URL: arbitrary targets are told apart by "://".
func validateName(name string) error {
	switch {
	case name == "":
		return errors.New("a cluster has an empty name")
	case strings.Contains(name, "://"):
		return fmt.Errorf("cluster %q: a name must not contain \"://\", which marks a URL target", name)
	case strings.IndexFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		return fmt.Errorf("cluster %q: a name must not contain spaces or control characters", name)
	}
	return nil
}

func (c Cluster) validate(collectors []string) error {
	if err := ValidateURL(c.URL); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if c.Timeout < 0 {
		return errors.New("timeout must not be negative")
	}
	if c.MaxConcurrentRequests < 0 {
		return errors.New("max_concurrent_requests must not be negative")
	}
	for _, name := range c.Collectors {
		if !slices.Contains(collectors, name) {
			return fmt.Errorf("collectors: unknown collector %q (known: %s)", name, strings.Join(collectors, ", "))
		}
	}
	if err := c.HTTPClientConfig.Validate(); err != nil {
		return fmt.Errorf("http_client_config: %w", err)
	}
	return inlineSecret(&c.HTTPClientConfig)
}

// ValidateURL accepts the base URL of a JobManager REST API: http or
// https, a host, an optional path prefix, and no credentials, query or
// fragment. Its errors never repeat a password.
func ValidateURL(raw string) error {
	if raw == "" {
		return errors.New("missing")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL, credentials included, and its cause
		// may quote a piece of a malformed password.
		return parseURLError(raw)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: scheme must be http or https", RedactURL(raw))
	case u.Host == "":
		return fmt.Errorf("%q: no host", u.Redacted())
	case u.User != nil:
		return fmt.Errorf("%q: credentials do not belong in the URL; use http_client_config basic_auth with password_file", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q: a query or fragment is not allowed", u.Redacted())
	}
	return nil
}

// secretField is an HTTP client setting that holds a secret inline, and
// the setting to use instead.
type secretField struct {
	name    string
	set     func(*promconfig.HTTPClientConfig) bool
	instead string
}

// secretFields are the inline secrets of common's HTTPClientConfig: each
// must come from a file instead. The *_ref fields need a secret manager the
// exporter does not have.
var secretFields = []secretField{
	{"basic_auth.password", func(h *promconfig.HTTPClientConfig) bool { return h.BasicAuth != nil && h.BasicAuth.Password != "" }, "basic_auth.password_file"},
	{"basic_auth.password_ref", func(h *promconfig.HTTPClientConfig) bool { return h.BasicAuth != nil && h.BasicAuth.PasswordRef != "" }, "basic_auth.password_file"},
	{"basic_auth.username_ref", func(h *promconfig.HTTPClientConfig) bool { return h.BasicAuth != nil && h.BasicAuth.UsernameRef != "" }, "basic_auth.username or username_file"},
	{"bearer_token", func(h *promconfig.HTTPClientConfig) bool { return h.BearerToken != "" }, "bearer_token_file"},
	// common's validation moves bearer_token into authorization.
	{"bearer_token or authorization.credentials", func(h *promconfig.HTTPClientConfig) bool {
		return h.Authorization != nil && h.Authorization.Credentials != ""
	}, "bearer_token_file or authorization.credentials_file"},
	{"authorization.credentials_ref", func(h *promconfig.HTTPClientConfig) bool {
		return h.Authorization != nil && h.Authorization.CredentialsRef != ""
	}, "authorization.credentials_file"},
	{"oauth2.client_secret", func(h *promconfig.HTTPClientConfig) bool { return h.OAuth2 != nil && h.OAuth2.ClientSecret != "" }, "oauth2.client_secret_file"},
	{"oauth2.client_secret_ref", func(h *promconfig.HTTPClientConfig) bool { return h.OAuth2 != nil && h.OAuth2.ClientSecretRef != "" }, "oauth2.client_secret_file"},
	{"oauth2.client_certificate_key", func(h *promconfig.HTTPClientConfig) bool {
		return h.OAuth2 != nil && h.OAuth2.ClientCertificateKey != ""
	}, "oauth2.client_certificate_key_file"},
	{"oauth2.client_certificate_key_ref", func(h *promconfig.HTTPClientConfig) bool {
		return h.OAuth2 != nil && h.OAuth2.ClientCertificateKeyRef != ""
	}, "oauth2.client_certificate_key_file"},
	{"oauth2.tls_config.key", func(h *promconfig.HTTPClientConfig) bool { return h.OAuth2 != nil && h.OAuth2.TLSConfig.Key != "" }, "oauth2.tls_config.key_file"},
	{"tls_config.key", func(h *promconfig.HTTPClientConfig) bool { return h.TLSConfig.Key != "" }, "tls_config.key_file"},
	{"tls_config.*_ref", func(h *promconfig.HTTPClientConfig) bool {
		return h.TLSConfig.KeyRef != "" || h.TLSConfig.CertRef != "" || h.TLSConfig.CARef != ""
	}, "tls_config.ca_file, cert_file and key_file"},
	{"proxy_url credentials", func(h *promconfig.HTTPClientConfig) bool {
		u := h.ProxyURL.URL
		return u != nil && u.User != nil
	}, "a proxy_connect_header from a file (not supported) or a proxy without credentials"},
	{"proxy_connect_header", func(h *promconfig.HTTPClientConfig) bool { return len(h.ProxyConnectHeader) > 0 }, "a proxy without credentials"},
	{"oauth2.proxy_url credentials", func(h *promconfig.HTTPClientConfig) bool {
		return h.OAuth2 != nil && h.OAuth2.ProxyURL.URL != nil && h.OAuth2.ProxyURL.URL.User != nil
	}, "a proxy without credentials"},
	{"oauth2.proxy_connect_header", func(h *promconfig.HTTPClientConfig) bool {
		return h.OAuth2 != nil && len(h.OAuth2.ProxyConnectHeader) > 0
	}, "a proxy without credentials"},
	{"oauth2.token_url credentials", func(h *promconfig.HTTPClientConfig) bool {
		return h.OAuth2 != nil && strings.Contains(h.OAuth2.TokenURL, "@")
	}, "oauth2.client_id with client_secret_file"},
	{"http_headers values of a credential header", func(h *promconfig.HTTPClientConfig) bool {
		return credentialHeaderValues(h) != ""
	}, "http_headers files"},
	{"http_headers secrets", func(h *promconfig.HTTPClientConfig) bool {
		if h.HTTPHeaders == nil {
			return false
		}
		for _, hdr := range h.HTTPHeaders.Headers {
			if len(hdr.Secrets) > 0 {
				return true
			}
		}
		return false
	}, "http_headers files"},
}

// credentialWords mark a header name that carries a credential: its value
// is a secret. http_headers values stay allowed for other headers (a
// tenant id such as X-Scope-OrgID, a routing header), which are no secret
// and are easier to read inline; a credential header comes from a file
// (http_headers files), like every other secret. Values are never logged
// either way.
var credentialWords = []string{"auth", "token", "key", "secret", "cookie", "session", "passw", "credential", "signature", "jwt"}

// credentialHeaderValues returns the first header with inline values whose
// name looks like a credential, or "".
func credentialHeaderValues(h *promconfig.HTTPClientConfig) string {
	if h.HTTPHeaders == nil {
		return ""
	}
	names := make([]string, 0, len(h.HTTPHeaders.Headers))
	for name := range h.HTTPHeaders.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if len(h.HTTPHeaders.Headers[name].Values) == 0 {
			continue
		}
		lower := strings.ToLower(name)
		for _, w := range credentialWords {
			if strings.Contains(lower, w) {
				return name
			}
		}
	}
	return ""
}

// inlineSecret rejects a secret written in the configuration itself.
func inlineSecret(h *promconfig.HTTPClientConfig) error {
	for _, f := range secretFields {
		if f.set(h) {
			return fmt.Errorf("http_client_config.%s: secrets are read from files only; use %s", f.name, f.instead)
		}
	}
	return nil
}

// Equal reports whether two clusters are configured alike, compared by
// their YAML (secrets come from files, whose names are compared). An
// unchanged cluster keeps its client and caches across a reload.
func (c Cluster) Equal(o Cluster) bool {
	a, errA := yaml.Marshal(c)
	b, errB := yaml.Marshal(o)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}
