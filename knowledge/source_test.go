package knowledge

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSourceTitle(t *testing.T) {
	tests := []struct{ name, want string }{
		{bundledName, bundledTitle},
		{"第5期.md", "第5期"},
		{"吉林党建2021-03.txt", "吉林党建2021-03"},
	}
	for _, tt := range tests {
		if got := sourceTitle(tt.name); got != tt.want {
			t.Errorf("sourceTitle(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestBundledIsTheSharedIssue(t *testing.T) {
	name, data := Bundled()
	if name != bundledName || len(data) == 0 {
		t.Fatalf("Bundled() = %q, %d bytes", name, len(data))
	}
	// The shared corpus sits beside the project on developer machines and
	// in CI; the bundled copy must be byte-identical.
	shared := filepath.Join("..", "..", "shared", "corpus", "000_e93866b3be610e06.txt")
	want, err := os.ReadFile(shared)
	if err != nil {
		t.Skipf("shared corpus not available: %v", err)
	}
	if !bytes.Equal(data, want) {
		t.Error("bundled issue differs from the shared corpus")
	}
}
