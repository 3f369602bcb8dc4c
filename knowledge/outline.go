package knowledge

import (
	"fmt"
	"regexp"
	"strings"

	"kbot/knowledge/whitespace"
)

// A question that asks for an article's main points (归纳起来讲了哪几点,
// 主要讲了什么, 大概说说) is best answered by the article's outline: the
// first passage under each of its top-level headings (一、二、三、…), in
// order. Passages that merely share the question's words come after.

var asksOutline = regexp.MustCompile(`归纳|概括|总结|主要(讲|内容|说|谈)|讲了(哪|什么|些)|哪几(点|层|个方面|部分)|几层意思|大概说说|要点|有哪些方面`)

// outline reorders results for an outline question: the first passage of
// each top-level heading of the best result's article, in article order,
// then the other results. ok is false when the question does not ask for
// an outline or the article has fewer than two top-level headings.
func (x *Index) outline(question string, results []Result, k int) (out []Result, ok bool) {
	if len(results) == 0 || !asksOutline.MatchString(whitespace.RemoveInLines(question)) {
		return results, false
	}
	top := results[0]
	ai, found := x.articleAt[top.Article.ID]
	if !found {
		return results, false
	}
	var heads []Result
	seen := map[string]bool{}
	for i, c := range x.chunks {
		if x.chunkArticle[i] != ai {
			continue
		}
		first, _, _ := strings.Cut(c.Heading, " / ")
		if first == "" || headingLevel(first) != 1 || seen[first] {
			continue
		}
		seen[first] = true
		heads = append(heads, Result{Chunk: c, Article: top.Article, Coverage: top.Coverage, Similarity: top.Similarity})
	}
	if len(heads) < 2 {
		return results, false
	}
	taken := map[string]bool{}
	for _, h := range heads {
		taken[h.Chunk.ID] = true
	}
	out = heads
	for _, r := range results {
		if !taken[r.Chunk.ID] {
			out = append(out, r)
		}
	}
	if len(out) > k {
		out = out[:k]
	}
	for i := range out {
		out[i].Rank = i + 1
		// Scores keep their order: outline passages rank first.
		out[i].Score = float64(len(out) - i)
	}
	return out, true
}

// outlineAnswer lists the outline's headings, each citing its passage.
func outlineAnswer(results []Result) Answer {
	var b strings.Builder
	a := results[0].Article
	var cites []Citation
	for _, r := range results {
		first, _, _ := strings.Cut(r.Chunk.Heading, " / ")
		if r.Article.ID != a.ID || first == "" || headingLevel(first) != 1 {
			break
		}
		n := len(cites) + 1
		cites = append(cites, citationOf(n, r))
		fmt.Fprintf(&b, "\n%s[%d]", strings.TrimSpace(first), n)
	}
	head := fmt.Sprintf("《%s》分%d个部分：", a.Title, len(cites))
	return Answer{Text: head + b.String(), Citations: cites, Mode: ModeExtractive}
}
