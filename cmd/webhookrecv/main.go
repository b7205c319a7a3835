// Command webhookrecv is the receiver of the local stack
// (scripts/local-stack.sh): it takes Alertmanager's webhook notifications,
// prints each alert they carry on one readable line and keeps them, so that
// the stack ends with an alert delivered somewhere one can look:
//
//	webhookrecv --web.listen-address=127.0.0.1:5001 --output=alerts.jsonl
//
// Every POST, whatever its path (examples/alertmanager.yml posts to /page,
// /notify and /ticket), is one notification. GET /alerts answers the alerts
// received so far as JSON, oldest first.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
)

// maxBody bounds one notification; Alertmanager's are a few KiB.
const maxBody = 4 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the flags and serves until ctx ends or the server fails. It
// returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := kingpin.New("webhookrecv", "Receives Alertmanager webhook notifications, prints one line per alert and keeps them.")
	app.HelpFlag.Short('h')
	app.UsageWriter(stderr)
	app.ErrorWriter(stderr)
	listen := app.Flag("web.listen-address", "Address to listen on.").Default("127.0.0.1:5001").String()
	output := app.Flag("output", "File to append every received alert to, one JSON object a line (empty: none).").String()
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintf(stderr, "webhookrecv: %v\n", err)
		return 2
	}
	var out io.Writer = io.Discard
	if *output != "" {
		f, err := os.OpenFile(*output, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "webhookrecv: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "webhookrecv: %v\n", err)
		return 1
	}
	r := newReceiver(stdout, out, time.Now)
	fmt.Fprintf(stdout, "webhookrecv: listening on http://%s, alerts print below\n", l.Addr())
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "webhookrecv: %v\n", err)
		return 1
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "webhookrecv: shutdown: %v\n", err)
		}
		return 0
	}
}

// notification is the part of Alertmanager's webhook payload (version 4)
// the receiver reads.
type notification struct {
	Receiver string  `json:"receiver"`
	Status   string  `json:"status"`
	Alerts   []alert `json:"alerts"`
}

// alert is one alert of a notification, as Alertmanager sends it.
type alert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
}

// received is an alert as the receiver keeps it: when it came, to which
// path and receiver.
type received struct {
	ReceivedAt time.Time `json:"receivedAt"`
	Path       string    `json:"path"`
	Receiver   string    `json:"receiver"`
	alert
}

// receiver is the HTTP handler: it prints and keeps what it receives.
type receiver struct {
	now     func() time.Time
	started time.Time

	mu     sync.Mutex
	lines  io.Writer // one readable line per alert
	store  io.Writer // one JSON object per alert
	alerts []received
}

func newReceiver(lines, store io.Writer, now func() time.Time) *receiver {
	return &receiver{now: now, started: now(), lines: lines, store: store}
}

// ServeHTTP takes a notification on POST and lists the alerts on GET /alerts.
func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Method == http.MethodPost:
		r.receive(w, req)
	case req.Method == http.MethodGet && req.URL.Path == "/alerts":
		r.mu.Lock()
		b, err := json.Marshal(r.alerts)
		r.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	default:
		http.Error(w, "POST an Alertmanager notification, or GET /alerts", http.StatusMethodNotAllowed)
	}
}

func (r *receiver) receive(w http.ResponseWriter, req *http.Request) {
	var n notification
	if err := json.NewDecoder(io.LimitReader(req.Body, maxBody)).Decode(&n); err != nil {
		http.Error(w, fmt.Sprintf("decode notification: %v", err), http.StatusBadRequest)
		return
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range n.Alerts {
		rec := received{ReceivedAt: now, Path: req.URL.Path, Receiver: n.Receiver, alert: a}
		r.alerts = append(r.alerts, rec)
		fmt.Fprintln(r.lines, line(rec, now.Sub(r.started)))
		if b, err := json.Marshal(rec); err == nil {
			fmt.Fprintf(r.store, "%s\n", b)
		}
	}
}

// line renders an alert on one line: time, time since the receiver
// started, path, status, name, the labels (those that tell the alert apart
// first, the others sorted) and its summary.
func line(a received, since time.Duration) string {
	first := []string{"severity", "cause", "instance", "job_name", "reason", "tm_id"}
	var b strings.Builder
	fmt.Fprintf(&b, "%s +%s %s %s %s", a.ReceivedAt.UTC().Format("15:04:05"), since.Round(time.Second), a.Path, a.Status, a.Labels["alertname"])
	seen := map[string]bool{"alertname": true}
	for _, k := range first {
		if v, ok := a.Labels[k]; ok {
			fmt.Fprintf(&b, " %s=%q", k, v)
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(a.Labels))
	for k := range a.Labels {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, a.Labels[k])
	}
	if s := a.Annotations["summary"]; s != "" {
		fmt.Fprintf(&b, ": %s", s)
	}
	return b.String()
}
