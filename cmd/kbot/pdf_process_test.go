//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"kbot/knowledge"
	"kbot/knowledge/pdf/pdftest"
)

// The tests in this file run the PDF reader's child as a real process:
// the test binary itself, started through a script that sets
// KBOT_TEST_PROCESS, acts as kbot (or as a process standing around one).

// TestMain lets the test binary act as the processes of these tests.
func TestMain(m *testing.M) {
	switch os.Getenv("KBOT_TEST_PROCESS") {
	case "kbot":
		main()
	case "pdf-parent":
		// A parent, like kbot serve, reading a PDF from its own standard
		// input in a child (the kbot script named by KBOT_TEST_CHILD).
		c := pdfChild{exe: os.Getenv("KBOT_TEST_CHILD"), timeout: 10 * time.Minute}
		_, _, err := c.run(context.Background(), os.Stdin)
		fmt.Println(err)
		os.Exit(0)
	case "memory-hog":
		// A child that caps itself as the reader does and then wants
		// four gigabytes.
		if err := limitProcess(pdfMemory, time.Minute); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var hold [][]byte
		for i := 0; i < 64; i++ {
			b := make([]byte, 64<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			hold = append(hold, b)
		}
		fmt.Println("allocated", len(hold)*64, "MiB")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// asProcess returns a script that runs the test binary as process, with
// the environment given.
func asProcess(t *testing.T, process string, env ...string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	vars := "KBOT_TEST_PROCESS=" + process
	for _, e := range env {
		vars += " " + strconv.Quote(e)
	}
	return script(t, "exec env "+vars+" "+strconv.Quote(self)+` "$@"`)
}

// TestPDFChildProcess runs kbot pdf-text in a child process on what kbot
// serve may be handed.
func TestPDFChildProcess(t *testing.T) {
	kbot := asProcess(t, "kbot")
	layout, err := os.ReadFile("../../knowledge/pdf/testdata/layout.pdf")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		data     []byte
		sentinel error
		message  string
	}{
		{"sample read", layout, nil, "社区议事厅让群众说了算"},
		{"ToUnicode map inflating to 1 GB refused", pdftest.InflatingToUnicode(1 << 30), knowledge.ErrPDFTooLarge, "ToUnicode"},
		{"damaged file refused", layout[:len(layout)/3], knowledge.ErrPDFCorrupt, "corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pdfChild{exe: kbot, timeout: time.Minute, memory: pdfMemory}
			text, err := c.extract(context.Background(), tt.data)
			if tt.sentinel == nil {
				if err != nil || !strings.Contains(text, tt.message) {
					t.Fatalf("got %.100q, %v; want text with %q", text, err, tt.message)
				}
				return
			}
			if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %v, want %v saying %q", err, tt.sentinel, tt.message)
			}
		})
	}
}

// endlessInput returns a pipe whose writing end stays open until the
// test ends: what is read from it never ends.
func endlessInput(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.Close()
		w.Close()
	})
	return r, w
}

// TestPDFChildStopsAtItsDeadline hands the child a file that never ends:
// the child gives up by itself at its deadline, before the parent would
// kill it.
func TestPDFChildStopsAtItsDeadline(t *testing.T) {
	kbot := asProcess(t, "kbot")
	r, _ := endlessInput(t)
	// The parent waits long enough for a child slow to start on a busy
	// machine to reach its deadline and say so.
	c := pdfChild{exe: kbot, timeout: time.Second, grace: time.Minute, memory: pdfMemory}
	_, _, err := c.run(context.Background(), r)
	if want := "(too-large: reading took longer than 1s)"; !errors.Is(err, knowledge.ErrPDFTooLarge) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want the child's own %q", err, want)
	}
}

