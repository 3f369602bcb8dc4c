package knowledge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// snapshotMagic opens every index file; the version after it changes
// whenever the layout or the chunking changes meaning.
const snapshotMagic = "KBOTIDX3"

// ErrCorruptIndex reports an index file that cannot be read back: a bad
// checksum, a truncated file or an unknown format.
var ErrCorruptIndex = errors.New("index file is corrupted")

type snapshot struct {
	EmbedderID  string
	Dims        int
	Fingerprint string
	BuiltAt     time.Time
	Articles    []Article
	Chunks      []Chunk
	Owner       []int
	Vectors     [][]float32
}

// save writes the index to path atomically: a temporary file in the same
// directory, synced, then renamed over the old one. A crash at any point
// leaves either the old file or the new one, never a mix.
func (x *Index) save(path string) error {
	var buf bytes.Buffer
	s := snapshot{
		EmbedderID: x.embedderID, Dims: x.dims, Fingerprint: x.fingerprint, BuiltAt: x.builtAt,
		Articles: x.articles, Chunks: x.chunks, Owner: x.chunkArticle, Vectors: x.vectors,
	}
	if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
		return fmt.Errorf("encode index: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return writeFileAtomic(path, [][]byte{[]byte(snapshotMagic), sum[:], buf.Bytes()})
}

// writeFileAtomic writes parts to path through a synced temporary file
// and a rename.
func writeFileAtomic(path string, parts [][]byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	for _, p := range parts {
		if _, err := f.Write(p); err != nil {
			return fmt.Errorf("write %s: %w", tmp, err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		// Syncing the directory makes the rename durable; a failure here
		// loses nothing already written, so it is not an error.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// loadIndex reads an index file written by save. It checks the checksum
// and that every vector has the recorded dimension; it embeds nothing.
func loadIndex(ctx context.Context, path string) (*Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	head := len(snapshotMagic) + sha256.Size
	if len(data) < head || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return nil, fmt.Errorf("%w: %s: unknown format", ErrCorruptIndex, path)
	}
	body := data[head:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[len(snapshotMagic):head]) {
		return nil, fmt.Errorf("%w: %s: checksum mismatch", ErrCorruptIndex, path)
	}
	var s snapshot
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptIndex, path, err)
	}
	if len(s.Owner) != len(s.Chunks) {
		return nil, fmt.Errorf("%w: %s: %d chunk owners for %d chunks", ErrCorruptIndex, path, len(s.Owner), len(s.Chunks))
	}
	for _, o := range s.Owner {
		if o < 0 || o >= len(s.Articles) {
			return nil, fmt.Errorf("%w: %s: chunk owner %d out of range", ErrCorruptIndex, path, o)
		}
	}
	idx, err := assemble(ctx, s.Articles, s.Chunks, s.Owner, s.Vectors, s.EmbedderID, s.Dims)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptIndex, path, err)
	}
	idx.fingerprint = s.Fingerprint
	idx.builtAt = s.BuiltAt
	return idx, nil
}
