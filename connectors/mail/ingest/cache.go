package ingest

import (
	"sync"
	"time"
)

// cacheLife is how long the pipeline keeps what it reads for every message
// but rarely changes (our own addresses, which template is installed): a
// change takes effect within it, as a mailbox's does in the engine.
const cacheLife = 5 * time.Second

// ttlCache keeps values by key for cacheLife. Errors are not kept.
type ttlCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v  V
	at time.Time
}

// get returns the value kept for k, or loads and keeps it.
func (c *ttlCache[K, V]) get(k K, load func() (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && time.Since(e.at) < cacheLife {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[K]ttlEntry[V]{}
	}
	c.m[k] = ttlEntry[V]{v: v, at: time.Now()}
	c.mu.Unlock()
	return v, nil
}
