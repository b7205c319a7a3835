package collector

import "sync"

// memo runs each keyed lookup of one scrape once, however many collectors
// ask for it concurrently, and hands every caller the same answer.
type memo[T any] struct {
	mu    sync.Mutex
	calls map[string]*memoCall[T]
}

type memoCall[T any] struct {
	once sync.Once
	val  T
	err  error
}

func (m *memo[T]) do(key string, fn func() (T, error)) (T, error) {
	m.mu.Lock()
	if m.calls == nil {
		m.calls = make(map[string]*memoCall[T])
	}
	c, ok := m.calls[key]
	if !ok {
		c = &memoCall[T]{}
		m.calls[key] = c
	}
	m.mu.Unlock()
	c.once.Do(func() { c.val, c.err = fn() })
	return c.val, c.err
}
