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

// plantedConfigSecret is a configuration field holding a secret the
// exporter refuses inline; SECRET in cluster marks where it goes, and
// leaks are the texts no output may show.
type plantedConfigSecret struct {
	field, cluster string
	leaks          []string
}

// plantedConfigSecrets puts a fresh secret in every field of a cluster
// that can hold one, in well-formed and malformed URLs alike.
func plantedConfigSecrets(t *testing.T) []plantedConfigSecret {
	s := func() string { return randomSecret(t, "Leak") }
	var out []plantedConfigSecret
	add := func(field, cluster string, parts ...string) {
		out = append(out, plantedConfigSecret{field, strings.ReplaceAll(cluster, "SECRET", strings.Join(parts, "")), parts})
	}
	const hc = "{url: http://127.0.0.1:1, http_client_config: "
	add("url", `{url: "http://u:SECRET@127.0.0.1:1"}`, s())
	add("url, bad port", `{url: "http://u:SECRET@127.0.0.1:badport"}`, s())
	add("url, # in the password", `{url: "http://u:SECRET@127.0.0.1:1"}`, s(), "#", s())
	add("proxy_url, bad port", hc+`{proxy_url: "http://u:SECRET@127.0.0.1:badport"}}`, s())
	add("proxy_url, unclosed [", hc+`{proxy_url: "http://u:SECRET@[::1"}}`, s())
	add("proxy_url, space in the password", hc+`{proxy_url: "http://u:SECRET@127.0.0.1:3128"}}`, s(), " ", s())
	add("proxy_url, # in the password", hc+`{proxy_url: "http://u:SECRET@127.0.0.1:3128"}}`, s(), "#", s())
	add("proxy_url", hc+`{proxy_url: "http://u:SECRET@127.0.0.1:3128"}}`, s())
	add("oauth2.proxy_url, bad port", hc+`{oauth2: {client_id: c, client_secret_file: /s, token_url: "http://127.0.0.1:1/t", proxy_url: "http://u:SECRET@127.0.0.1:badport"}}}`, s())
	add("oauth2.proxy_url", hc+`{oauth2: {client_id: c, client_secret_file: /s, token_url: "http://127.0.0.1:1/t", proxy_url: "http://u:SECRET@127.0.0.1:3128"}}}`, s())
	add("oauth2.token_url", hc+`{oauth2: {client_id: c, client_secret_file: /s, token_url: "http://u:SECRET@127.0.0.1:1/t"}}}`, s())
	add("oauth2.client_secret", hc+`{oauth2: {client_id: c, client_secret: SECRET, token_url: "http://127.0.0.1:1/t"}}}`, s())
	add("http_headers values", hc+`{http_headers: {X-Api-Key: {values: [SECRET]}}}}`, s())
	add("http_headers secrets", hc+`{http_headers: {X-Api-Key: {secrets: [SECRET]}}}}`, s())
	add("basic_auth.password", hc+`{basic_auth: {username: u, password: SECRET}}}`, s())
	add("authorization.credentials", hc+`{authorization: {credentials: SECRET}}}`, s())
	add("bearer_token", hc+`{bearer_token: SECRET}}`, s())
	add("tls_config.key", hc+`{tls_config: {cert_file: /c.pem, key: SECRET}}}`, s())
	add("proxy_connect_header", hc+`{proxy_url: "http://127.0.0.1:3128", proxy_connect_header: {Proxy-Authorization: [SECRET]}}}`, s())
	return out
}

// showsLeak reports the first planted text out shows.
func showsLeak(out string, leaks []string) (string, bool) {
	for _, leak := range leaks {
		if len(strings.TrimSpace(leak)) > 1 && strings.Contains(out, leak) {
			return leak, true
		}
	}
	return "", false
}

