package knowledge

import (
	"regexp"
	"strconv"
	"strings"

	"kbot/knowledge/cjk"
	"kbot/knowledge/whitespace"
)

// analysis is what a question asks for and what it pins down, read with
// general Chinese patterns and what the collection itself knows (its
// counties, the places, people and months its articles mention, its
// authors and their posts, its terms).
type analysis struct {
	// q is the question without white space.
	q    string
	kind answerKind
	// units are the units a number question wants (元, 岁, %), nil for
	// any figure.
	units []string
	// counties are the counties or districts the question names, umbrella
	// places (the city over them) left out.
	counties []string
	// places are the other places the question names (三梁村, 四平市),
	// known or not; unknown are those the collection never mentions.
	places  []string
	unknown []string
	// readings are, for each of places, the spellings the collection
	// knows (none for an unknown place).
	readings [][]string
	// people are the persons the collection knows that the question
	// names.
	people []string
	// post is the post a person question asks the holder of ("" for
	// none); org is the organisation before it (市委, 支部, 党委) and
	// postPlace the place it belongs to.
	post, org, postPlace string
	// months, years and relative are the times the question names: 2020
	// 年 10 月, 2019 年, 明天.
	months   []yearMonth
	years    []int
	relative []string
	// article is set when the question names an article, by its title or
	// by its author's post; articles are the matching ones (none: the
	// article does not exist). mentioned is a quoted title that is not an
	// article's but that articles mention (a document).
	article   bool
	articles  []int
	mentioned string
	// terms are the question's content terms; focus those outside what
	// it pins down: what it asks about the places, people and times.
	terms, focus []string
	focusText    string
	// focusUnseen is the share of the focus's characters no indexed term
	// covers (0 when the question asks nothing beyond what it pins down).
	focusUnseen float64
	// unseen is the share of the question's content characters that no
	// indexed term covers: words the collection has never used.
	unseen float64
}

// relativeTimes name a day or week by its distance from today. The
// collection records what happened; a question about such a time is
// answered only by an article that uses the same word. (明年, 今年 and
// 下个月 are left alone: a reader asks them in the time of the issue,
// as its articles speak.)
var relativeTimes = regexp.MustCompile(`明天|后天|昨天|前天|今天|下周|上周|本周|这周|周末`)

// articleCue marks a question that refers to an article.
var articleCue = regexp.MustCompile(`文章|稿子|署名|发表|撰文|一文|那篇|这篇|哪篇|写了|写的`)

var monthNamed = regexp.MustCompile(`(?:^|[^0-9年])([0-9]{1,2})月`)

// analyze reads question q.
func (x *Index) analyze(question string) analysis {
	q := normalisePosts(whitespace.Remove(question))
	a := analysis{q: q, kind: kindOf(q)}
	if a.kind == kindNumber {
		a.units = figureUnit(q)
	}
	mask := make([]bool, len([]rune(q)))
	markAll := func(s string) {
		rs, sr := []rune(q), []rune(s)
		for i := 0; i+len(sr) <= len(rs); i++ {
			if string(rs[i:i+len(sr)]) == s {
				for j := i; j < i+len(sr); j++ {
					mask[j] = true
				}
			}
		}
	}
	// Counties, by any spelling the gazetteer knows.
	for _, c := range x.places.find(q) {
		if !x.places.umbrella[c] {
			a.counties = append(a.counties, c)
		}
	}
	for _, al := range x.places.aliases {
		if strings.Contains(q, al) {
			markAll(al)
		}
	}
	// Other places: a name before a place suffix.
	for _, p := range x.placesNamed(q) {
		if x.places.resolve(p.name) != "" {
			continue
		}
		a.places = append(a.places, p.name)
		a.readings = append(a.readings, p.readings)
		if !p.known {
			a.unknown = append(a.unknown, p.name)
		}
		markAll(p.name)
	}
	// People the collection knows.
	for name := range x.lex.people {
		if strings.Contains(q, name) {
			a.people = append(a.people, name)
			markAll(name)
		}
	}
	// Times.
	for _, m := range fullDate.FindAllStringSubmatch(q, -1) {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		a.months = append(a.months, yearMonth{y, mo})
		markAll(m[0])
	}
	for _, m := range yearOnly.FindAllStringSubmatch(q, -1) {
		y, _ := strconv.Atoi(m[1])
		a.years = append(a.years, y)
		markAll(m[0])
	}
	if len(a.months) == 0 {
		for _, m := range monthNamed.FindAllStringSubmatch(q, -1) {
			mo, _ := strconv.Atoi(m[1])
			if mo >= 1 && mo <= 12 {
				a.months = append(a.months, yearMonth{0, mo})
			}
		}
	}
	for _, w := range relativeTimes.FindAllString(q, -1) {
		a.relative = append(a.relative, w)
		markAll(w)
	}
	// The post a person question asks about.
	if a.kind == kindPerson {
		a.post, a.org, a.postPlace = x.postAsked(q, a)
		if a.post != "" {
			markAll(a.org + a.post)
		}
	}
	// An article named by its title, or by its author's post.
	if m := quotedTitle.FindStringSubmatch(q); m != nil {
		markAll(m[0])
		if ai, ok := x.articleByTitle(m[1]); ok {
			a.article, a.articles = true, []int{x.articleAt[ai.ID]}
		} else if x.mentions(m[1]) {
			a.mentioned = m[1]
		} else {
			a.article = true
		}
	} else if articleCue.MatchString(q) {
		if post, arts, ok := x.articlesByPost(q, a); ok {
			a.article, a.articles = true, arts
			markAll(post)
		}
	}
	// A column named in the question (卷首语, 理论评论) pins its articles.
	if !a.article {
		for i, art := range x.articles {
			if sec := whitespace.Remove(art.Section); runeLen(sec) >= 2 && strings.Contains(q, sec) {
				a.articles = append(a.articles, i)
				markAll(sec)
			}
		}
		a.article = len(a.articles) > 0
	}
	// What asks for the kind of answer is not content.
	for _, re := range []*regexp.Regexp{asksOutline, asksNumber, asksDate, asksPlace, asksName, asksMethod} {
		for _, m := range re.FindAllString(q, -1) {
			markAll(m)
		}
	}
	// Terms: all of the question's content, and the focus outside what
	// it pins down.
	content := queryText(q)
	a.terms = uniqueTerms(termsOf(content))
	rs := []rune(q)
	var focus strings.Builder
	for i, r := range rs {
		if mask[i] {
			focus.WriteString("，")
		} else {
			focus.WriteRune(r)
		}
	}
	a.focusText = queryText(focus.String())
	a.focus = uniqueTerms(termsOf(a.focusText))
	a.unseen = x.unseenShare(content)
	a.focusUnseen = x.unseenShare(a.focusText)
	return a
}

