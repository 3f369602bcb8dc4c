package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"kbot/knowledge"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// checkK checks a -k flag.
func checkK(k int) error {
	if k < 1 || k > 100 {
		return usageError{fmt.Sprintf("-k must be between 1 and 100, not %d", k)}
	}
	return nil
}

// checkMethod checks a --method flag.
func checkMethod(m string) error {
	switch knowledge.Method(m) {
	case knowledge.MethodHybrid, knowledge.MethodVector, knowledge.MethodKeyword:
		return nil
	}
	return usageError{fmt.Sprintf("--method must be hybrid, vector or keyword, not %q", m)}
}

// oneArg joins the positional arguments into one question or query.
func oneArg(pos []string, what string) (string, error) {
	if len(pos) == 0 {
		return "", usageError{fmt.Sprintf("missing %s", what)}
	}
	return strings.Join(pos, " "), nil
}

func cmdAsk(e *env, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	region := fs.String("region", "", "only use articles about this county or district")
	issue := fs.String("issue", "", "only use articles of this issue (as kbot issues lists it, or latest)")
	pos, err := e.parse(fs, args, `ask [--json] [--region R] [--issue I] "问题"`)
	if err != nil {
		return err
	}
	q, err := oneArg(pos, `question: kbot ask "永吉县在人才工作上有哪些做法？"`)
	if err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	log := e.logger(cfg, true)
	writer, err := llmWriter(cfg, log, nil)
	if err != nil {
		return err
	}
	kb, err := e.open(cfg, log, writer)
	if err != nil {
		return err
	}
	question := knowledge.Question{Text: q, Region: *region, Issue: *issue}
	streamed := false
	if !*asJSON && writer != nil {
		// Print the model's text as it arrives; the checked answer with
		// its sources follows.
		printed := 0
		question.OnPartial = func(text string) {
			if len(text) > printed && strings.HasPrefix(text, text[:printed]) {
				fmt.Fprint(e.stdout, text[printed:])
				printed = len(text)
				streamed = true
			}
		}
	}
	ans, err := kb.Ask(e.ctx, question)
	if err != nil {
		return questionError(err)
	}
	if *asJSON {
		if ans.Citations == nil {
			ans.Citations = []knowledge.Citation{}
		}
		return writeJSON(e.stdout, ans)
	}
	if streamed {
		fmt.Fprint(e.stdout, "\n\n——核对引用后的回答——\n")
	}
	fmt.Fprintln(e.stdout, knowledge.RenderText(ans))
	return nil
}

// searchResult is one result of kbot search --json.
type searchResult struct {
	Rank       int     `json:"rank"`
	Score      float64 `json:"score"`
	ArticleID  string  `json:"article_id"`
	Title      string  `json:"title"`
	Author     string  `json:"author"`
	AuthorPost string  `json:"author_post"`
	Section    string  `json:"section"`
	Region     string  `json:"region"`
	Heading    string  `json:"heading"`
	Text       string  `json:"text"`
	Issue      string  `json:"issue,omitempty"`
	PageStart  int     `json:"page_start,omitempty"`
	PageEnd    int     `json:"page_end,omitempty"`
}

func toSearchResults(rs []knowledge.Result) []searchResult {
	out := make([]searchResult, len(rs))
	for i, r := range rs {
		out[i] = searchResult{
			Rank: r.Rank, Score: r.Score, ArticleID: r.Article.ID, Title: r.Article.Title,
			Author: r.Article.Author, AuthorPost: r.Article.AuthorPost, Section: r.Article.Section,
			Region: strings.Join(r.Article.Regions, "、"), Heading: r.Chunk.Heading, Text: r.Chunk.Text,
			Issue: r.Article.IssueName(), PageStart: r.Article.PageStart, PageEnd: r.Article.PageEnd,
		}
	}
	return out
}

