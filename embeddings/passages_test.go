package embeddings

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPassageCache(t *testing.T) {
	tests := []struct {
		name string
		// file is the cache file's content before, nil for no file.
		file []byte
		// wantWarning is logged when the file is opened.
		wantWarning string
	}{
		{name: "no file yet"},
		{name: "damaged file is replaced", file: []byte("not a cache file at all"), wantWarning: "embedding cache unusable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "embeddings.cache")
			if tt.file != nil {
				if err := os.WriteFile(path, tt.file, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var logged bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logged, nil))
			e, calls := countingEmbedder(t, "m1")

			p := NewPassageCache(path, e, log)
			if err := p.Commit(); err != nil {
				t.Fatalf("Commit before any Embed: %v", err)
			}
			if logged.Len() != 0 {
				t.Fatalf("the file was read before the first Embed: %s", logged.String())
			}
			if _, cached, err := p.Embed(t.Context(), []string{"党建引领", "社区治理"}); err != nil || cached != 0 {
				t.Fatalf("first Embed: cached %d, err %v; want 0 cached", cached, err)
			}
			if !strings.Contains(logged.String(), tt.wantWarning) {
				t.Errorf("log = %q, want %q", logged.String(), tt.wantWarning)
			}
			if err := p.Commit(); err != nil {
				t.Fatal(err)
			}

			// A later process finds both passages in the file.
			calls.Store(0)
			again := NewPassageCache(path, e, nil)
			vecs, cached, err := again.Embed(t.Context(), []string{"社区治理", "党建引领"})
			if err != nil || cached != 2 || calls.Load() != 0 || len(vecs) != 2 {
				t.Fatalf("after Commit: %d vectors, %d cached, %d embedded, err %v; want both cached", len(vecs), cached, calls.Load(), err)
			}
			// A build that no longer asks for a passage drops it on Commit.
			if err := again.Commit(); err != nil {
				t.Fatal(err)
			}
			third := NewPassageCache(path, e, nil)
			if _, _, err := third.Embed(t.Context(), []string{"党建引领"}); err != nil {
				t.Fatal(err)
			}
			if err := third.Commit(); err != nil {
				t.Fatal(err)
			}
			if n := openCache(t, path).Len(); n != 1 {
				t.Errorf("cache file holds %d vectors after a build that used 1, want 1", n)
			}
		})
	}
}