type placeName struct {
	// name is the longest reading the collection knows, or for an unknown
	// place its longest reading; readings are all the readings the
	// collection knows.
	name     string
	known    bool
	readings []string
}

// strongSuffixes end only place names (…市, …县); a weak suffix (村, 镇,
// 乡, 社区, 街道) also ends common words (联村, 改造村路), so a reading
// ending in one counts as an unknown place only when neither its name
// nor the name's last character with the suffix is a term of the
// collection.
const strongSuffixes = "市县区省州盟旗"

// placesNamed returns the places q names with an administrative suffix:
// for 舒兰三梁村 that is 三梁村 (the collection mentions it), for 四平市
// 四平市, unknown.
func (x *Index) placesNamed(q string) []placeName {
	rs := []rune(q)
	var out []placeName
	for i := range rs {
		suf := suffixAt(rs, i)
		if suf == 0 {
			continue
		}
		start := i - suf + 1
		if suf == 1 && start >= 1 && genericPlaceWords[string(rs[start-1:i+1])] {
			continue
		}
		var readings []string
		for k := 2; k <= 4 && start-k >= 0; k++ {
			if !nameRunes(rs[start-k : start]) {
				break
			}
			readings = append(readings, string(rs[start-k:i+1]))
		}
		if len(readings) == 0 {
			continue
		}
		p := placeName{}
		for _, r := range readings {
			if x.lex.knownPlace(r) || x.places.resolve(r) != "" {
				p.known = true
				p.name = r
				p.readings = append(p.readings, r)
			}
		}
		if p.known {
			out = append(out, p)
			continue
		}
		strong := suf == 1 && strings.ContainsRune(strongSuffixes, rs[i])
		if !strong && (x.keywords.known(string(rs[start-2:start])) || x.keywords.known(string(rs[start-1:start+1]))) {
			continue
		}
		p.name = readings[len(readings)-1]
		out = append(out, p)
	}
	return out
}

// genericPlaceWords end in a place suffix without naming a place.
var genericPlaceWords = map[string]bool{
	"城区": true, "辖区": true, "园区": true, "小区": true, "片区": true, "山区": true, "矿区": true,
	"街区": true, "新区": true, "地区": true, "市区": true, "郊区": true, "城市": true, "都市": true,
	"超市": true, "上市": true, "县区": true, "县市": true, "乡村": true, "农村": true, "城乡": true,
	"城镇": true, "乡镇": true, "村村": true, "误区": true, "盲区": true, "专区": true, "分区": true,
	"校区": true, "营区": true, "考区": true, "社区": true, "景区": true, "反省": true, "节省": true,
}

