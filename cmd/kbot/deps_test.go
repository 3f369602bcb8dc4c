package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The domain depends on no technology, and the Telegram adapter only on
// the domain: the libraries that wrap a technology are linked by the
// packages that adapt it, which cmd/kbot wires together.
func TestDependenciesPointInward(t *testing.T) {
	const (
		openai  = "github.com/sashabaranov/go-openai"
		chromem = "github.com/philippgille/chromem-go"
		pdf     = "github.com/ledongthuc/pdf"
		// embeddings wraps the embedding providers; the domain declares
		// the embedder it needs instead of importing it.
		embeddings = "kbot/embeddings"
	)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies with")
	}
	deps := func(t *testing.T, pkg string) []string {
		t.Helper()
		out, err := exec.Command(goTool, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	tests := []struct {
		pkg           string
		without, with []string
	}{
		{pkg: "kbot/knowledge", without: []string{openai, chromem, pdf, embeddings}},
		{pkg: "kbot/bot", without: []string{openai, chromem, pdf, embeddings}},
		{pkg: "kbot/knowledge/magazine", without: []string{openai, chromem, pdf}},
		{pkg: "kbot/knowledge/chromem", without: []string{openai, pdf}, with: []string{chromem}},
		{pkg: "kbot/knowledge/pdf", without: []string{openai, chromem}, with: []string{pdf}},
		// The program links all of them: the names above are the right ones.
		{pkg: "kbot/cmd/kbot", with: []string{openai, chromem, pdf}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			got := deps(t, tt.pkg)
			for _, d := range tt.without {
				if slices.Contains(got, d) {
					t.Errorf("%s depends on %s", tt.pkg, d)
				}
			}
			for _, d := range tt.with {
				if !slices.Contains(got, d) {
					t.Errorf("%s does not depend on %s", tt.pkg, d)
				}
			}
		})
	}
}
