package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"kbot/config"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite the configuration reference in README.md")

const (
	refStart = "<!-- config-reference:start -->\n"
	refEnd   = "\n<!-- config-reference:end -->"
)

// TestREADMEConfigReference keeps the README's configuration table equal
// to the one the config package documents; regenerate it with
// go test ./cmd/kbot -run README -update-readme.
func TestREADMEConfigReference(t *testing.T) {
	const path = "../../README.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	i, j := strings.Index(text, refStart), strings.Index(text, refEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", refStart, refEnd)
	}
	want := strings.TrimSpace(config.Reference())
	got := text[i+len(refStart) : j]
	if got == want {
		return
	}
	if *updateReadme {
		if err := os.WriteFile(path, []byte(text[:i+len(refStart)]+want+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("README.md's configuration reference differs from config.Reference(); run go test ./cmd/kbot -run README -update-readme")
}

// TestREADMECommands checks that the README names the two set-up commands.
func TestREADMECommands(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"go run ./cmd/kbot ask \"", "go test -race ./..."} {
		if !strings.Contains(string(raw), cmd) {
			t.Errorf("README.md does not contain %q", cmd)
		}
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "go test -race ./...") {
		t.Error(".ci/run does not run the README's test command")
	}
}
