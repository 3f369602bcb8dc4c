package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"kbot/config"
	"kbot/embeddings"
	"kbot/knowledge"
	"kbot/knowledge/chromem"
	"kbot/knowledge/magazine"
	"kbot/knowledge/pdf"
)

const usage = `kbot answers questions about a collection of Chinese articles, citing
each article and its author. With no configuration it uses the bundled
magazine issue and an offline embedder; the index is built on first use.

Usage:
  kbot [global flags] <command> [flags] [arguments]

Commands:
  ask       answer a question:            kbot ask "永吉县在人才工作上有哪些做法？"
  search    show the passages for a query: kbot search -k 5 "集体经济"
  articles  list the articles:            kbot articles --region 永吉县
  issues    list the issues, latest first: kbot issues
  chunks    show exactly what is indexed: kbot chunks --article ID
  ingest    build or refresh the index and report what changed
  eval      measure retrieval on a JSONL questions file: kbot eval --questions dev.jsonl
  serve     run the Telegram bot (needs KBOT_TELEGRAM_TOKEN)
  report    usage figures and unanswered questions: kbot report --since 30d [--csv]
  health    check the operations endpoint of a running kbot serve

Global flags (also accepted after the command):
  --config FILE    YAML configuration file (see README for every key)
  --source PATH    a file or folder to read articles from, instead of the
                   configured sources; repeatable; "bundled" is the built-in issue
  --data-dir DIR   where the index and caches live (KBOT_DATA_DIR)
  -v               log progress (info level) to stderr

Every setting can also come from the environment: KBOT_DATA_DIR,
KBOT_SOURCES, KBOT_EMBED_PROVIDER, KBOT_EMBED_BASE_URL, KBOT_EMBED_MODEL,
KBOT_EMBED_API_KEY, ... Run "kbot <command> -h" for a command's flags.
`

// exit codes
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// globals are the flags every command accepts.
type globals struct {
	configFile string
	sources    stringList
	dataDir    string
	verbose    bool
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func flagSet(name string) *flag.FlagSet { return flag.NewFlagSet(name, flag.ContinueOnError) }

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.configFile, "config", g.configFile, "YAML configuration `file`")
	fs.Var(&g.sources, "source", "a file or folder of articles, instead of the configured sources (repeatable)")
	fs.StringVar(&g.dataDir, "data-dir", g.dataDir, "data `directory` for the index and caches")
	fs.BoolVar(&g.verbose, "v", g.verbose, "log progress to stderr")
}

// env is what a command runs with.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	g      *globals
}

type command struct {
	name, summary string
	run           func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"ask", "answer a question", cmdAsk},
		{"search", "show the passages retrieved for a query", cmdSearch},
		{"articles", "list the articles", cmdArticles},
		{"issues", "list the issues of the magazine in the index", cmdIssues},
		{"chunks", "show the indexed chunks", cmdChunks},
		{"ingest", "build or refresh the index", cmdIngest},
		{"eval", "measure retrieval on a questions file", cmdEval},
		{"serve", "run the Telegram bot", cmdServe},
		{"report", "usage figures and unanswered questions from the bot's record", cmdReport},
		{"health", "check a running kbot serve (for container health checks)", cmdHealth},
	}
}

// usageError is a mistake in how kbot was called: exit code 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// run is kbot without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	g := &globals{}
	top := flag.NewFlagSet("kbot", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	g.register(top)
	help := top.Bool("h", false, "")
	top.BoolVar(help, "help", false, "")
	if err := top.Parse(args); err != nil {
		fmt.Fprintf(stderr, "kbot: %v\n(kbot -h shows the commands and flags)\n", err)
		return exitUsage
	}
	rest := top.Args()
	if *help || len(rest) == 0 || rest[0] == "help" {
		if len(rest) > 1 && rest[0] == "help" {
			rest = []string{rest[1], "-h"}
		} else {
			fmt.Fprint(stdout, usage)
			if len(rest) == 0 && !*help {
				return exitUsage
			}
			return exitOK
		}
	}
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, g: g}
	if rest[0] == pdfTextCommand {
		// Internal: kbot serve's child process for PDF uploads.
		if err := cmdPDFText(e, rest[1:]); err != nil {
			fmt.Fprintf(stderr, "kbot %s: %v\n", pdfTextCommand, err)
			return exitError
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != rest[0] {
			continue
		}
		err := c.run(e, rest[1:])
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "kbot %s: %v\n(kbot %s -h shows the flags)\n", c.name, err, c.name)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "kbot %s: %v\n", c.name, err)
			return exitError
		}
	}
	fmt.Fprintf(stderr, "kbot: unknown command %q\n\n%s", rest[0], usage)
	return exitUsage
}

