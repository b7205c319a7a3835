package jmprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-kit/log"
)

const (
	// DefaultInterval is the time between probe starts when Config.Interval
	// is zero: frequent enough to catch a stall within a checkpoint
	// interval, rare enough to be no load on the JobManager.
	DefaultInterval = 5 * time.Second
	// DefaultTimeout bounds each phase when Config.Timeout is zero. It is
	// longer than the interval on purpose: a JobManager that answers after
	// eight seconds should be measured, not only counted as a timeout.
	DefaultTimeout = 10 * time.Second
)

// Dialer opens network connections. *net.Dialer implements it; tests inject
// one that delays or fails.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Config configures a Prober. At least one of Target and RESTURL must be set.
type Config struct {
	// Target is the host:port the connect phase dials, typically the
	// JobManager's RPC port (6123) or REST port (8081). If empty it is the
	// host and port of RESTURL (80 or 443 when RESTURL names none).
	Target string
	// RESTURL is the base URL of the JobManager's REST API, such as
	// http://jobmanager:8081; the rest phase requests RESTURL + "/config".
	// If empty the rest phase is off and its series are absent.
	RESTURL string
	// Interval is the time between probe starts, DefaultInterval if zero.
	Interval time.Duration
	// Timeout bounds each phase separately, DefaultTimeout if zero.
	Timeout time.Duration
	// Dialer opens the connections of the connect phase and, unless
	// HTTPClient is set, of the rest phase too, so that network slowness it
	// models shows in both. A *net.Dialer if nil.
	Dialer Dialer
	// HTTPClient sends the rest phase's request. If nil, a client is built
	// on Dialer that opens a fresh connection per request (no keep-alive,
	// no proxy), so every rest measurement includes one connect. A client
	// given here is used as it is.
	HTTPClient *http.Client
	// Now is the clock, time.Now if nil. Durations are differences of two
	// readings; the last-success timestamps are readings.
	Now func() time.Time
	// Ticker returns a channel that delivers a value every interval and a
	// function that stops it; a wrapped time.NewTicker if nil. Tests inject
	// a channel they drive.
	Ticker func(interval time.Duration) (tick <-chan time.Time, stop func())
	// TaskManagerID is the resource id of the TaskManager the prober runs
	// beside: the tm_id label of every series, empty if none.
	TaskManagerID string
	// Logger receives a warning when a phase starts failing and a note when
	// it recovers; nothing is logged if nil.
	Logger log.Logger
}

// withDefaults validates c and fills in the defaults. It returns the
// configuration with Target derived if needed and the URL of the rest
// phase's request ("" when the phase is off).
func (c Config) withDefaults() (Config, string, error) {
	if c.Target == "" && c.RESTURL == "" {
		return c, "", errors.New("jobmanager probe: neither a target nor a REST URL is configured")
	}
	var configURL string
	if c.RESTURL != "" {
		u, err := url.Parse(c.RESTURL)
		if err != nil {
			return c, "", errors.New("jobmanager probe: REST URL does not parse")
		}
		if u.User != nil {
			// The URL is logged with every failure; /config needs no
			// credentials anyway.
			return c, "", fmt.Errorf("jobmanager probe: REST URL %q: credentials are not allowed in it", u.Redacted())
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, "", fmt.Errorf("jobmanager probe: REST URL %q: want http:// or https:// and a host", u.Redacted())
		}
		configURL = strings.TrimSuffix(c.RESTURL, "/") + "/config"
		if c.Target == "" {
			port := u.Port()
			if port == "" {
				port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
			}
			c.Target = net.JoinHostPort(u.Hostname(), port)
		}
	}
	host, port, err := net.SplitHostPort(c.Target)
	if err != nil {
		return c, "", fmt.Errorf("jobmanager probe: target %q: %w", c.Target, err)
	}
	if host == "" || port == "" {
		return c, "", fmt.Errorf("jobmanager probe: target %q: want host:port", c.Target)
	}
	if c.Interval < 0 || c.Timeout < 0 {
		return c, "", fmt.Errorf("jobmanager probe: negative interval %s or timeout %s", c.Interval, c.Timeout)
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Dialer == nil {
		c.Dialer = &net.Dialer{}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Transport: &http.Transport{
			DialContext:       c.Dialer.DialContext,
			DisableKeepAlives: true,
		}}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Ticker == nil {
		c.Ticker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	if c.Logger == nil {
		c.Logger = log.NewNopLogger()
	}
	return c, configURL, nil
}
