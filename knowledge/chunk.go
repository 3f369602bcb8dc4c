package knowledge

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// ChunkOptions sizes chunks in characters (runes).
type ChunkOptions struct {
	// Size is the most characters a chunk holds, unless a single sentence
	// is longer, in which case that sentence is cut into Size pieces.
	Size int
	// Overlap is how many characters of whole trailing sentences a chunk
	// repeats from the one before it (at most; zero for none).
	Overlap int
}

// DefaultChunkOptions suit short Chinese passages: a few sentences each.
var DefaultChunkOptions = ChunkOptions{Size: 300, Overlap: 60}

// sentence is one sentence of an article body with its place in the
// heading structure.
type sentence struct {
	text    string
	heading string
	// paraStart is true for the first sentence of a paragraph: chunks join
	// it to the sentence before with "\n", as in the body.
	paraStart bool
	runes     int
}

// chunkArticle cuts an article body into chunks of whole sentences. Every
// sentence is whole in at least one chunk; a chunk never crosses a change
// of heading; chunk IDs depend only on the article ID and the chunk text.
func chunkArticle(a Article, opts ChunkOptions) []Chunk {
	if opts.Size <= 0 {
		opts.Size = DefaultChunkOptions.Size
	}
	if opts.Overlap < 0 || opts.Overlap >= opts.Size {
		opts.Overlap = 0
	}
	sents := splitBody(a.Body, opts.Size)
	var chunks []Chunk
	seen := map[string]int{}
	emit := func(group []sentence) {
		if len(group) == 0 {
			return
		}
		var b strings.Builder
		for i, s := range group {
			if i > 0 && s.paraStart {
				b.WriteByte('\n')
			}
			b.WriteString(s.text)
		}
		text := b.String()
		if strings.TrimSpace(text) == "" {
			return
		}
		id := chunkID(a.ID, text, seen[text])
		seen[text]++
		chunks = append(chunks, Chunk{
			ID:        id,
			ArticleID: a.ID,
			Seq:       len(chunks),
			Heading:   group[0].heading,
			Text:      text,
		})
	}

	var cur []sentence
	size := 0
	for i := 0; i < len(sents); i++ {
		s := sents[i]
		headingChanged := len(cur) > 0 && s.heading != cur[len(cur)-1].heading
		if len(cur) > 0 && (headingChanged || size+s.runes > opts.Size) {
			emit(cur)
			if headingChanged {
				cur, size = nil, 0
			} else {
				cur, size = overlapTail(cur, opts.Overlap, opts.Size-s.runes)
			}
		}
		cur = append(cur, s)
		size += s.runes
	}
	emit(cur)
	return chunks
}

// overlapTail keeps the trailing whole sentences of a finished chunk that
// fit in overlap characters and leave room for the next sentence.
func overlapTail(group []sentence, overlap, room int) ([]sentence, int) {
	if overlap > room {
		overlap = room
	}
	n, size := 0, 0
	for i := len(group) - 1; i > 0; i-- {
		if size+group[i].runes > overlap {
			break
		}
		size += group[i].runes
		n++
	}
	tail := append([]sentence(nil), group[len(group)-n:]...)
	return tail, size
}

func chunkID(articleID, text string, dup int) string {
	h := sha256.New()
	h.Write([]byte(articleID))
	h.Write([]byte{0})
	h.Write([]byte(text))
	if dup > 0 {
		h.Write([]byte{byte(dup), byte(dup >> 8)})
	}
	// Article ID (≤12) + "-" + 10 hex: short enough for Telegram callback data.
	aid := articleID
	if len(aid) > 12 {
		aid = aid[:12]
	}
	return aid + "-" + hex.EncodeToString(h.Sum(nil))[:10]
}

