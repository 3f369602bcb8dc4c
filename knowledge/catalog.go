package knowledge

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"kbot/knowledge/whitespace"
)

// Questions about the collection itself — who wrote an article, which
// articles there are, which counties have articles, what someone wrote —
// are answered from the article table, not from top-k passages.

var (
	quotedTitle = regexp.MustCompile(`《([^》]{2,80})》`)
	asksWho     = regexp.MustCompile(`谁写|作者|哪个(村|单位|部门|镇|社区|人)?写|哪位|谁的|出自`)
	asksList    = regexp.MustCompile(`(有|收录|包括|包含)(了)?哪些(文章|稿子|内容)|文章(目录|列表|清单)|(本期|这期)(都)?(有|讲了|讲)(什么|哪些)`)
	asksRegions = regexp.MustCompile(`哪些(区县|县区|县市区|县（市）区|地区|地方|区|县)`)
	asksTitleOf = regexp.MustCompile(`题目|标题|哪篇|什么文章|写了(什么|啥|哪些)|发了(什么|啥|哪些)|的文章|的稿子`)
)

// catalogAnswer answers a question about the collection from the article
// table. ok is false when the question is not of that kind.
func (x *Index) catalogAnswer(question string) (ans Answer, results []Result, ok bool) {
	q := whitespace.RemoveInLines(question)
	if m := quotedTitle.FindStringSubmatch(q); m != nil && asksWho.MatchString(q) {
		if a, found := x.articleByTitle(m[1]); found {
			r := x.leadResult(a)
			text := fmt.Sprintf("《%s》", a.Title)
			switch {
			case a.Author == "":
				text += "没有署名作者[1]。"
			default:
				text += "的作者是" + a.Byline() + "[1]。"
			}
			return Answer{Text: text, Citations: []Citation{citationOf(1, r)}, Mode: ModeCatalog}, []Result{r}, true
		}
	}
	if a, ok := x.postHolder(q); ok {
		r := x.leadResult(a)
		text := fmt.Sprintf("%s是%s[1]，本期收录其文章《%s》。", a.AuthorPost, a.Author, a.Title)
		return Answer{Text: text, Citations: []Citation{citationOf(1, r)}, Mode: ModeCatalog}, []Result{r}, true
	}
	if asksList.MatchString(q) {
		return x.listAnswer(x.articles, "本期共有%d篇文章："), nil, true
	}
	if asksRegions.MatchString(q) && strings.Contains(q, "文章") || asksRegions.MatchString(q) && strings.Contains(q, "稿") {
		return x.regionsAnswer(), nil, true
	}
	if asksTitleOf.MatchString(q) {
		if arts := x.articlesByAuthorIn(q); len(arts) > 0 {
			var results []Result
			var cites []Citation
			var b strings.Builder
			b.WriteString(arts[0].Byline() + "的文章：")
			for i, a := range arts {
				r := x.leadResult(a)
				results = append(results, r)
				cites = append(cites, citationOf(i+1, r))
				if i > 0 {
					b.WriteString("；")
				}
				fmt.Fprintf(&b, "《%s》[%d]", a.Title, i+1)
			}
			b.WriteString("。")
			return Answer{Text: b.String(), Citations: cites, Mode: ModeCatalog}, results, true
		}
	}
	return Answer{}, nil, false
}

// articleByTitle finds the article whose title matches t, ignoring spaces;
// an exact match wins over a title that contains t.
func (x *Index) articleByTitle(t string) (Article, bool) {
	t = whitespace.RemoveInLines(t)
	var partial []Article
	for _, a := range x.articles {
		at := whitespace.RemoveInLines(a.Title)
		if at == t {
			return a, true
		}
		if strings.Contains(at, t) || strings.Contains(t, at) {
			partial = append(partial, a)
		}
	}
	if len(partial) == 1 {
		return partial[0], true
	}
	return Article{}, false
}

// articlesByAuthorIn returns the articles of the one author named in q.
func (x *Index) articlesByAuthorIn(q string) []Article {
	best := ""
	for _, a := range x.articles {
		name := whitespace.RemoveInLines(a.Author)
		if len([]rune(name)) >= 2 && strings.Contains(q, name) && len(name) > len(best) {
			best = name
		}
	}
	if best == "" {
		return nil
	}
	var out []Article
	for _, a := range x.articles {
		if whitespace.RemoveInLines(a.Author) == best {
			out = append(out, a)
		}
	}
	return out
}

// leadResult is an article's first passage as a result, for citations of
// answers about the article as a whole.
func (x *Index) leadResult(a Article) Result {
	r := Result{Rank: 1, Score: 1, Article: a, Coverage: 1, Similarity: 1}
	for i, c := range x.chunks {
		if x.chunkArticle[i] == x.articleAt[a.ID] {
			r.Chunk = c
			break
		}
	}
	return r
}

func (x *Index) listAnswer(arts []Article, head string) Answer {
	var b strings.Builder
	fmt.Fprintf(&b, head, len(arts))
	for i, a := range arts {
		fmt.Fprintf(&b, "\n%d. 《%s》", i+1, a.Title)
		if by := a.Byline(); by != "" {
			b.WriteString("— " + by)
		}
	}
	return Answer{Text: b.String(), Citations: []Citation{}, Mode: ModeCatalog}
}

func (x *Index) regionsAnswer() Answer {
	count := map[string]int{}
	for _, a := range x.articles {
		for _, r := range a.Regions {
			count[r]++
		}
	}
	names := x.Regions()
	sort.SliceStable(names, func(i, j int) bool { return count[names[i]] > count[names[j]] })
	var b strings.Builder
	fmt.Fprintf(&b, "本期有文章或动态涉及%d个县（市）区：", len(names))
	for i, n := range names {
		if i > 0 {
			b.WriteString("、")
		}
		fmt.Fprintf(&b, "%s（%d篇）", n, count[n])
	}
	b.WriteString("。")
	return Answer{Text: b.String(), Citations: []Citation{}, Mode: ModeCatalog}
}

// postHolder finds the author whose post the question asks about: the
// question asks who holds a post, names the author's county or district,
// and the author's post (永吉县委常委、组织部长) includes the post asked.
func (x *Index) postHolder(q string) (Article, bool) {
	if !asksName.MatchString(q) || asksOther.MatchString(q) {
		return Article{}, false
	}
	var found []Article
	for _, a := range x.articles {
		if a.AuthorPost == "" || a.Author == "" || len(a.Regions) == 0 {
			continue
		}
		post := whitespace.RemoveInLines(a.AuthorPost)
		region := a.Regions[0]
		short := x.shortName(region)
		if !strings.Contains(q, region) && (short == "" || !strings.Contains(q, short)) {
			continue
		}
		for _, p := range posts {
			if strings.Contains(q, p) && strings.Contains(post, p) {
				found = append(found, a)
				break
			}
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return Article{}, false
}

// shortName returns the short form the gazetteer knows for a region
// (永吉 for 永吉县), or "".
func (x *Index) shortName(region string) string {
	for alias, name := range x.places.alias {
		if name == region && alias != region {
			return alias
		}
	}
	return ""
}
