package diagnose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"

	internaldemo "github.com/flink-exporter/flink_exporter/internal/demo"
)

// Exit codes of the command.
const (
	ExitHealthy    = 0
	ExitTrouble    = 1
	ExitUnreadable = 2
)

// Config is one run of the command.
type Config struct {
	// URL is the JobManager's REST URL.
	URL string
	// Job restricts the diagnosis to one job, by name or id.
	Job string
	// Window is how long to watch, Step the time between collections.
	Window, Step time.Duration
	// Output is text, json or markdown.
	Output string
	// Timeout bounds one REST request.
	Timeout time.Duration
	// UserAgent is sent with every request.
	UserAgent string
	// Now and Sleep are the clock; time.Now and a context-aware timer if
	// nil. Tests step a flinksim.ManualClock with them.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Command holds the flags of the diagnose command.
type Command struct {
	clause *kingpin.CmdClause
	job    *string
	watch  *time.Duration
	step   *time.Duration
	output *string
}

// AddCommand declares the diagnose command on app. The JobManager is the
// application's --flink.url (or --demo), so the command shares the
// exporter's flags.
func AddCommand(app *kingpin.Application) *Command {
	c := &Command{clause: app.Command("diagnose", "Watch a Flink cluster for a short window and name the likely cause of its checkpoint trouble, with the evidence and the fix: the shipped alert rules evaluated in-process. Exit code 0: no trouble, 1: trouble found, 2: the cluster could not be read.")}
	c.job = c.clause.Flag("job", "Diagnose only this job, by name or id.").Default("").String()
	c.watch = c.clause.Flag("watch", "How long to watch: long enough to see at least two checkpoints, or the age of the one in progress.").Default("60s").Duration()
	c.step = c.clause.Flag("step", "Time between two collections in the window.").Default("5s").Duration()
	c.output = c.clause.Flag("output", "Output format: "+strings.Join(Outputs(), ", ")+".").Default(OutputText).Enum(Outputs()...)
	return c
}

// Selected reports whether the parsed command is diagnose.
func (c *Command) Selected(parsed string) bool { return parsed == c.clause.FullCommand() }

// Run runs the command against flinkURL, or against an in-process
// simulated cluster of scenario demo when demo is not empty, and returns
// the exit code.
func (c *Command) Run(ctx context.Context, flinkURL, demo string, timeout time.Duration, userAgent string, stdout, stderr io.Writer) int {
	cfg := Config{URL: flinkURL, Job: *c.job, Window: *c.watch, Step: *c.step, Output: *c.output, Timeout: timeout, UserAgent: userAgent}
	if demo != "" {
		url, stop, err := internaldemo.Start(demo, log.NewNopLogger())
		if err != nil {
			fmt.Fprintf(stderr, "flink_exporter diagnose: %v\n", err)
			return ExitUnreadable
		}
		defer stop()
		cfg.URL = url
	}
	return Run(ctx, cfg, stdout, stderr)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isTerminal reports whether w is a terminal, for the progress line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Run watches the cluster of cfg, diagnoses it, prints the report on
// stdout and returns the exit code. Errors are one line on stderr.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "flink_exporter diagnose: "+format+"\n", a...)
		return ExitUnreadable
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Step <= 0 {
		cfg.Step = 5 * time.Second
	}
	rs, err := LoadRules()
	if err != nil {
		return fail("%v", err)
	}
	cluster, err := NewCluster(cfg.URL, ClusterOptions{Timeout: cfg.Timeout, Now: cfg.Now, UserAgent: cfg.UserAgent})
	if err != nil {
		return fail("%v", err)
	}
	store := NewStore(DefaultLimits())
	start := cfg.Now()
	err = Watch(ctx, cluster, store, WatchOptions{Window: cfg.Window, Step: cfg.Step, Now: cfg.Now, Sleep: cfg.Sleep, Progress: stderr})
	var down *DownError
	if errors.As(err, &down) {
		return fail("cannot read the Flink cluster at %s: %v", cfg.URL, down.Err)
	}
	if err != nil {
		return fail("%v", err)
	}
	rep, err := Diagnose(ctx, Input{Rules: rs, Store: store, From: start, URL: cfg.URL, Instance: cluster.Target.Get("instance"), Config: cluster.Client, Job: cfg.Job})
	var unknown *UnknownJobError
	if errors.As(err, &unknown) {
		return fail("%v", err)
	}
	if err != nil {
		return fail("cannot evaluate the rules: %v", err)
	}
	if !rep.Cluster.Reachable {
		rep.Cluster.Error = "no collection succeeded"
	}
	if err := Write(stdout, rep, cfg.Output); err != nil {
		return fail("write the report: %v", err)
	}
	for _, j := range rep.Jobs {
		if j.Trouble {
			return ExitTrouble
		}
	}
	if len(rep.Cluster.Symptoms) > 0 {
		return ExitTrouble
	}
	return ExitHealthy
}

// WatchOptions configure Watch.
type WatchOptions struct {
	// Window is how long to watch, Step the time between collections.
	Window, Step time.Duration
	// Now and Sleep are the clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress receives a progress line when it is a terminal.
	Progress io.Writer
}

// DownError is returned by Watch when the JobManager does not answer the
// first collection.
type DownError struct{ Err error }

func (e *DownError) Error() string { return "the JobManager does not answer: " + e.Err.Error() }

// Watch collects the cluster into store every Step for Window. A
// JobManager that does not answer the first collection ends it at once
// with a *DownError.
func Watch(ctx context.Context, cluster *Cluster, store *Store, o WatchOptions) error {
	progress := o.Progress != nil && isTerminal(o.Progress)
	start := o.Now()
	for n := 0; ; n++ {
		up, err := cluster.Collect(ctx, store, o.Now())
		if n == 0 && !up {
			return &DownError{reason(ctx, cluster, err)}
		}
		elapsed := o.Now().Sub(start)
		if progress {
			fmt.Fprintf(o.Progress, "\rwatching %s: %3.0f of %.0f s, %d collections ", cluster.Client.BaseURL(), elapsed.Seconds(), o.Window.Seconds(), n+1)
		}
		if elapsed >= o.Window {
			break
		}
		if err := o.Sleep(ctx, min(o.Step, o.Window-elapsed)); err != nil {
			if progress {
				fmt.Fprintln(o.Progress)
			}
			return fmt.Errorf("interrupted: %w", err)
		}
	}
	if progress {
		fmt.Fprint(o.Progress, "\r\033[K")
	}
	return nil
}

// reason says why the JobManager did not answer the core requests, from a
// direct request to /overview.
func reason(ctx context.Context, c *Cluster, collectErr error) error {
	if _, err := c.Client.Overview(ctx); err != nil {
		return err
	}
	if collectErr != nil {
		return collectErr
	}
	return errors.New("it did not answer /overview and /jobs/overview")
}
