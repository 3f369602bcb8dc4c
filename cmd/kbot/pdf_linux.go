package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// childProcAttr makes the PDF reader's child die with kbot: the kernel
// kills it when the thread that started it ends, which a kill -9 of kbot
// serve does.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// limitProcess caps this process: its address space at what it holds now
// plus memory, so that an allocation past it fails, and its CPU time at
// twice the deadline and a little more, past which the kernel kills it.
func limitProcess(memory int64, deadline time.Duration) error {
	// The first field of statm is the address space in pages. The Go
	// runtime reserves much of it at start without using it, so the
	// ceiling is set from what is there.
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return err
	}
	field, _, _ := bytes.Cut(statm, []byte(" "))
	pages, err := strconv.ParseInt(string(field), 10, 64)
	if err != nil {
		return fmt.Errorf("read /proc/self/statm: %w", err)
	}
	as := uint64(pages*int64(os.Getpagesize()) + memory)
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: as, Max: as}); err != nil {
		return fmt.Errorf("address space: %w", err)
	}
	cpu := uint64((2*deadline + 5*time.Second + time.Second - 1) / time.Second)
	if err := syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu}); err != nil {
		return fmt.Errorf("CPU time: %w", err)
	}
	return nil
}
