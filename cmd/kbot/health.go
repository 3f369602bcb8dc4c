package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// cmdHealth checks the operations endpoint of a running kbot serve: the
// container HEALTHCHECK, which has no shell or curl to call.
func cmdHealth(e *env, args []string) error {
	fs := flagSet("health")
	if _, err := e.parse(fs, args, `health`); err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	if cfg.HTTPAddr == "" {
		return fmt.Errorf("http_addr (KBOT_HTTP_ADDR) is empty: the operations endpoint is off")
	}
	host, port, err := net.SplitHostPort(cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http_addr %q: %w", cfg.HTTPAddr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(e.ctx, 3*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check %s: %w", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check %s: %s", url, resp.Status)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}
