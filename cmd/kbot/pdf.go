package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"kbot/knowledge"
	"kbot/knowledge/pdf"
)

// pdfTextCommand is the hidden command that extracts a PDF's text in a
// child process: a damaged or hostile file that makes the reader loop or
// exhaust memory takes down the child, not kbot serve.
const pdfTextCommand = "pdf-text"

// pdfTimeout bounds one extraction; a 2 MiB upload takes well under a
// second.
const pdfTimeout = 30 * time.Second

// maxPDFInput bounds what the child reads from its standard input.
const maxPDFInput = 64 << 20

// pdfKinds carry the sentinel errors across the process boundary as the
// first word of the child's standard error.
var pdfKinds = map[string]error{
	"encrypted": knowledge.ErrPDFEncrypted,
	"corrupt":   knowledge.ErrPDFCorrupt,
	"no-text":   knowledge.ErrPDFNoText,
	"too-large": knowledge.ErrPDFTooLarge,
}

// cmdPDFText reads a PDF on standard input and writes its text.
func cmdPDFText(e *env, args []string) error {
	data, err := io.ReadAll(io.LimitReader(e.stdin, maxPDFInput+1))
	if err != nil {
		return err
	}
	if len(data) > maxPDFInput {
		return fmt.Errorf("too-large: more than %d bytes", maxPDFInput)
	}
	text, err := pdf.Extract(data)
	if err != nil {
		for kind, sentinel := range pdfKinds {
			if errors.Is(err, sentinel) {
				return fmt.Errorf("%s: %v", kind, err)
			}
		}
		return err
	}
	_, err = io.WriteString(e.stdout, text)
	return err
}

// childPDFExtractor runs exe pdf-text for each PDF, killing it after
// timeout or when ctx ends.
func childPDFExtractor(exe string, timeout time.Duration) func(ctx context.Context, data []byte) (string, error) {
	return func(ctx context.Context, data []byte) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, exe, pdfTextCommand)
		cmd.Stdin = bytes.NewReader(data)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Env = []string{"KBOT_LOG_LEVEL=error"}
		// After the kill, stop waiting for output the child's own
		// children may still hold open.
		cmd.WaitDelay = time.Second
		err := cmd.Run()
		if ctx.Err() != nil {
			return "", fmt.Errorf("extract pdf: %w: reading took longer than %s", knowledge.ErrPDFCorrupt, timeout)
		}
		if err != nil {
			msg := strings.TrimSpace(errb.String())
			msg = strings.TrimPrefix(msg, "kbot "+pdfTextCommand+": ")
			kind, _, _ := strings.Cut(msg, ":")
			if sentinel, ok := pdfKinds[kind]; ok {
				return "", fmt.Errorf("extract pdf: %w (%s)", sentinel, msg)
			}
			// The child died (out of memory, a crash): the file is
			// what made it.
			return "", fmt.Errorf("extract pdf: %w: reader failed: %v: %.300s", knowledge.ErrPDFCorrupt, err, msg)
		}
		return out.String(), nil
	}
}

// selfPDFExtractor extracts in a child kbot process when kbot knows its
// own executable, and in process otherwise.
func selfPDFExtractor() func(ctx context.Context, data []byte) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return childPDFExtractor(exe, pdfTimeout)
}
