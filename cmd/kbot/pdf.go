package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"kbot/knowledge"
	"kbot/knowledge/pdf"
)

// pdfTextCommand is the hidden command that extracts a PDF's text in a
// child process: a damaged or hostile file that makes the reader loop or
// exhaust memory takes down the child, not kbot serve. The child keeps
// to a memory ceiling and a deadline of its own, and dies with its parent.
const pdfTextCommand = "pdf-text"

const (
	// pdfTimeout bounds one extraction; a 2 MiB upload takes well under a
	// second.
	pdfTimeout = 30 * time.Second
	// pdfGrace is how much longer than the child's own deadline the
	// parent waits before it kills the child.
	pdfGrace = 5 * time.Second
	// pdfMemory is the address space the child may add to what it holds
	// when it starts; past it, allocations fail and the child dies. Its
	// Go heap aims to stay under half of it (GOMEMLIMIT).
	pdfMemory = 768 << 20
	// pdfStopGrace is how long the child waits, once its deadline has
	// passed or it was told to stop, for the reader to notice before it
	// exits without it.
	pdfStopGrace = time.Second
)

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

// cmdPDFText reads a PDF on standard input and writes its text. It stops
// at its deadline, or when told to (SIGTERM), with the reader's work
// unfinished; with -memory it first caps its own address space.
func cmdPDFText(e *env, args []string) error {
	fs := flagSet(pdfTextCommand)
	deadline := fs.Duration("deadline", pdfTimeout, "give up after this long")
	memory := fs.Int64("memory", 0, "`bytes` of address space the process may add once started (0: no ceiling)")
	if _, err := e.parse(fs, args, pdfTextCommand+" [-deadline d] [-memory bytes] < file.pdf"); err != nil {
		return err
	}
	if *memory > 0 {
		if e.getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(*memory / 2)
		}
		if err := limitProcess(*memory, *deadline); err != nil {
			return fmt.Errorf("limit the reader: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(e.ctx, *deadline)
	defer cancel()

	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		text, err := readPDFText(ctx, e.stdin)
		done <- result{text, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		// The reader stops at its next read of the file or of a stream;
		// one caught in a loop of the PDF library's is left behind.
		select {
		case r = <-done:
		case <-time.After(pdfStopGrace):
			r.err = ctx.Err()
		}
	}
	switch {
	case r.err == nil:
		_, err := io.WriteString(e.stdout, r.text)
		return err
	case errors.Is(r.err, context.DeadlineExceeded):
		return fmt.Errorf("too-large: reading took longer than %s", *deadline)
	case errors.Is(r.err, context.Canceled):
		return errors.New("stopped: told to stop before reading was done")
	}
	for kind, sentinel := range pdfKinds {
		if errors.Is(r.err, sentinel) {
			return fmt.Errorf("%s: %v", kind, r.err)
		}
	}
	return r.err
}

// readPDFText reads a PDF from r and extracts its text.
func readPDFText(ctx context.Context, r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPDFInput+1))
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if len(data) > maxPDFInput {
		return "", fmt.Errorf("%w: more than %d bytes", knowledge.ErrPDFTooLarge, maxPDFInput)
	}
	return pdf.ExtractContext(ctx, data)
}

// pdfChild runs the PDF reader in a child process, exe pdf-text.
type pdfChild struct {
	exe     string
	timeout time.Duration // the child's own deadline
	grace   time.Duration // how much longer the parent waits; 0 means pdfGrace
	memory  int64         // its -memory; 0 sets no ceiling
}

// extract returns the text of the PDF in data, or an error wrapping one
// of the knowledge.ErrPDF… sentinels.
func (c pdfChild) extract(ctx context.Context, data []byte) (string, error) {
	text, _, err := c.run(ctx, bytes.NewReader(data))
	return text, err
}

// run runs the child on stdin and returns its text and how it ended.
// The child is killed a grace period after its own deadline, when ctx
// ends, and when this process dies.
func (c pdfChild) run(ctx context.Context, stdin io.Reader) (string, *os.ProcessState, error) {
	grace := c.grace
	if grace == 0 {
		grace = pdfGrace
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout+grace)
	defer cancel()
	args := []string{pdfTextCommand, "-deadline", c.timeout.String()}
	env := []string{"KBOT_LOG_LEVEL=error"}
	if c.memory > 0 {
		args = append(args, "-memory", fmt.Sprint(c.memory))
		env = append(env, fmt.Sprintf("GOMEMLIMIT=%dMiB", c.memory/2>>20))
	}
	cmd := exec.CommandContext(ctx, c.exe, args...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = env
	cmd.SysProcAttr = childProcAttr()
	// After the kill, stop waiting for output the child's own
	// children may still hold open.
	cmd.WaitDelay = time.Second
	// The child is told to die with the thread that starts it
	// (childProcAttr): keep that thread until the child has ended.
	runtime.LockOSThread()
	err := cmd.Run()
	runtime.UnlockOSThread()
	if ctx.Err() != nil {
		return "", cmd.ProcessState, fmt.Errorf("extract pdf: %w: reading took longer than %s; the reader was stopped", knowledge.ErrPDFTooLarge, c.timeout)
	}
	if err == nil {
		return out.String(), cmd.ProcessState, nil
	}
	msg := strings.TrimSpace(errb.String())
	msg = strings.TrimPrefix(msg, "kbot "+pdfTextCommand+": ")
	kind, _, _ := strings.Cut(msg, ":")
	if sentinel, ok := pdfKinds[kind]; ok {
		return "", cmd.ProcessState, fmt.Errorf("extract pdf: %w (%s)", sentinel, msg)
	}
	if c.memory > 0 && (outOfMemory(msg) || killed(cmd.ProcessState)) {
		// The CPU limit, or the system's out-of-memory killer, kills.
		return "", cmd.ProcessState, fmt.Errorf("extract pdf: %w: the reader needed more than its %d MiB of memory or time: %v", knowledge.ErrPDFTooLarge, c.memory>>20, err)
	}
	// The child crashed: the file is what made it.
	return "", cmd.ProcessState, fmt.Errorf("extract pdf: %w: reader failed: %v: %.300s", knowledge.ErrPDFCorrupt, err, msg)
}

// outOfMemory reports whether a child's last words say it met its
// address-space ceiling: the Go runtime's, or the race detector's in a
// build with it.
func outOfMemory(msg string) bool {
	return strings.Contains(msg, "out of memory") || strings.Contains(msg, "failed to allocate")
}

// killed reports whether a process ended by SIGKILL.
func killed(ps *os.ProcessState) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// selfPDFExtractor extracts in a child kbot process when kbot knows its
// own executable, and in process otherwise.
func selfPDFExtractor() func(ctx context.Context, data []byte) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return pdfChild{exe: exe, timeout: pdfTimeout, memory: pdfMemory}.extract
}
