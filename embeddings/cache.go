package embeddings

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"sync"

	"kbot/knowledge/atomicfile"
)

// ErrCorrupt marks a cache file that could not be read back. OpenCache
// still returns a usable, empty cache alongside it.
var ErrCorrupt = errors.New("embedding cache file is corrupt")

// missBatch is how many uncached texts one Cache.Embed hands to the
// embedder at a time; each finished batch is kept even if a later one
// fails, so an interrupted ingest does not pay twice.
const missBatch = 256

// textKey is the first 16 bytes of the SHA-256 of a text: collisions are
// negligible at any corpus size and keys stay small.
type textKey [16]byte

func keyOf(text string) textKey {
	sum := sha256.Sum256([]byte(text))
	return textKey(sum[:16])
}

type cacheEntry struct {
	vec []float32
	// used is set when the entry is looked up or stored after opening;
	// PruneUnused keeps only such entries.
	used bool
}

// space holds the vectors of one embedder ID.
type space struct {
	dims    int
	entries map[textKey]cacheEntry
}

// Cache stores vectors keyed by embedder ID (provider/model/dims) and a
// hash of the text, persisted in one binary file. It is safe for
// concurrent use.
//
// File format, little-endian: the magic "KBOTEMB1"; a uint32 count of
// vector spaces; per space a uint16-prefixed ID, uint32 dims, uint32 entry
// count and the entries (16-byte text key, dims float32 values); finally
// a CRC-32 (IEEE) of everything before it.
type Cache struct {
	path   string
	mu     sync.Mutex
	spaces map[string]*space
	dirty  bool
}

var cacheMagic = [8]byte{'K', 'B', 'O', 'T', 'E', 'M', 'B', '1'}

// OpenCache loads the cache at path. A missing file gives an empty cache.
// A file that cannot be parsed gives an empty cache and an error wrapping
// [ErrCorrupt]: log it and carry on, the next Save replaces the file. Any
// other read failure returns a nil cache and the error.
func OpenCache(path string) (*Cache, error) {
	c := &Cache{path: path, spaces: make(map[string]*space)}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open embedding cache: %w", err)
	}
	spaces, err := decodeCache(data)
	if err != nil {
		return c, fmt.Errorf("%w: %s: %v (starting empty)", ErrCorrupt, path, err)
	}
	c.spaces = spaces
	return c, nil
}

func decodeCache(data []byte) (map[string]*space, error) {
	if len(data) < len(cacheMagic)+8 {
		return nil, fmt.Errorf("file of %d bytes is too short", len(data))
	}
	if [8]byte(data[:8]) != cacheMagic {
		return nil, errors.New("not an embedding cache (bad magic)")
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, errors.New("checksum mismatch (truncated or damaged)")
	}
	r := body[8:]
	take := func(n int) ([]byte, bool) {
		if n < 0 || n > len(r) {
			return nil, false
		}
		b := r[:n]
		r = r[n:]
		return b, true
	}
	u32 := func() (uint32, bool) {
		b, ok := take(4)
		if !ok {
			return 0, false
		}
		return binary.LittleEndian.Uint32(b), true
	}
	errShort := errors.New("unexpected end of data")
	nSpaces, ok := u32()
	if !ok {
		return nil, errShort
	}
	spaces := make(map[string]*space)
	for range nSpaces {
		b, ok := take(2)
		if !ok {
			return nil, errShort
		}
		idb, ok := take(int(binary.LittleEndian.Uint16(b)))
		if !ok {
			return nil, errShort
		}
		dims, ok1 := u32()
		n, ok2 := u32()
		if !ok1 || !ok2 {
			return nil, errShort
		}
		id := string(idb)
		if dims == 0 || dims > MaxLocalDims*4 {
			return nil, fmt.Errorf("space %q has implausible dims %d", id, dims)
		}
		if _, dup := spaces[id]; dup {
			return nil, fmt.Errorf("space %q appears twice", id)
		}
		rec := 16 + 4*int(dims)
		if uint64(n)*uint64(rec) > uint64(len(r)) {
			return nil, errShort
		}
		s := &space{dims: int(dims), entries: make(map[textKey]cacheEntry, n)}
		// One allocation per space keeps loading fast.
		slab := make([]float32, int(n)*int(dims))
		for i := range int(n) {
			b, _ := take(rec)
			v := slab[i*int(dims) : (i+1)*int(dims) : (i+1)*int(dims)]
			for j := range v {
				v[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[16+4*j:]))
			}
			s.entries[textKey(b[:16])] = cacheEntry{vec: v}
		}
		spaces[id] = s
	}
	if len(r) != 0 {
		return nil, fmt.Errorf("%d bytes of trailing data", len(r))
	}
	return spaces, nil
}

