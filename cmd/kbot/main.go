// Command kbot answers questions about a collection of Chinese articles —
// by default the bundled issue of a Jilin City party-building magazine —
// on the command line and in Telegram, citing each article and its author.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
