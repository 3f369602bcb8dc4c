package llm

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sashabaranov/go-openai"

	"kbot/knowledge"
)

// Rewrite returns q as a standalone question. When q.History is empty or
// q.Text does not lean on an earlier turn (see Elliptical), it returns
// q.Text without calling the model. Otherwise it asks the model once,
// without streaming, and returns the rewrite; a rewrite that is empty,
// too long or not Chinese is discarded in favour of q.Text. When the call
// fails, or does not answer before the fallback reserve of ctx's deadline,
// it returns q.Text together with an *Error, so the caller may go on with
// the original question.
func (w *Writer) Rewrite(ctx context.Context, q knowledge.Question) (string, error) {
	if len(q.History) == 0 || !Elliptical(q.Text) {
		return q.Text, nil
	}
	ctx, cancel := withReserve(ctx)
	defer cancel()
	req := w.request([]openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: rewriteRules},
		{Role: openai.ChatMessageRoleUser, Content: buildRewriteMessage(q)},
	}, rewriteMaxTokens)
	raw, err := w.complete(ctx, opRewrite, req, nil, nil)
	if err != nil {
		return q.Text, err
	}
	rw, ok := cleanRewrite(raw, q.Text)
	if !ok {
		w.log.Warn("rewrite discarded", "runes", utf8.RuneCountInString(raw))
		w.m.failures.WithLabelValues(opRewrite, string(KindGarbled)).Inc()
		return q.Text, nil
	}
	return rw, nil
}

// maxRewriteRunes bounds a rewritten question.
const maxRewriteRunes = 120

// rewritePrefixRE matches labels a model may put before its rewrite.
var rewritePrefixRE = regexp.MustCompile(`^(?:改写后的问题|改写后|改写|问题|独立问题)\s*[:：]\s*`)

// cleanRewrite extracts the question from a model's rewrite and reports
// whether it is fit to use.
func cleanRewrite(raw, orig string) (string, bool) {
	s := strings.TrimSpace(stripThinking(raw))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	s = rewritePrefixRE.ReplaceAllString(s, "")
	s = strings.Trim(s, "“”\"'「」 ")
	n := utf8.RuneCountInString(s)
	if n == 0 || n > max(maxRewriteRunes, 2*utf8.RuneCountInString(orig)) {
		return "", false
	}
	han := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	if han == 0 {
		return "", false
	}
	for _, t := range blockTags {
		if strings.Contains(s, t) {
			return "", false
		}
	}
	return s, true
}

// shortQuestionRunes is the length up to which a question is taken for a
// fragment of a conversation (“永吉县呢？”, “具体措施”).
const shortQuestionRunes = 6

// notAnaphora are words that contain a referring character without
// referring back (其他 is not 其, 应该 is not 该).
var notAnaphora = strings.NewReplacer(
	"其他", "", "其它", "", "其中", "", "其实", "", "其余", "", "尤其", "", "极其", "",
	"与其", "", "其次", "", "应该", "", "该当", "", "那么多", "", "刹那", "",
	"他人", "", "他乡", "", "吉他", "",
)

// referring are words that point back to something said before.
var referring = []string{
	"它", "他", "她", "这个", "那个", "这些", "那些", "这项", "那项", "这位", "那位",
	"这种", "那种", "这里", "那里", "这方面", "那方面", "上述", "前者", "后者", "此事",
	"该", "其", "还有呢", "还有吗", "还有哪些", "还有什么", "另外呢", "然后呢", "接着呢", "具体呢",
}

// ellipticalRE matches “那……呢” and other questions opening with a
// connective that continues a previous turn.
var ellipticalRE = regexp.MustCompile(`^(?:那|那么|还有|另外|以及|同样)[^。！？]*[。！？?]?$|^[^。！？]{0,12}呢[？?]?$`)

// Elliptical reports whether question leans on an earlier turn: it refers
// back (它、他们、这个、该、其), continues with 还有呢 or 那……呢, or is a
// fragment of at most a few characters.
func Elliptical(question string) bool {
	s := strings.TrimSpace(question)
	if s == "" {
		return false
	}
	core := strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	if utf8.RuneCountInString(core) <= shortQuestionRunes {
		return true
	}
	if ellipticalRE.MatchString(s) {
		return true
	}
	stripped := notAnaphora.Replace(s)
	for _, w := range referring {
		if strings.Contains(stripped, w) {
			return true
		}
	}
	return false
}
