package config

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v2"
)

// RedactURL hides the credentials of a URL, even one that does not parse:
// everything between "://" (or the start) and the last "@" becomes
// "xxxxx". Go's url.Redacted needs a URL that parses and shows the user
// name; a malformed proxy_url ("http://user:p#ss@host") would keep part of
// its password. A URL without "@" is returned as it is.
func RedactURL(raw string) string {
	at := strings.LastIndex(raw, "@")
	if at < 0 {
		return raw
	}
	start := 0
	if i := strings.Index(raw, "://"); i >= 0 && i < at {
		start = i + len("://")
	}
	return raw[:start] + "xxxxx" + raw[at:]
}

// parseURLError explains why raw is not a URL without repeating its
// credentials: url.Parse's error quotes the URL, and its cause can quote a
// piece of a malformed password (the "port" of "user:p#ss@host"). The
// cause given is that of the redacted URL.
func parseURLError(raw string) error {
	redacted := RedactURL(raw)
	_, err := url.Parse(redacted)
	var uerr *url.Error
	switch {
	case err == nil:
		err = errors.New("malformed credentials")
	case errors.As(err, &uerr):
		err = uerr.Err
	}
	return fmt.Errorf("not a valid URL %s: %w", strconv.Quote(redacted), err)
}

// secretKeys are the YAML keys of http_client_config whose values (and
// everything under them) are secrets or may carry one. They are refused
// inline, but a refusal, or a parse error before it, must still not show
// them.
var secretKeys = map[string]bool{
	"password":               true,
	"bearer_token":           true,
	"credentials":            true,
	"client_secret":          true,
	"client_certificate_key": true,
	"key":                    true,
	"secrets":                true,
	"values":                 true, // http_headers values
	"proxy_connect_header":   true,
	"endpoint_params":        true,
}

// minScrubbed is the shortest secret scrubbed from a message by its text:
// a shorter one would garble every message it happens to occur in.
const minScrubbed = 4

// redactor hides the secrets of one configuration file in the errors its
// loading gives. Its table is built from the raw YAML, so that it works
// whatever stage (YAML syntax, a field's own parser, validation, building
// the HTTP client) failed.
type redactor struct {
	// urls are the strings with credentials ("@"), and where they are.
	urls map[string]string
	// replace maps a secret text to what is shown instead, longest first
	// when applied.
	replace map[string]string
}

// newRedactor collects the secrets of data: URLs with credentials and the
// values under secretKeys. YAML that does not parse gives a redactor that
// still hides URL credentials by their shape.
func newRedactor(data []byte) *redactor {
	r := &redactor{urls: map[string]string{}, replace: map[string]string{}}
	var doc any
	if yaml.Unmarshal(data, &doc) == nil {
		r.walk("", doc, false)
	}
	return r
}

func (r *redactor) walk(path string, v any, secret bool) {
	switch v := v.(type) {
	case map[any]any:
		for k, child := range v {
			key := fmt.Sprint(k)
			r.walk(strings.TrimPrefix(path+"."+key, "."), child, secret || secretKeys[key])
		}
	case []any:
		for i, child := range v {
			r.walk(fmt.Sprintf("%s[%d]", path, i), child, secret)
		}
	case string:
		r.add(path, v, secret)
	}
}

// add records one string of the configuration: a secret value whole, and
// the credentials of a URL (whole URL, its userinfo and each part of it).
func (r *redactor) add(path, s string, secret bool) {
	if secret && len(s) >= minScrubbed {
		r.replace[s] = "<secret>"
	}
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return
	}
	r.urls[s] = path
	r.replace[s] = RedactURL(s)
	userinfo := s[:at]
	if i := strings.Index(userinfo, "://"); i >= 0 {
		userinfo = userinfo[i+len("://"):]
	}
	for _, part := range append(strings.Split(userinfo, ":"), userinfo) {
		if len(part) >= minScrubbed {
			r.replace[part] = "xxxxx"
		}
	}
}

// error returns err with every secret of the configuration hidden. A
// url.Error (a URL field that does not parse, as common's proxy_url
// parser returns it) is rewritten to name the field and the redacted URL.
func (r *redactor) error(err error) error {
	if err == nil {
		return nil
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if raw, path, ok := r.urlOf(uerr.URL); ok {
			return errors.New(r.text(fmt.Sprintf("%s: %v", path, parseURLError(raw))))
		}
	}
	if text := r.text(err.Error()); text != err.Error() {
		return errors.New(text)
	}
	return err
}

// urlOf finds the string of the configuration that url.Parse was given:
// it cuts the fragment ("#") before parsing, so the quoted URL may be a
// prefix of it.
func (r *redactor) urlOf(parsed string) (raw, path string, ok bool) {
	for raw, path := range r.urls {
		if raw == parsed || (parsed != "" && strings.HasPrefix(raw, parsed)) {
			return raw, path, true
		}
	}
	return "", "", false
}

// text replaces every secret in s, longest first, and as a last guard any
// "scheme://userinfo@" left.
func (r *redactor) text(s string) string {
	keys := make([]string, 0, len(r.replace))
	for k := range r.replace {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		s = strings.ReplaceAll(s, k, r.replace[k])
		if q := strconv.Quote(k); q[1:len(q)-1] != k {
			s = strings.ReplaceAll(s, q[1:len(q)-1], r.replace[k])
		}
	}
	return scrubUserinfo(s)
}

// scrubUserinfo hides the userinfo of every "scheme://userinfo@host" in
// s: a URL that reached a message by a way the table does not know.
func scrubUserinfo(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		end := strings.IndexAny(s, "/\"' \t\n`")
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndex(s[:end], "@"); at >= 0 {
			b.WriteString("xxxxx")
			s = s[at:]
		}
	}
}
