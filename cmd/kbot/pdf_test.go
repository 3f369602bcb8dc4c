package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kbot/knowledge"
)

func TestPDFTextCommand(t *testing.T) {
	pdf, err := os.ReadFile("../../knowledge/pdf/testdata/layout.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{pdfTextCommand}, bytes.NewReader(pdf), &out, &errb, func(string) string { return "" })
	if code != exitOK || !strings.Contains(out.String(), "社区议事厅让群众说了算") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}

	out.Reset()
	errb.Reset()
	code = run(context.Background(), []string{pdfTextCommand}, strings.NewReader("%PDF-1.4 not really"), &out, &errb, func(string) string { return "" })
	if code != exitError || !strings.HasPrefix(errb.String(), "kbot pdf-text: corrupt:") {
		t.Fatalf("damaged PDF: exit %d, stderr %q", code, errb.String())
	}
}

// script writes an executable shell script standing in for the child.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "child.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestChildPDFExtractor(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		timeout  time.Duration
		want     string
		sentinel error
	}{
		{"text on stdout", "cat", time.Minute, "正文", nil},
		{"kind from stderr", "echo 'kbot pdf-text: encrypted: the PDF is encrypted' >&2; exit 1", time.Minute, "", knowledge.ErrPDFEncrypted},
		{"child killed", "kill -9 $$", time.Minute, "", knowledge.ErrPDFCorrupt},
		{"child hangs", "sleep 30", 200 * time.Millisecond, "", knowledge.ErrPDFCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extract := childPDFExtractor(script(t, tt.body), tt.timeout)
			start := time.Now()
			got, err := extract(context.Background(), []byte("正文"))
			if tt.sentinel == nil {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("error %v, want %v", err, tt.sentinel)
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("the extractor waited %s for a hung child", time.Since(start))
			}
		})
	}
}
