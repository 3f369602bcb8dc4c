package main

import (
	"flag"
	"os"
	"regexp"
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

// TestREADMEDocumentsEveryFlag checks that the README's command-line
// section names every flag that some command's -h lists.
func TestREADMEDocumentsEveryFlag(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	i := strings.Index(text, "## The command line")
	j := strings.Index(text[i+1:], "\n## ")
	if i < 0 || j < 0 {
		t.Fatal("README.md lacks its command-line section")
	}
	section := text[i : i+1+j]
	flagLine := regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`)
	for _, c := range commands() {
		_, out, _ := kbot(t, t.TempDir(), nil, c.name, "-h")
		for _, m := range flagLine.FindAllStringSubmatch(out, -1) {
			named := regexp.MustCompile(`(^|[^a-z-])--?` + regexp.QuoteMeta(m[1]) + `\b`)
			if !named.MatchString(section) {
				t.Errorf("kbot %s -%s is not in the README's command-line section", c.name, m[1])
			}
		}
	}
}