// Len returns the number of cached vectors across all embedders.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.spaces {
		n += len(s.entries)
	}
	return n
}

// Embed returns one vector per text, in order, taking cached vectors where
// present and embedding only the misses through e.Embed (identical texts
// once, in batches of up to 256). cached counts the texts served from the
// cache. e.Dims must be known (see [Embedder.Resolve]). On error vecs is
// nil, but vectors of batches that succeeded stay in the cache. Returned
// vectors are copies the caller may modify.
func (c *Cache) Embed(ctx context.Context, e Embedder, texts []string) (vecs [][]float32, cached int, err error) {
	if e.Dims <= 0 || e.Embed == nil {
		return nil, 0, fmt.Errorf("cache embed with %s: embedder dims unknown; resolve the embedder first", e.ID())
	}
	id := e.ID()
	keys := make([]textKey, len(texts))
	for i, t := range texts {
		keys[i] = keyOf(t)
	}
	// One allocation holds all returned vectors.
	d := e.Dims
	slab := make([]float32, len(texts)*d)
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = slab[i*d : (i+1)*d : (i+1)*d]
	}
	missAt := make(map[textKey][]int)
	var missTexts []string
	var missKeys []textKey

	c.mu.Lock()
	s := c.spaceFor(id, e.Dims)
	for i, k := range keys {
		if ent, ok := s.entries[k]; ok {
			copy(out[i], ent.vec)
			if !ent.used {
				ent.used = true
				s.entries[k] = ent
			}
			cached++
			continue
		}
		if _, seen := missAt[k]; !seen {
			missTexts = append(missTexts, texts[i])
			missKeys = append(missKeys, k)
		}
		missAt[k] = append(missAt[k], i)
	}
	c.mu.Unlock()

	for lo := 0; lo < len(missTexts); lo += missBatch {
		hi := min(lo+missBatch, len(missTexts))
		got, err := e.Embed(ctx, missTexts[lo:hi])
		if err == nil {
			err = checkVectors(e.Model, e.Dims, hi-lo, got)
		}
		if err != nil {
			return nil, cached, fmt.Errorf("embed %d uncached of %d texts with %s: %w", len(missTexts), len(texts), id, err)
		}
		c.mu.Lock()
		s := c.spaceFor(id, e.Dims)
		for j, v := range got {
			k := missKeys[lo+j]
			s.entries[k] = cacheEntry{vec: v, used: true}
			for _, i := range missAt[k] {
				copy(out[i], v)
			}
		}
		c.dirty = true
		c.mu.Unlock()
	}
	return out, cached, nil
}

// spaceFor returns the space for id, creating it. c.mu must be held.
func (c *Cache) spaceFor(id string, dims int) *space {
	s, ok := c.spaces[id]
	if !ok {
		s = &space{dims: dims, entries: make(map[textKey]cacheEntry)}
		c.spaces[id] = s
	}
	return s
}

// PruneUnused drops every vector not looked up or stored by Embed since
// the cache was opened (or last pruned) and returns how many it dropped.
// Call it after a complete ingest, before Save, so the file holds only
// what the current corpus and embedder need.
func (c *Cache) PruneUnused() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for id, s := range c.spaces {
		for k, ent := range s.entries {
			if !ent.used {
				delete(s.entries, k)
				n++
				continue
			}
			ent.used = false
			s.entries[k] = ent
		}
		if len(s.entries) == 0 {
			delete(c.spaces, id)
		}
	}
	if n > 0 {
		c.dirty = true
	}
	return n
}

// Save writes the cache to its file atomically (see atomicfile): a crash
// leaves either the old or the new file, never a mix. Save does
// nothing when nothing changed since the last load or save.
func (c *Cache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	if err := atomicfile.Write(c.path, c.encode); err != nil {
		return fmt.Errorf("save embedding cache: %w", err)
	}
	c.dirty = false
	return nil
}

// encode writes the file format described on Cache. c.mu must be held.
func (c *Cache) encode(w io.Writer) error {
	crc := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<16)
	var buf []byte
	buf = append(buf, cacheMagic[:]...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(c.spaces)))
	for id, s := range c.spaces {
		if len(id) > math.MaxUint16 {
			return fmt.Errorf("embedder ID of %d bytes is too long", len(id))
		}
		buf = binary.LittleEndian.AppendUint16(buf, uint16(len(id)))
		buf = append(buf, id...)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(s.dims))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s.entries)))
		for k, ent := range s.entries {
			buf = append(buf, k[:]...)
			for _, x := range ent.vec {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			}
			if _, err := bw.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return err
}