// splitBody splits a body into sentences, tracking the heading path.
// Sentences longer than max runes are cut into pieces of at most max.
func splitBody(body string, max int) []sentence {
	var out []sentence
	var h headingPath
	for _, para := range strings.Split(body, "\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		parts := splitSentences(para)
		if len(parts) > 0 {
			h.observe(parts[0])
		}
		heading := h.String()
		for i, p := range parts {
			for j, piece := range cutRunes(p, max) {
				out = append(out, sentence{
					text:      piece,
					heading:   heading,
					paraStart: i == 0 && j == 0,
					runes:     utf8.RuneCountInString(piece),
				})
			}
		}
	}
	return out
}

// cutRunes cuts s into pieces of at most max runes, preferring to cut after
// a comma or other pause in the last third of a piece.
func cutRunes(s string, max int) []string {
	if utf8.RuneCountInString(s) <= max {
		return []string{s}
	}
	var out []string
	r := []rune(s)
	for len(r) > max {
		cut := max
		for i := max - 1; i >= max*2/3; i-- {
			if strings.ContainsRune("，、：,:）)", r[i]) {
				cut = i + 1
				break
			}
		}
		out = append(out, string(r[:cut]))
		r = r[cut:]
	}
	if len(r) > 0 {
		out = append(out, string(r))
	}
	return out
}

// sentenceEnds end a Chinese sentence; closers may follow them and still
// belong to the sentence.
const (
	sentenceEnds = "。！？；!?;…"
	closers      = "”’」』）)》】\"'"
)

// splitSentences splits text into sentences at 。！？；… (and their ASCII
// forms), keeping closing quotes and brackets with the sentence they close.
// Joining the result gives back text exactly.
func splitSentences(text string) []string {
	var out []string
	start := 0
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if !strings.ContainsRune(sentenceEnds, r) {
			continue
		}
		// Swallow runs of enders (……, ？！) and the closers after them.
		for i < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[i:])
			if !strings.ContainsRune(sentenceEnds, r2) && !strings.ContainsRune(closers, r2) {
				break
			}
			i += s2
		}
		out = append(out, text[start:i])
		start = i
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// headingPath tracks the numbered headings of Chinese official writing:
// 一、 (level 1), （一） (level 2) and 1. / 1、 (level 3).
type headingPath struct {
	levels [3]string
}

func (h *headingPath) observe(first string) {
	level := headingLevel(first)
	if level == 0 {
		return
	}
	title := strings.TrimSpace(first)
	if r := []rune(title); len(r) > 60 {
		title = string(r[:59]) + "…"
	}
	h.levels[level-1] = title
	for i := level; i < len(h.levels); i++ {
		h.levels[i] = ""
	}
}

func (h *headingPath) String() string {
	var parts []string
	for _, l := range h.levels {
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " / ")
}

const chineseNumerals = "一二三四五六七八九十"

// headingLevel returns 1–3 for a sentence that opens a numbered heading,
// else 0.
func headingLevel(s string) int {
	s = strings.TrimSpace(s)
	r := []rune(s)
	n := 0
	switch {
	case len(r) > 0 && strings.ContainsRune(chineseNumerals, r[0]):
		for n < len(r) && strings.ContainsRune(chineseNumerals, r[n]) {
			n++
		}
		if n < len(r) && r[n] == '、' && n <= 3 {
			return 1
		}
	case len(r) > 0 && (r[0] == '（' || r[0] == '('):
		n = 1
		for n < len(r) && strings.ContainsRune(chineseNumerals, r[n]) {
			n++
		}
		if n > 1 && n <= 4 && n < len(r) && (r[n] == '）' || r[n] == ')') {
			return 2
		}
	case len(r) > 0 && r[0] >= '0' && r[0] <= '9':
		for n < len(r) && r[n] >= '0' && r[n] <= '9' {
			n++
		}
		if n <= 2 && n < len(r) && (r[n] == '.' || r[n] == '、' || r[n] == '．') && n+1 < len(r) && !(r[n+1] >= '0' && r[n+1] <= '9') {
			return 3
		}
	}
	return 0
}