// TestPlantedConfigSecretsNeverShow: a secret planted in any field of the
// configuration file is refused, at start and on POST /-/reload, and no
// output of the binary shows it: not its log (at debug level), not the
// 500 answer of /-/reload, not /metrics, not /probe.
func TestPlantedConfigSecretsNeverShow(t *testing.T) {
	bin := buildExporter(t)
	flink := flinkStandIn(t, nil)
	dir := t.TempDir()
	good := "clusters:\n  good: {url: " + flink.URL + "}\n"
	planted := plantedConfigSecrets(t)
	var all []string
	for _, p := range planted {
		all = append(all, p.leaks...)
	}

	for _, p := range planted {
		cfg := writeFile(t, dir, "start.yml", "clusters:\n  a: "+p.cluster+"\n")
		out, err := execOutput(bin, "--config.file="+cfg, "--web.listen-address="+freeAddr(t), "--log.level=debug")
		if err == nil {
			t.Errorf("%s: started with the secret inline", p.field)
		}
		if leak, ok := showsLeak(out, p.leaks); ok {
			t.Errorf("%s: the refusal at start shows %q:\n%s", p.field, leak, out)
		}
	}

	cfg := writeFile(t, dir, "flink_exporter.yml", good)
	proc := startExporterProcess(t, bin, okAt("/"), "--config.file="+cfg, "--log.level=debug")
	var outputs []string
	for _, p := range planted {
		writeFile(t, dir, "flink_exporter.yml", good+"  a: "+p.cluster+"\n")
		status, body := fetch(t, http.DefaultClient, http.MethodPost, proc.base+"/-/reload")
		if status != http.StatusInternalServerError {
			t.Errorf("%s: reload answered %d, want 500", p.field, status)
		}
		if leak, ok := showsLeak(body, p.leaks); ok {
			t.Errorf("%s: the /-/reload answer shows %q:\n%s", p.field, leak, body)
		}
	}
	for _, path := range []string{"/metrics", "/probe?target=good", "/probe?target=a"} {
		_, body := get(t, proc.base+path)
		outputs = append(outputs, body)
	}
	if !strings.Contains(outputs[1], "flink_up 1") {
		t.Errorf("the refused reloads dropped the good cluster:\n%s", outputs[1])
	}
	outputs = append(outputs, proc.stderr.String())
	for _, out := range outputs {
		if leak, ok := showsLeak(out, all); ok {
			t.Errorf("an output shows the planted %q:\n%s", leak, out)
		}
	}
}

