package llm

import (
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"kbot/knowledge"
)

// thinkRE matches the reasoning some models (Qwen3, DeepSeek-R1 behind
// some servers) put inline before the answer.
var thinkRE = regexp.MustCompile(`(?s)<think>.*?</think>`)

// openMarkerRE matches a citation marker still being written at the end of
// a partial answer.
var openMarkerRE = regexp.MustCompile(`[\[【［][^\]】］\n]{0,12}$`)

// blockTags are the prompt's delimiters; a reply containing one is echoing
// the prompt.
var blockTags = []string{
	"<" + tagPassages, "</" + tagPassages, "<passage ", "</passage",
	"<" + tagQuestion, "</" + tagQuestion, "<" + tagHistory, "</" + tagHistory,
	"<" + tagFollowup, "</" + tagFollowup,
}

// stripThinking removes inline reasoning; text after an unclosed <think>
// is all reasoning.
func stripThinking(s string) string {
	s = thinkRE.ReplaceAllString(s, "")
	if i := strings.Index(s, "<think>"); i >= 0 {
		s = s[:i]
	}
	return s
}

// usable returns the answer in raw, or an *Error of kind KindEmpty or
// KindGarbled when it cannot be shown to a user.
func (w *Writer) usable(raw string) (string, error) {
	text := strings.TrimSpace(stripThinking(raw))
	if text == "" {
		return "", &Error{Op: opWrite, Kind: KindEmpty, Err: errors.New("reply is empty")}
	}
	if why := w.garbled(text); why != "" {
		return "", &Error{Op: opWrite, Kind: KindGarbled, Err: errors.New(why)}
	}
	return text, nil
}

// garbled says why text is unusable, or returns "".
func (w *Writer) garbled(text string) string {
	if why := w.leak(text); why != "" {
		return why
	}
	if strings.HasPrefix(text, "```") || (strings.HasPrefix(text, "{") && strings.HasSuffix(text, "}")) {
		return "reply is code or JSON, not an answer"
	}
	han, letters, bad := 0, 0, 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			letters++
		case unicode.IsLetter(r):
			letters++
		case r == utf8.RuneError:
			bad++
		}
	}
	switch {
	case han < 2 || han*5 < letters:
		return "reply is not in Chinese"
	case bad*20 > han:
		return "reply has broken characters"
	}
	return ""
}

// leak says why text would reveal what a user must not see (the key, the
// prompt's blocks, the system prompt), or returns "". Streamed text is
// checked with it before it is shown.
func (w *Writer) leak(text string) string {
	if len(w.apiKey) >= 8 && strings.Contains(text, w.apiKey) {
		return "reply contains the API key"
	}
	for _, t := range blockTags {
		if strings.Contains(text, t) {
			return "reply echoes the prompt's blocks"
		}
	}
	if leaksPrompt(text, w.system) {
		return "reply repeats the system prompt"
	}
	return ""
}

// leakLineRunes is the length from which a line of the system prompt found
// in a reply counts as a leak; shorter lines could match by chance.
const leakLineRunes = 16

// leaksPrompt reports whether text contains a long line of the system
// prompt, ignoring whitespace.
func leaksPrompt(text, system string) bool {
	norm := normalizeForMatch(text)
	for _, line := range strings.Split(system, "\n") {
		line = normalizeForMatch(line)
		if utf8.RuneCountInString(line) >= leakLineRunes && strings.Contains(norm, line) {
			return true
		}
	}
	return false
}

// partialText renders a growing streamed reply for display: reasoning and a
// marker still being written are hidden, and markers are checked and
// renumbered as the final answer's will be (first use fixes the numbers, so
// they do not change as the text grows).
func partialText(raw string, results []knowledge.Result) string {
	s := strings.TrimLeftFunc(stripThinking(raw), unicode.IsSpace)
	s = openMarkerRE.ReplaceAllString(s, "")
	if strings.TrimSpace(s) == "" {
		return ""
	}
	text, _, _ := checkCitations(s, results)
	return text
}
