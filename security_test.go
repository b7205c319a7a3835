package main

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// randomSecret returns a secret no output could contain by chance.
func randomSecret(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

// requireBasicAuth lets through only requests with user and password.
func requireBasicAuth(user, password string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"errors":["Unauthorized."]}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// requireBearer lets through only requests with the bearer token.
func requireBearer(token string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+token {
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"errors":["Unauthorized."]}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// TestSecretsNeverLeak: the password and bearer token read from files
// reach the JobManager and nothing else: not the log at debug level, not
// /probe, /metrics, /-/reload or the landing page, whether the cluster
// answers, refuses the credentials, cannot be reached or fails TLS.
func TestSecretsNeverLeak(t *testing.T) {
	password := randomSecret(t, "pw-")
	token := randomSecret(t, "tok-")
	dir := t.TempDir()
	pwFile := writeFile(t, dir, "password", password+"\n")
	tokenFile := writeFile(t, dir, "token", token+"\n")

	basic := flinkStandIn(t, requireBasicAuth("flink", password))
	bearer := flinkStandIn(t, requireBearer(token))
	refusing := flinkStandIn(t, requireBasicAuth("flink", "another password"))
	untrusted := httptest.NewUnstartedServer(http.NotFoundHandler())
	untrusted.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // the refused handshakes
	untrusted.StartTLS()
	t.Cleanup(untrusted.Close)
	closed := "http://" + freeAddr(t)

	basicAuth := "{basic_auth: {username: flink, password_file: " + pwFile + "}}"
	bearerAuth := "{bearer_token_file: " + tokenFile + "}"
	cfg := writeFile(t, dir, "flink_exporter.yml", fmt.Sprintf(`clusters:
  basic: {url: %s, http_client_config: %s}
  bearer: {url: %s, http_client_config: %s}
  refused: {url: %s, http_client_config: %s}
  unreachable: {url: %s, http_client_config: %s}
  untrusted: {url: %s, http_client_config: %s}
  wrong-token: {url: %s, http_client_config: %s}
`, basic.URL, basicAuth, bearer.URL, bearerAuth, refusing.URL, basicAuth, closed, basicAuth, untrusted.URL, bearerAuth, basic.URL, bearerAuth))

	p := startExporterProcess(t, buildExporter(t), okAt("/"), "--config.file="+cfg, "--log.level=debug")
	var outputs []string
	for target, up := range map[string]string{"basic": "1", "bearer": "1", "refused": "0", "unreachable": "0", "untrusted": "0", "wrong-token": "0"} {
		_, body := get(t, p.base+"/probe?target="+target)
		if !strings.Contains(body, "flink_up "+up+"\n") {
			t.Errorf("target %s: want flink_up %s:\n%s", target, up, body)
		}
		outputs = append(outputs, body)
	}
	_, body := get(t, p.base+"/probe?target=nosuch")
	outputs = append(outputs, body)
	for _, path := range []string{"/metrics", "/"} {
		_, body := get(t, p.base+path)
		outputs = append(outputs, body)
	}
	_, body = fetch(t, http.DefaultClient, http.MethodPost, p.base+"/-/reload")
	outputs = append(outputs, body)

	logs := p.stderr.String()
	if !strings.Contains(logs, "level=debug") || !strings.Contains(logs, "level=error") {
		t.Errorf("the log lacks the debug and error lines this test means to check:\n%s", logs)
	}
	secrets := map[string]string{
		"password":            password,
		"bearer token":        token,
		"basic auth header":   base64.StdEncoding.EncodeToString([]byte("flink:" + password)),
		"bearer token header": "Bearer " + token,
	}
	for what, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the log shows the %s", what)
		}
		for _, out := range outputs {
			if strings.Contains(out, secret) {
				t.Errorf("an HTTP answer shows the %s:\n%s", what, out)
			}
		}
	}
}

// TestFlinkURLWithCredentialsRefused: a password on the command line is
// refused, and the refusal does not repeat it.
func TestFlinkURLWithCredentialsRefused(t *testing.T) {
	out, err := execOutput(buildExporter(t), "--flink.url=http://flink:hunter2@127.0.0.1:8081", "--web.listen-address="+freeAddr(t))
	if err == nil || !strings.Contains(out, "credentials") {
		t.Errorf("started with credentials in --flink.url: %v\n%s", err, out)
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("the refusal repeats the password:\n%s", out)
	}
}

