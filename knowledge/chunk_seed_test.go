package knowledge_test

import (
	"fmt"
	"strings"
	"testing"

	"kbot/knowledge"
	"kbot/knowledge/internal/golden"
	"kbot/knowledge/magazine"
)

// TestChunkSeedGolden pins how the bundled issue is chunked: IDs, headings
// and where each chunk starts and ends. Regenerate with
// go test ./knowledge -run ChunkSeedGolden -update and review the diff.
func TestChunkSeedGolden(t *testing.T) {
	arts, _, err := magazine.Load([]string{knowledge.BundledSource})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, a := range arts {
		for _, c := range knowledge.ChunkArticle(a, knowledge.DefaultChunkOptions) {
			rs := []rune(c.Text)
			fmt.Fprintf(&b, "%s %s %d chars\n", c.ID, c.Heading, len(rs))
			fmt.Fprintf(&b, "  %q … %q\n", string(rs[:min(16, len(rs))]), string(rs[max(0, len(rs)-16):]))
		}
	}
	golden.Check(t, "testdata/chunk/seed.golden", b.String())
}