func cmdSearch(e *env, args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print results as JSON")
	k := fs.Int("k", 0, "number of results (default retrieval.k from the configuration, 5 unless set)")
	region := fs.String("region", "", "only articles about this county or district")
	author := fs.String("author", "", "only articles by this author (exactly as kbot articles shows it)")
	section := fs.String("section", "", "only articles of this section (栏目)")
	method := fs.String("method", string(knowledge.MethodHybrid), "retriever: hybrid, vector or keyword")
	issue := fs.String("issue", "", "only articles of this issue (as kbot issues lists it, or latest)")
	pos, err := e.parse(fs, args, `search [--json] [-k N] [--region R] [--author A] [--section S] [--issue I] [--method M] "查询"`)
	if err != nil {
		return err
	}
	q, err := oneArg(pos, `query: kbot search "集体经济"`)
	if err != nil {
		return err
	}
	if isSet(fs, "k") {
		if err := checkK(*k); err != nil {
			return err
		}
	}
	if err := checkMethod(*method); err != nil {
		return err
	}
	kb, err := e.knowledgeBase() // opened with retrieval.k, which K 0 selects
	if err != nil {
		return err
	}
	rs, err := kb.Search(e.ctx, q, knowledge.SearchOptions{K: *k, Region: *region, Author: *author, Section: *section, Method: knowledge.Method(*method), Issue: *issue})
	if err != nil {
		return questionError(err)
	}
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"query": q, "results": toSearchResults(rs)})
	}
	if len(rs) == 0 {
		fmt.Fprintln(e.stdout, "没有找到相关段落。")
	}
	for _, r := range rs {
		fmt.Fprintf(e.stdout, "%d. [%.4f] 《%s》", r.Rank, r.Score, r.Article.Title)
		if by := r.Article.Byline(); by != "" {
			fmt.Fprintf(e.stdout, "— %s", by)
		}
		if r.Chunk.Heading != "" {
			fmt.Fprintf(e.stdout, "  〔%s〕", r.Chunk.Heading)
		}
		if is := r.Article.IssueName(); is != "" {
			fmt.Fprintf(e.stdout, "  %s", is)
		}
		fmt.Fprintf(e.stdout, "\n   %s\n\n", strings.ReplaceAll(r.Chunk.Text, "\n", "\n   "))
	}
	return nil
}

// articleRow is one article of kbot articles --json.
type articleRow struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Author     string   `json:"author"`
	AuthorPost string   `json:"author_post"`
	Section    string   `json:"section"`
	Regions    []string `json:"regions"`
	Chars      int      `json:"chars"`
	Issue      string   `json:"issue,omitempty"`
	PageStart  int      `json:"page_start,omitempty"`
	PageEnd    int      `json:"page_end,omitempty"`
}

func cmdArticles(e *env, args []string) error {
	fs := flag.NewFlagSet("articles", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the list as JSON")
	region := fs.String("region", "", "only articles about this county or district")
	issue := fs.String("issue", "", "only articles of this issue (as kbot issues lists it, or latest)")
	if _, err := e.parse(fs, args, `articles [--json] [--region R] [--issue I]`); err != nil {
		return err
	}
	kb, err := e.knowledgeBase()
	if err != nil {
		return err
	}
	arts := kb.Articles(*region)
	if *region != "" && len(arts) == 0 {
		return usageError{fmt.Sprintf("不认识这个地区：%q（已知：%s）", *region, strings.Join(kb.Regions(), "、"))}
	}
	if *issue != "" {
		name, err := kb.ResolveIssue(*issue)
		if err != nil {
			return questionError(err)
		}
		arts = slices.DeleteFunc(arts, func(a knowledge.Article) bool { return a.IssueName() != name })
	}
	rows := make([]articleRow, len(arts))
	for i, a := range arts {
		regions := a.Regions
		if regions == nil {
			regions = []string{}
		}
		rows[i] = articleRow{a.ID, a.Title, a.Author, a.AuthorPost, a.Section, regions, utf8.RuneCountInString(a.Body),
			a.IssueName(), a.PageStart, a.PageEnd}
	}
	if *asJSON {
		return writeJSON(e.stdout, rows)
	}
	// Articles are listed issue by issue, under the issue's name.
	var table [][]string
	group := "\x00"
	flush := func() error {
		if len(table) == 0 {
			return nil
		}
		err := writeTable(e.stdout, table)
		table = nil
		return err
	}
	for _, r := range groupByIssue(rows) {
		if r.Issue != group {
			if err := flush(); err != nil {
				return err
			}
			if group != "\x00" {
				fmt.Fprintln(e.stdout)
			}
			group = r.Issue
			if len(kb.Issues()) > 0 {
				name := r.Issue
				if name == "" {
					name = "（未注明期号的文档）"
				}
				fmt.Fprintf(e.stdout, "== %s\n", name)
			}
			table = append(table, []string{"ID", "标题", "作者", "栏目", "地区", "页码", "字数"})
		}
		author := r.Author
		if r.AuthorPost != "" {
			author += "（" + r.AuthorPost + "）"
		}
		pages := ""
		if r.PageStart > 0 {
			pages = strconv.Itoa(r.PageStart)
			if r.PageEnd > r.PageStart {
				pages += "–" + strconv.Itoa(r.PageEnd)
			}
		}
		table = append(table, []string{r.ID, r.Title, author, r.Section, strings.Join(r.Regions, "、"), pages, strconv.Itoa(r.Chars)})
	}
	return flush()
}

// groupByIssue orders rows issue by issue, in the order each issue first
// appears, keeping the reading order within an issue.
func groupByIssue(rows []articleRow) []articleRow {
	rank := map[string]int{}
	for _, r := range rows {
		if _, ok := rank[r.Issue]; !ok {
			rank[r.Issue] = len(rank)
		}
	}
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b articleRow) int { return rank[a.Issue] - rank[b.Issue] })
	return out
}

