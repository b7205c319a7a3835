package prober

import (
	"hash/fnv"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// targetLogInterval is how often a URL target's warnings and errors are
// logged at most: a JobManager URL that keeps failing (or a /probe caller
// that keeps asking for a refused one) logs once a minute, not once per
// collector per probe.
const targetLogInterval = time.Minute

// maxLimitedKeys bounds the targets a logLimiter remembers; past it, the
// ones not logged within the interval are forgotten, and if that is not
// enough all are (a forgotten target logs again, which costs a line, never
// memory).
const maxLimitedKeys = 4096

// logLimiter lets one line per key through per interval and counts the
// lines it holds back. Keys are hashed, so that a long URL is not kept.
// It is safe for concurrent use.
type logLimiter struct {
	interval time.Duration
	now      func() time.Time

	mu   sync.Mutex
	keys map[uint64]*limitedKey
}

// limitedKey is when a key was last logged and how many of its lines were
// held back since.
type limitedKey struct {
	logged     time.Time
	suppressed int
}

func newLogLimiter(interval time.Duration, now func() time.Time) *logLimiter {
	return &logLimiter{interval: interval, now: now, keys: map[uint64]*limitedKey{}}
}

// allow reports whether a line of key may be logged now and, if so, how
// many lines of key were held back before it.
func (l *logLimiter) allow(key string) (ok bool, suppressed int) {
	h := fnv.New64a()
	h.Write([]byte(key))
	sum := h.Sum64()
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	k, seen := l.keys[sum]
	if seen && now.Sub(k.logged) < l.interval {
		k.suppressed++
		return false, 0
	}
	if !seen {
		l.makeRoom(now)
		k = &limitedKey{}
		l.keys[sum] = k
	}
	suppressed = k.suppressed
	*k = limitedKey{logged: now}
	return true, suppressed
}

// makeRoom keeps the map within maxLimitedKeys; l.mu is held.
func (l *logLimiter) makeRoom(now time.Time) {
	if len(l.keys) < maxLimitedKeys {
		return
	}
	for sum, k := range l.keys {
		if now.Sub(k.logged) >= l.interval {
			delete(l.keys, sum)
		}
	}
	if len(l.keys) >= maxLimitedKeys {
		clear(l.keys)
	}
}

// limitedLogger logs the warnings and errors of one key through the
// limiter; lines of other levels (debug and info, off unless asked for)
// pass. A line after held-back ones says how many were held back.
type limitedLogger struct {
	next    log.Logger
	limiter *logLimiter
	key     string
}

// Log implements log.Logger.
func (l limitedLogger) Log(keyvals ...any) error {
	if !isWarnOrError(keyvals) {
		return l.next.Log(keyvals...)
	}
	ok, suppressed := l.limiter.allow(l.key)
	if !ok {
		return nil
	}
	if suppressed > 0 {
		keyvals = append(keyvals, "suppressed_lines", suppressed)
	}
	return l.next.Log(keyvals...)
}

// isWarnOrError reports whether keyvals carry go-kit's level warn or
// error.
func isWarnOrError(keyvals []any) bool {
	for i := 0; i+1 < len(keyvals); i += 2 {
		if keyvals[i] != level.Key() {
			continue
		}
		if v, ok := keyvals[i+1].(level.Value); ok {
			return v == level.ErrorValue() || v == level.WarnValue()
		}
	}
	return false
}