// parse parses a command's flags, allowing flags after positional
// arguments (kbot ask "问题" --json).
func (e *env) parse(fs *flag.FlagSet, args []string, synopsis string) ([]string, error) {
	e.g.register(fs)
	// The flag package would print a parse error and the usage itself; run
	// prints the error once, and help goes to stdout like kbot -h.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(e.stdout, "Usage: kbot %s\n\nFlags:\n", synopsis)
				fs.SetOutput(e.stdout)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// loadConfig reads the configuration and applies the global flags.
func (e *env) loadConfig() (config.Config, error) {
	cfg, err := config.Load(e.g.configFile, e.getenv)
	if err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	if len(e.g.sources) > 0 {
		cfg.Sources = e.g.sources
	}
	if e.g.dataDir != "" {
		cfg.DataDir = e.g.dataDir
	}
	return cfg, nil
}

// logger builds the process logger. Commands other than serve log only
// warnings unless -v or a debug level asks for more.
func (e *env) logger(cfg config.Config, quiet bool) *slog.Logger {
	lc := cfg.Log
	if quiet && !e.g.verbose && lc.Level != "debug" && lc.Level != "error" {
		lc.Level = "warn"
	}
	log := slog.New(lc.Handler(e.stderr))
	for _, n := range cfg.Notices() {
		log.Warn(n)
	}
	return log
}

// embedder builds the configured embedding provider.
func embedder(ctx context.Context, cfg config.Config, log *slog.Logger) (embeddings.Embedder, error) {
	if cfg.Embed.Provider != "openai" {
		if cfg.Embed.Dims > 0 {
			em, err := embeddings.LocalDims(cfg.Embed.Dims)
			if err != nil {
				return em, fmt.Errorf("embed.dims (KBOT_EMBED_DIMS): %w", err)
			}
			return em, nil
		}
		return embeddings.Local(), nil
	}
	em, err := embeddings.OpenAI(embeddings.OpenAIConfig{
		BaseURL: cfg.Embed.BaseURL, Model: cfg.Embed.Model, APIKey: cfg.Embed.APIKey.Reveal(),
		Dims: cfg.Embed.Dims, BatchSize: cfg.Embed.BatchSize, Concurrency: cfg.Embed.Concurrency,
		MaxRetries: retries(cfg.Embed.MaxRetries), Timeout: cfg.Embed.Timeout,
	}, log)
	if err != nil {
		return em, fmt.Errorf("embedding provider: %w", err)
	}
	em, err = em.Resolve(ctx)
	if err != nil {
		return em, fmt.Errorf("embedding provider: %w", err)
	}
	return em, nil
}

// cacheFile holds the embedding cache in the data directory.
const cacheFile = "embeddings.cache"

// open loads (or builds) the knowledge base the configuration names; it
// reads uploaded PDFs in this process.
func (e *env) open(cfg config.Config, log *slog.Logger, writer knowledge.Writer) (*knowledge.Base, error) {
	return e.openWith(cfg, log, writer, func(_ context.Context, data []byte) (string, error) { return pdf.Extract(data) })
}

// openWith is open with the PDF extractor for uploads.
func (e *env) openWith(cfg config.Config, log *slog.Logger, writer knowledge.Writer, extractPDF func(context.Context, []byte) (string, error)) (*knowledge.Base, error) {
	em, err := embedder(e.ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	opts := knowledge.Options{
		DataDir:     cfg.DataDir,
		Sources:     cfg.Sources,
		Load:        magazine.Loader{ExtractPDF: pdf.Extract}.Load,
		Vectors:     chromem.New,
		Embedder:    knowledge.Embedder{ID: em.ID(), Dims: em.Dims, Embed: knowledge.EmbedFunc(em.Embed)},
		Cache:       embeddings.NewPassageCache(filepath.Join(cfg.DataDir, cacheFile), em, log.With("component", "embeddings")),
		Chunk:       knowledge.ChunkOptions{Size: cfg.Retrieval.ChunkSize, Overlap: cfg.Retrieval.ChunkOverlap},
		K:           cfg.Retrieval.K,
		MinCoverage: cfg.Retrieval.MinScore,
		Logger:      log,
		Progress:    progressBar(e.stderr),
		ExtractPDF:  extractPDF,
	}
	if writer != nil {
		opts.Writer = writer
	}
	kb, err := knowledge.Open(e.ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("knowledge base: %w", err)
	}
	return kb, nil
}

// knowledgeBase opens the configured knowledge base for a command that
// needs no LLM: search, articles, chunks, ingest, eval.
func (e *env) knowledgeBase() (*knowledge.Base, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	return e.open(cfg, e.logger(cfg, true), nil)
}

// progressBar draws embedding progress on a terminal for long builds; it
// returns nil (no progress) when w is not a terminal.
func progressBar(w io.Writer) func(done, total int) {
	// A character device is not enough: /dev/null is one too.
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(done, total int) {
		if total < 1000 {
			return // short builds finish before a bar would help
		}
		const width = 30
		filled := done * width / total
		fmt.Fprintf(w, "\r嵌入 [%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

// userMessage turns an error about a question into a polite sentence.
func questionError(err error) error {
	switch {
	case errors.Is(err, knowledge.ErrEmptyQuestion):
		return usageError{`问题是空的，请输入要问的问题，例如：kbot ask "永吉县在人才工作上有哪些做法？"`}
	case errors.Is(err, knowledge.ErrQuestionTooLong):
		return usageError{fmt.Sprintf("问题太长了（最多 %d 个字），请精简后再问。", knowledge.MaxQuestionRunes)}
	case errors.Is(err, knowledge.ErrUnknownRegion):
		return usageError{fmt.Sprintf("不认识这个地区：%v", err)}
	case errors.Is(err, knowledge.ErrUnknownIssue):
		return usageError{fmt.Sprintf("找不到这一期：%v（kbot issues 列出各期）", err)}
	}
	return err
}