// TestPDFChildStopsOnSIGTERM sends SIGTERM to a child reading an input
// that does not end, once it has started reading (and so listens for the
// signal): it must stop by itself and say so.
func TestPDFChildStopsOnSIGTERM(t *testing.T) {
	kbot := asProcess(t, "kbot")
	r, w := endlessInput(t)
	cmd := exec.Command(kbot, pdfTextCommand)
	cmd.Stdin = r
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if _, err := w.WriteString("%PDF-1.7\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the child to read its input", func() (int, bool) {
		n, err := unread(r)
		return 0, err == nil && n == 0
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		if !strings.Contains(errb.String(), "kbot pdf-text: stopped") {
			t.Errorf("child ended with %v, stderr %q; want it to stop by itself", cmd.ProcessState, errb.String())
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatal("the child went on a minute after SIGTERM")
	}
}

// unread returns the bytes waiting in a pipe.
func unread(r *os.File) (int, error) {
	var n int32
	raw, err := r.SyscallConn()
	if err != nil {
		return 0, err
	}
	var errno syscall.Errno
	err = raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	})
	if err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// TestPDFChildDiesWithParent kills -9 a parent whose child waits on an
// input that stays open: the child must go too.
func TestPDFChildDiesWithParent(t *testing.T) {
	kbot := asProcess(t, "kbot")
	parentScript := asProcess(t, "pdf-parent", "KBOT_TEST_CHILD="+kbot)
	r, _ := endlessInput(t)
	parent := exec.Command(parentScript)
	parent.Stdin = r
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	child := waitFor(t, "the parent to start its child", func() (int, bool) {
		pid := childOf(parent.Process.Pid)
		return pid, pid > 0
	})
	defer syscall.Kill(child, syscall.SIGKILL) // if the test fails

	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	parent.Wait()
	waitFor(t, "the child to die with its parent", func() (int, bool) {
		return 0, !alive(child)
	})
}

// waitFor polls cond until it holds, failing t after a minute.
func waitFor(t *testing.T, what string, cond func() (int, bool)) int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if v, ok := cond(); ok {
			return v
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("waited a minute for %s", what)
	return 0
}

// childOf returns the pid of a child of the process ppid, or 0.
func childOf(ppid int) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		_, rest, ok := bytes.Cut(data, []byte(") "))
		if f := strings.Fields(string(rest)); ok && len(f) > 1 && f[1] == strconv.Itoa(ppid) {
			pid, _ := strconv.Atoi(strings.Split(path, "/")[2])
			return pid
		}
	}
	return 0
}

// alive reports whether pid is a process that has not ended: one that
// is gone, or a zombie waiting for its parent to collect it, is not.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := bytes.Cut(data, []byte(") "))
	return !bytes.HasPrefix(rest, []byte("Z")) && !bytes.HasPrefix(rest, []byte("X"))
}

// TestPDFChildMemoryCeiling runs a child that caps itself as the reader
// does and then allocates four gigabytes: it must die at its ceiling,
// and the parent must say so.
func TestPDFChildMemoryCeiling(t *testing.T) {
	hog := asProcess(t, "memory-hog")
	c := pdfChild{exe: hog, timeout: time.Minute, memory: pdfMemory}
	text, _, err := c.run(context.Background(), bytes.NewReader(nil))
	if !errors.Is(err, knowledge.ErrPDFTooLarge) || !strings.Contains(err.Error(), "MiB of memory") {
		t.Fatalf("got %q, %v; want %v for the memory ceiling", text, err, knowledge.ErrPDFTooLarge)
	}
}

// BenchmarkPDFChild runs the kbot binary's PDF child, with kbot serve's
// deadline and ceiling, on files that expand far beyond their size: the
// time to the refusal and the child's peak RSS.
func BenchmarkPDFChild(b *testing.B) {
	bin := buildKbot(b)
	// A page whose content is the stream object given.
	page := func(content string) []byte {
		return pdftest.Build("",
			"<</Type/Catalog/Pages 2 0 R>>",
			"<</Type/Pages/Kids[3 0 R]/Count 1>>",
			"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
			content,
			"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>")
	}
	benchmarks := []struct {
		name string
		data []byte
	}{
		// A ToUnicode map of 1 GB in a 1 MB file.
		{"ToUnicode-1GB", pdftest.InflatingToUnicode(1 << 30)},
		// Page content of 1 GB in a 1 MB file.
		{"content-1GB", page(pdftest.FlateStream(pdftest.Inflating("", "0 ", 1<<30)))},
		// 63 MB of content showing one character at a time: the most
		// the reader holds for a page.
		{"pieces-63MB", page(pdftest.FlateStream(pdftest.Inflating("BT /F1 10 Tf ", "(A)'", 63<<20)))},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			c := pdfChild{exe: bin, timeout: pdfTimeout, memory: pdfMemory}
			var peak int64
			for i := 0; i < b.N; i++ {
				_, ps, err := c.run(context.Background(), bytes.NewReader(bm.data))
				if !errors.Is(err, knowledge.ErrPDFTooLarge) {
					b.Fatalf("got %v, want %v", err, knowledge.ErrPDFTooLarge)
				}
				peak = max(peak, ps.SysUsage().(*syscall.Rusage).Maxrss)
			}
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
			b.ReportMetric(float64(len(bm.data))/1e6, "file-MB")
		})
	}
}
