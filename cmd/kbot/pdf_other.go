//go:build !linux

package main

import (
	"syscall"
	"time"
)

// childProcAttr sets nothing: only Linux can tie the child's life to
// kbot's; elsewhere the child's own deadline ends it.
func childProcAttr() *syscall.SysProcAttr { return nil }

// limitProcess caps nothing but the Go heap (set by cmdPDFText): the
// address-space ceiling is set on Linux only.
func limitProcess(memory int64, deadline time.Duration) error { return nil }