// TestClusterTLSAndMutualTLS: a JobManager stand-in that requires client
// certificates (Flink's rest.ssl with mutual authentication) is scraped
// with the CA, certificate and key named in the configuration file, by
// names relative to it; without the client certificate or without the CA
// the scrape fails.
func TestClusterTLSAndMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	srv := httptest.NewUnstartedServer(flinkStandIn(t, nil).Config.Handler)
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{pki.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pki.pool,
		MinVersion:   tls.VersionTLS12,
	}
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)

	dir := filepath.Dir(pki.caFile)
	cfgFile := writeFile(t, dir, "flink_exporter.yml", fmt.Sprintf(`clusters:
  mtls:
    url: %[1]s
    http_client_config:
      tls_config: {ca_file: ca.pem, cert_file: client.pem, key_file: client-key.pem}
  no-client-cert:
    url: %[1]s
    http_client_config:
      tls_config: {ca_file: ca.pem}
  no-ca:
    url: %[1]s
    http_client_config:
      tls_config: {cert_file: client.pem, key_file: client-key.pem}
`, srv.URL))
	p := startExporterProcess(t, buildExporter(t), okAt("/"), "--config.file="+cfgFile)
	for target, want := range map[string]string{"mtls": "flink_up 1", "no-client-cert": "flink_up 0", "no-ca": "flink_up 0"} {
		status, body := get(t, p.base+"/probe?target="+target)
		if status != http.StatusOK || !strings.Contains(body, want+"\n") {
			t.Errorf("target %s: %d, want %s:\n%s", target, status, want, body)
		}
	}
}

// TestWebTLSAndBasicAuth: with --web.config.file the exporter serves only
// HTTPS and only to a client with the password: plain HTTP fails, HTTPS
// without or with wrong credentials is answered 401, with them 200.
func TestWebTLSAndBasicAuth(t *testing.T) {
	pki := newTestPKI(t)
	const user, password = "prometheus", "scrape-secret"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := writeFile(t, t.TempDir(), "web.yml", fmt.Sprintf(`tls_server_config:
  cert_file: %s
  key_file: %s
basic_auth_users:
  %s: %s
`, pki.serverCert, pki.serverKey, user, hash))

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.pool, MinVersion: tls.VersionTLS12}}}
	authed := func(method, url, user, password string) (int, string) {
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, readAll(t, resp)
	}
	p := startExporterProcess(t, buildExporter(t), func(base string) bool {
		req, _ := http.NewRequest(http.MethodGet, strings.Replace(base, "http://", "https://", 1)+"/", nil)
		req.SetBasicAuth(user, password)
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "--web.config.file="+webConfig, "--flink.url=")
	https := "https://" + p.addr

	if resp, err := http.Get("http://" + p.addr + "/metrics"); err == nil {
		body := readAll(t, resp)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || strings.Contains(body, "flink_exporter_build_info") {
			t.Errorf("plain HTTP served the metrics: %d", resp.StatusCode)
		}
	}
	for _, path := range []string{"/metrics", "/probe?target=x", "/"} {
		if status, _ := authed(http.MethodGet, https+path, "", ""); status != http.StatusUnauthorized {
			t.Errorf("HTTPS %s without credentials: %d, want 401", path, status)
		}
		if status, _ := authed(http.MethodGet, https+path, user, "wrong"); status != http.StatusUnauthorized {
			t.Errorf("HTTPS %s with a wrong password: %d, want 401", path, status)
		}
	}
	status, body := authed(http.MethodGet, https+"/metrics", user, password)
	if status != http.StatusOK || !strings.Contains(body, "flink_exporter_build_info{") {
		t.Errorf("HTTPS with credentials: %d\n%s", status, body)
	}
	if strings.Contains(p.stderr.String(), password) {
		t.Error("the log shows the web password")
	}
}

// readAll reads a response body.
func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}
