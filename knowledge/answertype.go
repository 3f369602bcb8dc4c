package knowledge

import (
	"regexp"
	"strings"

	"kbot/knowledge/cjk"
	"kbot/knowledge/whitespace"
)

// A question that asks who holds a post (…的党委书记叫什么名字？) can only
// be answered by a passage that names someone at that post. Retrieval
// finds the right article either way — it speaks of the post — so the
// check looks at what stands next to the post in the passages: a name
// (支部书记李林森, 李林森书记), or only words (社区书记任组长, 党委书记).

var (
	asksName  = regexp.MustCompile(`叫什么名字|叫啥名字|叫什么|叫啥|名字|姓名|是谁|哪位|什么人`)
	asksOther = regexp.MustCompile(`作者|写的|撰写|署名|出自`)
)

// posts are the titles a question may ask the holder of, longest first
// where one contains another.
var posts = []string{
	"负责人", "书记", "主任", "部长", "组长", "县长", "市长", "区长", "镇长", "乡长", "村长",
	"校长", "院长", "局长", "厂长", "所长", "社长", "站长", "队长", "会长", "经理", "主席",
}

// notNameBefore are characters that end an organisation or a qualifier
// rather than a name when they stand right before a post (党委书记,
// 村书记, 副书记, 第一书记).
const notNameBefore = "委部区村镇乡县市省社站队组会局院校厂所处科室支总副第一二三四五六七八九十的和与及、党团街道司企协"

// notNameAfter are characters that, right after a post, begin a verb or a
// function word rather than a name (书记指出, 书记要, 书记的).
const notNameAfter = "要的在和与及等是为对把将有也都就到领进汇提指强调考视关重系抓处协作职们培坚发挥带头亲先说表同当讲兼担"

// holderNamed reports whether some passage names a holder of post.
func holderNamed(post string, passages []string) bool {
	for _, p := range passages {
		rs := []rune(whitespace.RemoveInLines(p))
		pr := []rune(post)
		for i := 0; i+len(pr) <= len(rs); i++ {
			if string(rs[i:i+len(pr)]) != post {
				continue
			}
			if nameAfter(rs[i+len(pr):]) || nameBefore(rs[:i]) {
				return true
			}
		}
	}
	return false
}

// nameAfter reports whether rs starts with something that reads as a
// personal name: two Han characters that begin neither a verb nor
// another post ("任组长" is "serves as head", not a name).
func nameAfter(rs []rune) bool {
	if len(rs) < 2 || !cjk.IsHan(rs[0]) || !cjk.IsHan(rs[1]) {
		return false
	}
	if strings.ContainsRune(notNameAfter, rs[0]) {
		return false
	}
	rest := string(rs[1:min(len(rs), 5)])
	for _, p := range posts {
		if strings.HasPrefix(rest, p) || strings.HasPrefix(string(rs), p) {
			return false
		}
	}
	for _, w := range []string{"副", "兼", "为", "主"} {
		if strings.HasPrefix(rest, w) {
			return false
		}
	}
	return true
}

// nameBefore reports whether rs ends with something that reads as a
// personal name right before a post (李林森书记).
func nameBefore(rs []rune) bool {
	n := len(rs)
	if n < 2 || !cjk.IsHan(rs[n-1]) || !cjk.IsHan(rs[n-2]) {
		return false
	}
	return !strings.ContainsRune(notNameBefore, rs[n-1]) && !strings.ContainsRune(notNameBefore, rs[n-2])
}

// unnamedHolder returns the post a question asks the holder of when no
// passage names one, or "".
func unnamedHolder(question string, results []Result) string {
	q := whitespace.RemoveInLines(question)
	if !asksName.MatchString(q) || asksOther.MatchString(q) {
		return ""
	}
	post := ""
	for _, p := range posts {
		if strings.Contains(q, p) {
			post = p
			break
		}
	}
	if post == "" {
		return ""
	}
	var passages []string
	for _, r := range results {
		passages = append(passages, r.Chunk.Text)
		// The byline names a holder too: 永吉县委常委、组织部长陈雪松.
		if r.Article.AuthorPost != "" && r.Article.Author != "" {
			passages = append(passages, r.Article.AuthorPost+r.Article.Author)
		}
	}
	if holderNamed(post, passages) {
		return ""
	}
	return post
}

var asksNumber = regexp.MustCompile(`多少|几(个|名|人|次|项|家|户|万|千|百|年|天|批|所|条|种)|数量|规模|覆盖了`)

// answerType is what kind of answer a question wants, as far as the
// extractive answer can tell.
type answerType struct {
	// post is set when the question asks who holds it.
	post string
	// number is true when the question asks for a figure.
	number bool
}

func wantedAnswer(question string) answerType {
	q := whitespace.RemoveInLines(question)
	var w answerType
	if asksName.MatchString(q) && !asksOther.MatchString(q) {
		for _, p := range posts {
			if strings.Contains(q, p) {
				w.post = p
				break
			}
		}
	}
	w.number = asksNumber.MatchString(q)
	return w
}

// hasFigure reports whether s states a figure: digits, or a Chinese
// numeral before a measure word.
func hasFigure(s string) bool {
	for _, r := range s {
		if r >= '0' && r <= '9' {
			return true
		}
	}
	return chineseFigure.MatchString(s)
}

var chineseFigure = regexp.MustCompile(`[一二两三四五六七八九十百千万]+(个|名|人|次|项|家|户|年|天|批|所|条|种|万|亿|元)`)
