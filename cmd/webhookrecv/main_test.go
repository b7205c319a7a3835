package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const notificationJSON = `{
  "version": "4", "receiver": "flink-notify", "status": "firing",
  "alerts": [
    {"status": "firing",
     "labels": {"alertname": "FlinkCheckpointStorageSlow", "cause": "slow-storage", "severity": "warning", "instance": "127.0.0.1:9894", "job_name": "orders", "job_id": "a1"},
     "annotations": {"summary": "Checkpoint storage of orders is slow"},
     "startsAt": "2026-01-02T03:04:00Z"},
    {"status": "resolved", "labels": {"alertname": "FlinkCheckpointsFailing", "severity": "warning"}, "annotations": {}}
  ]}`

func TestReceiverPrintsAndKeepsEachAlert(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	now := start
	var lines, store bytes.Buffer
	r := newReceiver(&lines, &store, func() time.Time { return now })
	srv := httptest.NewServer(r)
	defer srv.Close()

	now = start.Add(5*time.Minute + 42*time.Second)
	resp, err := http.Post(srv.URL+"/notify", "application/json", strings.NewReader(notificationJSON))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST: %s", resp.Status)
	}

	want := `03:05:42 +5m42s /notify firing FlinkCheckpointStorageSlow severity="warning" cause="slow-storage" instance="127.0.0.1:9894" job_name="orders" job_id="a1": Checkpoint storage of orders is slow
03:05:42 +5m42s /notify resolved FlinkCheckpointsFailing severity="warning"
`
	if lines.String() != want {
		t.Errorf("lines:\n%s\nwant:\n%s", lines.String(), want)
	}
	if n := strings.Count(store.String(), "\n"); n != 2 {
		t.Errorf("stored %d JSON lines, want 2:\n%s", n, store.String())
	}

	resp, err = http.Get(srv.URL + "/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []received
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Labels["cause"] != "slow-storage" || got[0].Receiver != "flink-notify" || got[0].Path != "/notify" || !got[0].ReceivedAt.Equal(now) {
		t.Errorf("GET /alerts = %+v", got)
	}
}

func TestReceiverRefusesGarbage(t *testing.T) {
	var lines bytes.Buffer
	srv := httptest.NewServer(newReceiver(&lines, io.Discard, time.Now))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/page", "application/json", strings.NewReader("not json"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || lines.Len() != 0 {
		t.Errorf("garbage: %s, printed %q", resp.Status, lines.String())
	}
}

func TestRunRefusesABadFlag(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"--no-such-flag"}, io.Discard, &stderr); code != 2 {
		t.Errorf("exit code %d, want 2 (%s)", code, stderr.String())
	}
}