func cmdIssues(e *env, args []string) error {
	fs := flag.NewFlagSet("issues", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the list as JSON")
	if _, err := e.parse(fs, args, `issues [--json]`); err != nil {
		return err
	}
	kb, err := e.knowledgeBase()
	if err != nil {
		return err
	}
	issues := kb.Issues()
	if *asJSON {
		if issues == nil {
			issues = []knowledge.IssueSummary{}
		}
		return writeJSON(e.stdout, issues)
	}
	if len(issues) == 0 {
		fmt.Fprintln(e.stdout, "知识库中的文章都没有注明期号。")
		return nil
	}
	table := [][]string{{"期号", "文章", "来源", ""}}
	for _, s := range issues {
		latest := ""
		if s.Latest {
			latest = "最新一期"
		}
		table = append(table, []string{s.Name, strconv.Itoa(s.Articles), strings.Join(s.Sources, "、"), latest})
	}
	return writeTable(e.stdout, table)
}

// chunkRow is one chunk of kbot chunks --json.
type chunkRow struct {
	ID        string `json:"id"`
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
	Author    string `json:"author"`
	Heading   string `json:"heading"`
	Text      string `json:"text"`
}

func cmdChunks(e *env, args []string) error {
	fs := flag.NewFlagSet("chunks", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print chunks as JSON")
	article := fs.String("article", "", "only the chunks of this article `ID`")
	if _, err := e.parse(fs, args, `chunks [--json] [--article ID]`); err != nil {
		return err
	}
	kb, err := e.knowledgeBase()
	if err != nil {
		return err
	}
	idx := kb.Index()
	if *article != "" {
		if _, ok := idx.Article(*article); !ok {
			return usageError{fmt.Sprintf("no article with ID %q (kbot articles lists them)", *article)}
		}
	}
	rows := []chunkRow{}
	for _, c := range idx.Chunks() {
		if *article != "" && c.ArticleID != *article {
			continue
		}
		a, _ := idx.Article(c.ArticleID)
		rows = append(rows, chunkRow{c.ID, c.ArticleID, a.Title, a.Author, c.Heading, c.Text})
	}
	if *asJSON {
		return writeJSON(e.stdout, rows)
	}
	for _, r := range rows {
		fmt.Fprintf(e.stdout, "── %s 《%s》", r.ID, r.Title)
		if r.Heading != "" {
			fmt.Fprintf(e.stdout, " 〔%s〕", r.Heading)
		}
		fmt.Fprintf(e.stdout, "\n%s\n\n", r.Text)
	}
	return nil
}

func cmdIngest(e *env, args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if _, err := e.parse(fs, args, `ingest [--json]`); err != nil {
		return err
	}
	kb, err := e.knowledgeBase()
	if err != nil {
		return err
	}
	// When opening had to build the index, that build is the ingest.
	rep, built := kb.Built()
	if !built {
		if rep, err = kb.Reload(e.ctx); err != nil {
			return err
		}
	}
	if *asJSON {
		// Lists are [] in JSON, never null.
		for _, l := range []*[]string{&rep.ArticlesAdded, &rep.ArticlesChanged, &rep.ArticlesRemoved} {
			if *l == nil {
				*l = []string{}
			}
		}
		return writeJSON(e.stdout, rep)
	}
	fmt.Fprint(e.stdout, FormatReport(rep))
	return nil
}

// FormatReport renders an ingest report for people.
func FormatReport(r knowledge.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "索引完成：%d 篇文章，%d 个段落（新嵌入 %d，缓存 %d），用时 %s\n",
		r.Articles, r.Chunks, r.ChunksEmbedded, r.ChunksCached, r.Took.Round(1e6))
	list := func(label string, titles []string) {
		fmt.Fprintf(&b, "%s %d", label, len(titles))
		if len(titles) > 0 {
			fmt.Fprintf(&b, "：%s", strings.Join(quoteTitles(titles), "、"))
		}
		b.WriteString("\n")
	}
	list("新增", r.ArticlesAdded)
	list("修改", r.ArticlesChanged)
	list("删除", r.ArticlesRemoved)
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "警告：%s\n", w)
	}
	return b.String()
}

func quoteTitles(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = "《" + t + "》"
	}
	return out
}