// TestProbeSecretsNeverShow: the secrets the exporter takes, from files
// (an OAuth 2 client secret and the token it gets, a header from a file,
// a basic auth password), and an inline header value, reach only the
// servers they are meant for, even when the token endpoint echoes the
// request in its error, the JobManager refuses them or the proxy is
// down: the log at debug level and the /probe and /metrics answers never
// show them.
func TestProbeSecretsNeverShow(t *testing.T) {
	dir := t.TempDir()
	clientSecret := randomSecret(t, "cs-")
	accessToken := randomSecret(t, "at-")
	headerSecret := randomSecret(t, "hdr-")
	password := randomSecret(t, "pw-")
	orgID := randomSecret(t, "org-")
	secretFile := writeFile(t, dir, "client-secret", clientSecret+"\n")
	headerFile := writeFile(t, dir, "header", headerSecret+"\n")
	pwFile := writeFile(t, dir, "password", password+"\n")

	// A token endpoint that grants a token, and one that echoes the
	// request, client secret included, in its error.
	token := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, accessToken)
	}))
	t.Cleanup(token.Close)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"invalid_client","error_description":%q,"auth":%q}`, string(body), r.Header.Get("Authorization"))
	}))
	t.Cleanup(echo.Close)
	// A JobManager that echoes every header it gets in its error.
	echoJM := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"errors":[%q]}`, fmt.Sprint(r.Header))
	}))
	t.Cleanup(echoJM.Close)
	withToken := flinkStandIn(t, requireBearer(accessToken))
	closed := "http://" + freeAddr(t)

	oauth := func(tokenURL string) string {
		return fmt.Sprintf("{oauth2: {client_id: exporter, client_secret_file: %s, token_url: %q}}", secretFile, tokenURL)
	}
	headers := fmt.Sprintf("{http_headers: {X-Custom-Auth: {files: [%s]}, X-Scope-OrgID: {values: [%s]}}, basic_auth: {username: flink, password_file: %s}}", headerFile, orgID, pwFile)
	cfg := writeFile(t, dir, "flink_exporter.yml", fmt.Sprintf(`clusters:
  oauth: {url: %s, http_client_config: %s}
  oauth-echo: {url: %s, http_client_config: %s}
  oauth-down: {url: %s, http_client_config: %s}
  headers-echo: {url: %s, http_client_config: %s}
  proxy-down: {url: %s, http_client_config: {proxy_url: %q, basic_auth: {username: flink, password_file: %s}}}
`, withToken.URL, oauth(token.URL+"/token"), withToken.URL, oauth(echo.URL+"/token"), withToken.URL, oauth(closed+"/token"),
		echoJM.URL, headers, withToken.URL, closed, pwFile))

	p := startExporterProcess(t, buildExporter(t), okAt("/"), "--config.file="+cfg, "--log.level=debug")
	var outputs []string
	for target, up := range map[string]string{"oauth": "1", "oauth-echo": "0", "oauth-down": "0", "headers-echo": "0", "proxy-down": "0"} {
		_, body := get(t, p.base+"/probe?target="+target)
		if !strings.Contains(body, "flink_up "+up+"\n") {
			t.Errorf("target %s: want flink_up %s:\n%s", target, up, body)
		}
		outputs = append(outputs, body)
	}
	_, body := get(t, p.base+"/metrics")
	outputs = append(outputs, body, p.stderr.String())
	if !strings.Contains(p.stderr.String(), "level=error") {
		t.Errorf("the log lacks the errors this test means to check:\n%s", p.stderr.String())
	}
	for what, secret := range map[string]string{
		"OAuth 2 client secret": clientSecret, "OAuth 2 access token": accessToken, "header from a file": headerSecret,
		"basic auth password": password, "basic auth header": base64.StdEncoding.EncodeToString([]byte("flink:" + password)),
		"inline header value": orgID,
	} {
		for _, out := range outputs {
			if strings.Contains(out, secret) {
				t.Errorf("an output shows the %s:\n%s", what, out)
			}
		}
	}
}

// TestConfigWithoutClustersRefused: an empty configuration file (or one
// with an empty clusters:) does not start the exporter, and a reload to
// one keeps the clusters it has.
func TestConfigWithoutClustersRefused(t *testing.T) {
	bin := buildExporter(t)
	dir := t.TempDir()
	for _, content := range []string{"", "clusters:\n"} {
		cfg := writeFile(t, dir, "empty.yml", content)
		out, err := execOutput(bin, "--config.file="+cfg, "--web.listen-address="+freeAddr(t))
		if err == nil || !strings.Contains(out, "no cluster configured") {
			t.Errorf("started with %q: %v\n%s", content, err, out)
		}
	}
	flink := flinkStandIn(t, nil)
	cfg := writeFile(t, dir, "flink_exporter.yml", "clusters:\n  a: {url: "+flink.URL+"}\n")
	p := startExporterProcess(t, bin, okAt("/"), "--config.file="+cfg)
	writeFile(t, dir, "flink_exporter.yml", "")
	if status, body := fetch(t, http.DefaultClient, http.MethodPost, p.base+"/-/reload"); status != http.StatusInternalServerError || !strings.Contains(body, "no cluster configured") {
		t.Errorf("reload to an empty file: %d %q, want 500 saying no cluster is configured", status, body)
	}
	if status, body := get(t, p.base+"/probe?target=a"); status != http.StatusOK || !strings.Contains(body, "flink_up 1") {
		t.Errorf("the refused reload dropped cluster a: %d", status)
	}
}
