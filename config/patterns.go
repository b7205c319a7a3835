package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
)

// TargetPattern admits /probe?target=<url> for the JobManager URLs it
// matches, without naming each cluster: the clusters that service
// discovery finds (on Kubernetes, every <cluster-id>-rest Service). Every
// criterion given must match: the URL against url_regex, its host against
// host_suffixes or cidrs (either), its port against ports. The clusters it
// admits share its client settings, secrets included: a pattern wider than
// the JobManagers it is meant for would send them elsewhere.
type TargetPattern struct {
	// Name names the pattern in logs and errors.
	Name string `yaml:"name"`
	// URLRegex matches the whole target URL (anchored at both ends, as
	// Prometheus's relabeling regexes are), scheme, host, port and path.
	URLRegex *Regexp `yaml:"url_regex,omitempty"`
	// HostSuffixes match the URL's host name, case-insensitively, at a
	// label boundary: "svc.cluster.local" matches that host and
	// "x.svc.cluster.local", not "evilsvc.cluster.local".
	HostSuffixes []string `yaml:"host_suffixes,omitempty"`
	// CIDRs match a URL whose host is an IP address in one of them; host
	// names are not resolved for this.
	CIDRs []string `yaml:"cidrs,omitempty"`
	// Ports, when given, are the only ports admitted; a URL without a port
	// has its scheme's (80 or 443).
	Ports []int `yaml:"ports,omitempty"`
	// HTTPClientConfig, Timeout, MaxConcurrentRequests and Collectors are
	// a Cluster's, applied to every cluster the pattern admits.
	HTTPClientConfig      promconfig.HTTPClientConfig `yaml:"http_client_config,omitempty"`
	Timeout               model.Duration              `yaml:"timeout,omitempty"`
	MaxConcurrentRequests int                         `yaml:"max_concurrent_requests,omitempty"`
	Collectors            []string                    `yaml:"collectors,omitempty"`
}

// UnmarshalYAML applies the defaults of the HTTP client before reading the
// pattern, as for a cluster.
func (p *TargetPattern) UnmarshalYAML(unmarshal func(any) error) error {
	*p = TargetPattern{HTTPClientConfig: DefaultHTTPClientConfig()}
	type plain TargetPattern
	if err := unmarshal((*plain)(p)); err != nil {
		return err
	}
	return keepNoRedirects(unmarshal, &p.HTTPClientConfig)
}

// Regexp is a regular expression anchored at both ends, read from YAML as
// its text and written back the same.
type Regexp struct {
	*regexp.Regexp
	text string
}

// NewRegexp compiles text anchored at both ends: ^(?:text)$.
func NewRegexp(text string) (*Regexp, error) {
	re, err := regexp.Compile("^(?:" + text + ")$")
	if err != nil {
		return nil, fmt.Errorf("url_regex %q: %w", text, err)
	}
	return &Regexp{Regexp: re, text: text}, nil
}

// UnmarshalYAML compiles the regular expression.
func (r *Regexp) UnmarshalYAML(unmarshal func(any) error) error {
	var text string
	if err := unmarshal(&text); err != nil {
		return err
	}
	re, err := NewRegexp(text)
	if err != nil {
		return err
	}
	*r = *re
	return nil
}

// MarshalYAML writes the expression as it was given.
func (r *Regexp) MarshalYAML() (any, error) { return r.text, nil }

// String returns the expression as it was given, unanchored.
func (r *Regexp) String() string { return r.text }

// validate checks the pattern, its client settings as a cluster's.
func (p TargetPattern) validate(collectors []string) error {
	if p.URLRegex == nil && len(p.HostSuffixes) == 0 && len(p.CIDRs) == 0 {
		return errors.New("a pattern needs url_regex, host_suffixes or cidrs: one that matched every URL would make the exporter an open proxy")
	}
	for _, s := range p.HostSuffixes {
		if strings.Trim(s, ".") == "" || strings.ContainsAny(s, ":/@ ") {
			return fmt.Errorf("host_suffixes: %q is not a host name suffix", s)
		}
	}
	for _, c := range p.CIDRs {
		if _, err := netip.ParsePrefix(c); err != nil {
			return fmt.Errorf("cidrs: %w", err)
		}
	}
	for _, port := range p.Ports {
		if port < 1 || port > 65535 {
			return fmt.Errorf("ports: %d is not a TCP port", port)
		}
	}
	// The client settings are checked as a cluster's, on a URL the
	// pattern stands for.
	return p.Cluster("http://pattern.invalid").validate(collectors)
}

// Cluster returns the cluster at targetURL with the pattern's settings.
func (p *TargetPattern) Cluster(targetURL string) Cluster {
	return Cluster{
		URL:                   targetURL,
		HTTPClientConfig:      p.HTTPClientConfig,
		Timeout:               p.Timeout,
		MaxConcurrentRequests: p.MaxConcurrentRequests,
		Collectors:            p.Collectors,
	}
}

// Matches reports whether the pattern admits u, a URL that ValidateURL
// accepts.
func (p *TargetPattern) Matches(u *url.URL) bool {
	if p.URLRegex != nil && !p.URLRegex.MatchString(u.String()) {
		return false
	}
	if len(p.HostSuffixes) > 0 || len(p.CIDRs) > 0 {
		if !p.matchesHost(u.Hostname()) {
			return false
		}
	}
	if len(p.Ports) > 0 && !slices.Contains(p.Ports, port(u)) {
		return false
	}
	return true
}

// matchesHost reports whether host ends with one of the host suffixes or
// is an address of one of the CIDRs.
func (p *TargetPattern) matchesHost(host string) bool {
	host = strings.ToLower(host)
	for _, s := range p.HostSuffixes {
		s = strings.ToLower(strings.Trim(s, "."))
		if host == s || strings.HasSuffix(host, "."+s) {
			return true
		}
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, c := range p.CIDRs {
		prefix, err := netip.ParsePrefix(c) // validated at load
		if err == nil && prefix.Masked().Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// port is u's port, or its scheme's when it has none; 0 if it is not a
// number.
func port(u *url.URL) int {
	if s := u.Port(); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0
		}
		return n
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// MatchTarget returns the first pattern of the configuration, in file
// order, that admits u, or nil.
func (c *Config) MatchTarget(u *url.URL) *TargetPattern {
	for i := range c.TargetPatterns {
		if c.TargetPatterns[i].Matches(u) {
			return &c.TargetPatterns[i]
		}
	}
	return nil
}
