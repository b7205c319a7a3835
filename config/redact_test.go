package config

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// plantedSecret is a configuration that holds a secret in one field, in a
// form the exporter refuses; leaks are the texts that must never be shown
// (the secret, and pieces of it a parser could quote on their own).
type plantedSecret struct {
	field string
	// yaml is the cluster "a"'s settings; SECRET marks where the secret
	// goes.
	yaml  string
	leaks []string
}

// secretMarker returns a random text no output could contain by chance.
func secretMarker(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "Leak" + hex.EncodeToString(b)
}

// plantedSecrets plants a secret in every field of a cluster that could
// hold one, well-formed or malformed: the URL fields (url, proxy_url,
// oauth2's proxy_url and token_url), the headers and every credential
// common's http_client_config takes inline.
func plantedSecrets(t *testing.T) []plantedSecret {
	m := func() string { return secretMarker(t) }
	var out []plantedSecret
	add := func(field, tmpl string, parts ...string) {
		out = append(out, plantedSecret{field: field, yaml: strings.ReplaceAll(tmpl, "SECRET", strings.Join(parts, "")), leaks: parts})
	}
	const hc = "    url: http://127.0.0.1:1\n    http_client_config:\n"
	oauth := hc + "      oauth2: {client_id: c, client_secret_file: /s, token_url: %s, proxy_url: %s}\n"
	a, b := m(), m()
	add("url, bad port", "    url: \"http://user:SECRET@127.0.0.1:badport\"\n", a)
	add("url, # in the password", "    url: \"http://user:SECRET@127.0.0.1:8081\"\n", a, "#", b)
	add("url, credentials", "    url: \"http://user:SECRET@127.0.0.1:8081\"\n", m())
	add("url, no scheme", "    url: \"user:SECRET@127.0.0.1:8081\"\n", m())
	add("proxy_url, bad port", hc+"      proxy_url: \"http://user:SECRET@127.0.0.1:badport\"\n", m())
	add("proxy_url, unclosed [", hc+"      proxy_url: \"http://user:SECRET@[::1\"\n", m())
	c, d := m(), m()
	add("proxy_url, space in the password", hc+"      proxy_url: \"http://user:SECRET@127.0.0.1:3128\"\n", c, " ", d)
	e, f := m(), m()
	add("proxy_url, # in the password", hc+"      proxy_url: \"http://user:SECRET@127.0.0.1:3128\"\n", e, "#", f)
	add("proxy_url, credentials", hc+"      proxy_url: \"http://user:SECRET@127.0.0.1:3128\"\n", m())
	add("oauth2.proxy_url, bad port", strings.Replace(strings.Replace(oauth, "%s", "http://127.0.0.1:1/token", 1), "%s", "\"http://user:SECRET@127.0.0.1:badport\"", 1), m())
	g, h := m(), m()
	add("oauth2.proxy_url, # in the password", strings.Replace(strings.Replace(oauth, "%s", "http://127.0.0.1:1/token", 1), "%s", "\"http://user:SECRET@127.0.0.1:3128\"", 1), g, "#", h)
	add("oauth2.proxy_url, credentials", strings.Replace(strings.Replace(oauth, "%s", "http://127.0.0.1:1/token", 1), "%s", "\"http://user:SECRET@127.0.0.1:3128\"", 1), m())
	add("oauth2.token_url, credentials", strings.Replace(strings.Replace(oauth, "%s", "\"http://user:SECRET@127.0.0.1:1/token\"", 1), "%s", "http://127.0.0.1:3128", 1), m())
	add("oauth2.token_url, bad port", strings.Replace(strings.Replace(oauth, "%s", "\"http://user:SECRET@127.0.0.1:badport/token\"", 1), "%s", "http://127.0.0.1:3128", 1), m())
	add("oauth2.client_secret", hc+"      oauth2: {client_id: c, client_secret: SECRET, token_url: http://127.0.0.1:1/token}\n", m())
	add("oauth2.endpoint_params", hc+"      oauth2: {client_id: c, client_secret: SECRET, token_url: http://127.0.0.1:1/token, endpoint_params: {assertion: SECRET}}\n", m())
	add("http_headers values, credential header", hc+"      http_headers: {X-Api-Key: {values: [SECRET]}}\n", m())
	add("http_headers values, Authorization", hc+"      http_headers: {Authorization: {values: [SECRET]}}\n", m())
	add("http_headers secrets", hc+"      http_headers: {X-Token: {secrets: [SECRET]}}\n", m())
	add("basic_auth.password", hc+"      basic_auth: {username: u, password: SECRET}\n", m())
	add("basic_auth.password, bad type", hc+"      basic_auth: {username: u, password: [SECRET]}\n", m())
	add("authorization.credentials", hc+"      authorization: {credentials: SECRET}\n", m())
	add("bearer_token", hc+"      bearer_token: SECRET\n", m())
	add("bearer_token and basic_auth", hc+"      bearer_token: SECRET\n      basic_auth: {username: u, password_file: /p}\n", m())
	add("tls_config.key", hc+"      tls_config: {cert_file: /c.pem, key: SECRET}\n", m())
	add("proxy_connect_header", hc+"      proxy_url: http://127.0.0.1:3128\n      proxy_connect_header: {Proxy-Authorization: [SECRET]}\n", m())
	return out
}

