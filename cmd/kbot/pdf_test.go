package main

import (
	"bytes"
	"context"
	"errors"
	"io"
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

// TestPDFTextCommandStops runs the command on input that never ends: it
// gives up at its deadline, and when its context ends (what SIGTERM
// does to kbot), instead of waiting for ever.
func TestPDFTextCommandStops(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		cancel bool
		want   string
	}{
		{"at its deadline", []string{"-deadline", "100ms"}, false, "kbot pdf-text: too-large: reading took longer than 100ms"},
		{"when told to stop", nil, true, "kbot pdf-text: stopped:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w := io.Pipe()
			defer w.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			var out, errb bytes.Buffer
			code := run(ctx, append([]string{pdfTextCommand}, tt.args...), r, &out, &errb, func(string) string { return "" })
			if code != exitError || !strings.HasPrefix(errb.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want %q", code, errb.String(), tt.want)
			}
		})
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

func TestPDFChild(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		timeout  time.Duration
		memory   int64
		want     string
		sentinel error
		message  string
	}{
		{"text on stdout", "cat", time.Minute, 0, "正文", nil, ""},
		{"kind from stderr", "echo 'kbot pdf-text: encrypted: the PDF is encrypted' >&2; exit 1", time.Minute, 0, "", knowledge.ErrPDFEncrypted, "the PDF is encrypted"},
		{"child killed", "kill -9 $$", time.Minute, 0, "", knowledge.ErrPDFCorrupt, "reader failed"},
		{"child killed past its ceiling", "kill -9 $$", time.Minute, pdfMemory, "", knowledge.ErrPDFTooLarge, "768 MiB of memory"},
		{"child out of memory", "echo 'fatal error: out of memory' >&2; exit 2", time.Minute, pdfMemory, "", knowledge.ErrPDFTooLarge, "768 MiB of memory"},
		{"race build out of memory", "echo '==1==ERROR: ThreadSanitizer failed to allocate 0x8000000 (134217728) bytes' >&2; exit 66", time.Minute, pdfMemory, "", knowledge.ErrPDFTooLarge, "768 MiB of memory"},
		{"child hangs", "sleep 30", 200 * time.Millisecond, 0, "", knowledge.ErrPDFTooLarge, "took longer than 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pdfChild{exe: script(t, tt.body), timeout: tt.timeout, grace: time.Second, memory: tt.memory}
			start := time.Now()
			got, err := c.extract(context.Background(), []byte("正文"))
			if tt.sentinel == nil {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %v, want %v saying %q", err, tt.sentinel, tt.message)
			}
			if time.Since(start) > time.Minute {
				t.Fatalf("the extractor waited %s for a hung child", time.Since(start))
			}
		})
	}
}

func TestPDFChildArguments(t *testing.T) {
	// The child is told its deadline and ceiling; the Go heap aims at
	// half the ceiling.
	c := pdfChild{exe: script(t, `echo "$@ $GOMEMLIMIT"`), timeout: 30 * time.Second, memory: pdfMemory}
	got, err := c.extract(context.Background(), nil)
	if want := "pdf-text -deadline 30s -memory 805306368 384MiB\n"; err != nil || got != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
}
