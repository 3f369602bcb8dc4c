package embeddings

import (
	"context"
	"log/slog"
	"sync"
)

// PassageCache is a cache file bound to one embedder for building an
// index: Embed embeds passages through the cache and Commit keeps only
// what the build used. It satisfies knowledge.PassageCache.
//
// The file is read on the first Embed, not before: a process that only
// loads a persisted index (kbot ask) never pays for reading it. A file
// that cannot be read or parsed is logged and replaced by an empty
// cache, which the next Commit writes over it.
type PassageCache struct {
	path string
	e    Embedder
	log  *slog.Logger

	mu sync.Mutex
	c  *Cache // nil until first used
}

// NewPassageCache binds the cache file at path to e, whose Dims must be
// known (see [Embedder.Resolve]). log receives the warning about an
// unusable file; nil discards it.
func NewPassageCache(path string, e Embedder, log *slog.Logger) *PassageCache {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PassageCache{path: path, e: e, log: log}
}

// cache returns the open cache, opening it on first use.
func (p *PassageCache) cache() *Cache {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c != nil {
		return p.c
	}
	c, err := OpenCache(p.path)
	if err != nil {
		p.log.Warn("embedding cache unusable, starting it afresh", "path", p.path, "err", err)
	}
	if c == nil {
		c = &Cache{path: p.path, spaces: make(map[string]*space)}
	}
	p.c = c
	return c
}

// Embed returns one vector per text, in order, embedding only the texts
// the cache lacks (see [Cache.Embed]); cached counts the others.
func (p *PassageCache) Embed(ctx context.Context, texts []string) (vecs [][]float32, cached int, err error) {
	return p.cache().Embed(ctx, p.e, texts)
}

// Commit drops every vector no Embed asked for since the last Commit and
// saves the cache file. It does nothing before the first Embed.
func (p *PassageCache) Commit() error {
	p.mu.Lock()
	c := p.c
	p.mu.Unlock()
	if c == nil {
		return nil
	}
	c.PruneUnused()
	return c.Save()
}