// checkNoLeak fails when out shows a planted secret.
func checkNoLeak(t *testing.T, where, out string, leaks []string) {
	t.Helper()
	for _, leak := range leaks {
		if len(strings.TrimSpace(leak)) < 2 {
			continue // a separator planted inside the secret
		}
		if strings.Contains(out, leak) {
			t.Errorf("%s shows the secret %q:\n%s", where, leak, out)
		}
	}
}

// TestConfigErrorsNeverShowSecrets: a secret planted in any field of the
// configuration, well-formed or not, is refused, and the refusal shows it
// nowhere: not in Load's error, not in LoadFile's, not in the 500 answer
// of /-/reload, not in the log and not in the reload metrics. The field is
// named.
func TestConfigErrorsNeverShowSecrets(t *testing.T) {
	for _, p := range plantedSecrets(t) {
		t.Run(p.field, func(t *testing.T) {
			data := "clusters:\n  a:\n" + p.yaml
			_, err := Load([]byte(data), collectors)
			if err == nil {
				t.Fatalf("accepted:\n%s", data)
			}
			checkNoLeak(t, "Load's error", err.Error(), p.leaks)

			file := filepath.Join(t.TempDir(), "flink_exporter.yml")
			if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadFile(file, collectors); err == nil {
				t.Error("LoadFile accepted it")
			} else {
				checkNoLeak(t, "LoadFile's error", err.Error(), p.leaks)
			}

			var logs bytes.Buffer
			r := NewReloader(file, collectors, func(*Config) error { return nil }, log.NewLogfmtLogger(&logs))
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/-/reload", nil))
			if rec.Code != http.StatusInternalServerError {
				t.Errorf("/-/reload: %d, want 500", rec.Code)
			}
			checkNoLeak(t, "the /-/reload answer", rec.Body.String(), p.leaks)
			checkNoLeak(t, "the log", logs.String(), p.leaks)
			if !strings.Contains(logs.String(), "level=error") {
				t.Errorf("the refusal is not logged:\n%s", logs.String())
			}
			reg := prometheus.NewRegistry()
			reg.MustRegister(r)
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			var exposition bytes.Buffer
			for _, mf := range mfs {
				expfmt.MetricFamilyToText(&exposition, mf)
			}
			checkNoLeak(t, "the metrics", exposition.String(), p.leaks)
		})
	}
}

// TestConfigErrorsNameTheBadURL: the error of a URL field that does not
// parse names the field and shows the URL with its credentials hidden, so
// the mistake can still be found.
func TestConfigErrorsNameTheBadURL(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"    url: http://a:8081\n    http_client_config:\n      proxy_url: \"http://user:hunter2@127.0.0.1:badport\"\n",
			`clusters.a.http_client_config.proxy_url: not a valid URL "http://xxxxx@127.0.0.1:badport": invalid port ":badport" after host`},
		{"    url: http://a:8081\n    http_client_config:\n      proxy_url: \"http://user:p#hunter2@127.0.0.1:3128\"\n",
			`clusters.a.http_client_config.proxy_url: not a valid URL "http://xxxxx@127.0.0.1:3128": malformed credentials`},
		{"    url: \"http://user:hunter2@[::1\"\n", `cluster "a": url: not a valid URL "http://xxxxx@[::1": missing ']' in host`},
	} {
		_, err := Load([]byte("clusters:\n  a:\n"+tc.yaml), collectors)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

// TestRedactURL: credentials are hidden however malformed the URL.
func TestRedactURL(t *testing.T) {
	for raw, want := range map[string]string{
		"http://a:8081/x":                  "http://a:8081/x",
		"http://u:pw@a:8081/x":             "http://xxxxx@a:8081/x",
		"http://u:p#ss@a:8081":             "http://xxxxx@a:8081",
		"http://u:p ss@[::1":               "http://xxxxx@[::1",
		"u:pw@a:8081":                      "xxxxx@a:8081",
		"https://u:p@ss@a":                 "https://xxxxx@a",
		"http://proxy:3128/#u:secret@host": "http://xxxxx@host",
	} {
		if got := RedactURL(raw); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestHeaderValuesAllowedUnlessCredential: http_headers values stay
// allowed inline for a header that carries no credential (a tenant id),
// and are refused for one whose name says it does.
func TestHeaderValuesAllowedUnlessCredential(t *testing.T) {
	const base = "clusters:\n  a:\n    url: http://a:8081\n    http_client_config:\n      http_headers: {%s: {values: [v]}}\n"
	for name, allowed := range map[string]bool{
		"X-Scope-OrgID": true, "X-Forwarded-For": true,
		"X-Api-Key": false, "X-Auth-Token": false, "Cookie": false, "X-Session": false, "X-Client-Secret": false,
	} {
		_, err := Load([]byte(strings.Replace(base, "%s", name, 1)), collectors)
		if allowed && err != nil {
			t.Errorf("%s values refused: %v", name, err)
		}
		if !allowed && (err == nil || !strings.Contains(err.Error(), "http_headers files")) {
			t.Errorf("%s values: %v, want a refusal pointing to http_headers files", name, err)
		}
	}
}