// orgRunes are the characters of the organisation words written before
// a post (区委, 党支部, 组织部, 村): the organisation asked about is the
// run of them right before the post.
const orgRunes = "省市县区委党支部总工村社镇乡街道组织团机关"

// postAsked finds the post a person question asks the holder of, the
// organisation written before it and the place that organisation
// belongs to: the place named last before the post.
func (x *Index) postAsked(q string, a analysis) (post, org, place string) {
	rs := []rune(q)
	// The post asked about is the last one named: 第一书记协会的会长.
	for i := len(rs) - 1; i >= 0; i-- {
		for _, p := range posts {
			if !strings.HasPrefix(string(rs[i:]), p) {
				continue
			}
			j := i
			for j > 0 && strings.ContainsRune(orgRunes, rs[j-1]) && i-j < 6 {
				j--
			}
			org = string(rs[j:i])
			before := string(rs[:i])
			at := -1
			var names []string
			names = append(names, a.places...)
			names = append(names, a.counties...)
			names = append(names, x.places.aliases...)
			for _, name := range names {
				if k := strings.LastIndex(before, name); k >= 0 && k+len(name) > at {
					at, place = k+len(name), name
				}
			}
			if place != "" {
				// 船营区委: the place's suffix belongs to the organisation.
				if pr := []rune(place); strings.HasPrefix(before[at:], "委") {
					org = string(pr[len(pr)-1]) + before[at:]
				} else if at == len(before) {
					// 双顶子村书记: the 村 was the place's.
					org = ""
				}
				if canon := x.places.resolve(place); canon != "" {
					place = canon
				}
			}
			return p, org, place
		}
	}
	return "", "", ""
}

// articlesByPost finds the articles a question refers to by their
// author's post (X区委组织部长这期的文章): the post must be one that
// some author holds. ok is false when the question names no such post.
func (x *Index) articlesByPost(q string, a analysis) (post string, arts []int, ok bool) {
	for _, p := range posts {
		if !strings.Contains(q, p) {
			continue
		}
		held := false
		for i, art := range x.articles {
			ap := normalisePosts(art.AuthorPost)
			if ap == "" || !strings.Contains(ap, p) {
				continue
			}
			held = true
			if x.postMatchesPlace(art, ap, a) {
				arts = append(arts, i)
			}
		}
		if held {
			return p, arts, true
		}
	}
	return "", nil, false
}

// postMatchesPlace reports whether an article's author post belongs to
// the place the question names (any, when it names none).
func (x *Index) postMatchesPlace(art Article, authorPost string, a analysis) bool {
	named := append(append([]string{}, a.counties...), a.places...)
	if len(named) == 0 {
		return true
	}
	for _, n := range named {
		if contains(art.Regions, n) || strings.Contains(authorPost, n) {
			return true
		}
		if short := x.shortName(n); short != "" && strings.Contains(authorPost, short) {
			return true
		}
	}
	return false
}

// mentions reports whether some article's text contains s.
func (x *Index) mentions(s string) bool {
	s = whitespace.Remove(s)
	for _, t := range x.lex.text {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// unseenShare is the share of the Han characters of text that no term
// of the index covers: a character is covered when a bigram it is part
// of, within its run, occurs in the index.
func (x *Index) unseenShare(text string) float64 {
	// Function characters join words without being one: 翻身的 holds
	// no unknown word.
	text = functionChars.Replace(text)
	total, unseen := 0, 0
	for _, run := range hanRuns(text) {
		if len(run) == 1 {
			total++
			if len(x.keywords.postings[string(run)]) == 0 {
				unseen++
			}
			continue
		}
		known := make([]bool, len(run)-1)
		for i := 0; i+1 < len(run); i++ {
			known[i] = len(x.keywords.postings[string(run[i:i+2])]) > 0
		}
		for i := range run {
			total++
			if !(i > 0 && known[i-1] || i < len(known) && known[i]) {
				unseen++
			}
		}
	}
	if total == 0 {
		return 0
	}
	return float64(unseen) / float64(total)
}

var functionChars = func() *strings.Replacer {
	var pairs []string
	for _, r := range "的了是在和与及或也都就又还吗呢吧啊呀么着过被把将对从向给为以于而并且即个" {
		pairs = append(pairs, string(r), "，")
	}
	return strings.NewReplacer(pairs...)
}()

// hanRuns splits text into its runs of Han characters.
func hanRuns(text string) [][]rune {
	var out [][]rune
	var run []rune
	for _, r := range text {
		if cjk.IsHan(r) {
			run = append(run, r)
			continue
		}
		if len(run) > 0 {
			out = append(out, run)
			run = nil
		}
	}
	if len(run) > 0 {
		out = append(out, run)
	}
	return out
}
