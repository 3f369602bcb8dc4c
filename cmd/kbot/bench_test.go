package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// buildKbot compiles the command once for process-level benchmarks.
func buildKbot(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "kbot")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("build kbot: %v", err)
	}
	return bin
}

// runKbot runs the binary and returns its wall time and peak RSS.
func runKbot(b *testing.B, bin string, args ...string) (time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KBOT_LOG_LEVEL=warn")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("kbot %v: %v\n%s", args, err, out)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // kilobytes on Linux
	}
	return took, rss
}

// BenchmarkColdStartAsk runs the kbot ask process against a persisted
// index of the bundled issue: start, load, retrieve, answer, exit.
func BenchmarkColdStartAsk(b *testing.B) {
	bin := buildKbot(b)
	data := b.TempDir()
	runKbot(b, bin, "--data-dir", data, "ingest")
	var peak int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, rss := runKbot(b, bin, "--data-dir", data, "ask", "永吉县在人才工作上有哪些做法？")
		peak = max(peak, rss)
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
}

// BenchmarkIngestProcess runs kbot ingest on an empty data directory: the
// first-use build of the bundled issue, with its peak memory.
func BenchmarkIngestProcess(b *testing.B) {
	bin := buildKbot(b)
	var peak int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		data, err := os.MkdirTemp(b.TempDir(), "data")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		_, rss := runKbot(b, bin, "--data-dir", data, "ingest")
		peak = max(peak, rss)
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
}
