package knowledge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"time"

	"kbot/knowledge/atomicfile"
)

// snapshotMagic opens every index file; the version after it changes
// whenever the layout or the chunking changes meaning.
const snapshotMagic = "KBOTIDX4"

// errCorruptIndex reports an index file that cannot be read back: a bad
// checksum, a truncated file or an unknown format.
var errCorruptIndex = errors.New("index file is corrupted")

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

// save writes the index to path atomically (see atomicfile): a crash at
// any point leaves either the old file or the new one, never a mix.
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
	return atomicfile.WriteFile(path, []byte(snapshotMagic), sum[:], buf.Bytes())
}

// loadIndex reads an index file written by save. It checks the checksum
// and that every vector has the recorded dimension; it embeds nothing.
func loadIndex(ctx context.Context, path string, newVectors VectorIndexFunc) (*Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	head := len(snapshotMagic) + sha256.Size
	if len(data) < head || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return nil, fmt.Errorf("%w: %s: unknown format", errCorruptIndex, path)
	}
	body := data[head:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[len(snapshotMagic):head]) {
		return nil, fmt.Errorf("%w: %s: checksum mismatch", errCorruptIndex, path)
	}
	var s snapshot
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errCorruptIndex, path, err)
	}
	if len(s.Owner) != len(s.Chunks) {
		return nil, fmt.Errorf("%w: %s: %d chunk owners for %d chunks", errCorruptIndex, path, len(s.Owner), len(s.Chunks))
	}
	for _, o := range s.Owner {
		if o < 0 || o >= len(s.Articles) {
			return nil, fmt.Errorf("%w: %s: chunk owner %d out of range", errCorruptIndex, path, o)
		}
	}
	idx, err := assemble(ctx, newVectors, s.Articles, s.Chunks, s.Owner, s.Vectors, s.EmbedderID, s.Dims)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errCorruptIndex, path, err)
	}
	idx.fingerprint = s.Fingerprint
	idx.builtAt = s.BuiltAt
	return idx, nil
}
