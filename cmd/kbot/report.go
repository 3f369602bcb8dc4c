package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the record's time zone, also in a distroless image

	"kbot/bot/store"
	"kbot/config"
)

// recordOptions configures the question record from the configuration.
// The time zone was checked by config.Validate.
func recordOptions(cfg config.Config, log *slog.Logger) []store.Option {
	opts := []store.Option{store.WithRetention(cfg.Record.Retention), store.WithLogger(log.With("component", "record"))}
	if loc, err := time.LoadLocation(cfg.Record.Timezone); err == nil {
		opts = append(opts, store.WithLocation(loc))
	}
	return opts
}

// cmdReport prints the figures /stats and /gaps show in Telegram, from the
// record kbot serve keeps in the data directory.
func cmdReport(e *env, args []string) error {
	fset := flagSet("report")
	since := fset.String("since", "30d", "how far back to look: a number of days (`30d`) or a Go duration (`72h`)")
	asCSV := fset.Bool("csv", false, "print the unanswered questions as CSV (for a spreadsheet) instead of the report")
	if _, err := e.parse(fset, args, `report [--since 30d] [--csv]`); err != nil {
		return err
	}
	window, err := parseSince(*since)
	if err != nil {
		return usageError{err.Error()}
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	path := filepath.Join(cfg.DataDir, store.FileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no question record at %s: kbot serve keeps one in its data directory (--data-dir)", path)
	}
	rec, err := store.Open(e.ctx, path, recordOptions(cfg, slog.New(slog.DiscardHandler))...)
	if err != nil {
		return fmt.Errorf("open the question record: %w", err)
	}
	defer rec.Close()
	from := time.Now().Add(-window)
	gaps, err := rec.Gaps(e.ctx, from)
	if err != nil {
		return fmt.Errorf("read the unanswered questions: %w", err)
	}
	if *asCSV {
		return store.WriteGapsCSV(e.stdout, gaps)
	}
	st, err := rec.Stats(e.ctx, from)
	if err != nil {
		return fmt.Errorf("read the usage figures: %w", err)
	}
	writeReport(e.stdout, st, gaps)
	return nil
}

// parseSince reads "30d" or a Go duration.
func parseSince(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--since %q: give a number of days such as 30d, or a duration such as 72h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--since %q: give a number of days such as 30d, or a duration such as 72h", s)
	}
	return d, nil
}

// writeReport prints the usage figures and the unanswered questions as
// plain text.
func writeReport(w io.Writer, st store.Stats, gaps []store.Gap) {
	counts := func(c store.Counts) string {
		return fmt.Sprintf("%6d %6d %6d %6d %6d %6d", c.Questions, c.Answered, c.Refused, c.Errors, c.Up, c.Down)
	}
	header := "            提问   回答   拒答   出错     👍     👎"
	fmt.Fprintf(w, "kbot 使用情况 %s 至 %s\n\n%s\n", st.Since.Format("2006-01-02"), st.Until.Format("2006-01-02 15:04"), header)
	fmt.Fprintf(w, "合计        %s\n", counts(st.Total))
	fmt.Fprintf(w, "\n按周（周一起）\n%s\n", header)
	for _, p := range st.Weeks {
		fmt.Fprintf(w, "%s  %s\n", p.Start.Format("2006-01-02"), counts(p.Counts))
	}
	fmt.Fprintf(w, "\n按天\n%s\n", header)
	for _, p := range st.Days {
		fmt.Fprintf(w, "%s  %s\n", p.Start.Format("2006-01-02"), counts(p.Counts))
	}
	if len(st.Articles) > 0 {
		fmt.Fprintln(w, "\n引用最多的文章")
		for i, a := range st.Articles {
			fmt.Fprintf(w, "%3d. 《%s》 %d 次\n", i+1, a.Title, a.Answers)
		}
	}
	if len(st.Counties) > 0 {
		fmt.Fprintln(w, "\n引用最多的县区")
		for _, c := range st.Counties {
			fmt.Fprintf(w, "     %s %d 次\n", c.County, c.Count)
		}
	}
	fmt.Fprintf(w, "\n未答好的问题（拒答或 👎，按次数，%d 组）\n", len(gaps))
	for i, g := range gaps {
		fmt.Fprintf(w, "%3d. %s\n     %d 次，拒答 %d，👎 %d，最近 %s", i+1, g.Question, g.Count, g.Refused, g.Down, g.LastAsked.Format("2006-01-02 15:04"))
		for _, t := range g.VoteReasons {
			fmt.Fprintf(w, "，%s %d", t.Label, t.Count)
		}
		if len(g.Variants) > 1 {
			fmt.Fprintf(w, "，%d 种问法", len(g.Variants))
		}
		fmt.Fprintln(w)
	}
}
