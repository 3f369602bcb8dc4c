package magazine

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"kbot/knowledge/cjk"
)

// This file holds the character-level helpers that clean text extracted
// from a PDF. They remove artefacts only (letter spacing, stray spaces the
// extractor put inside Chinese words, byte-order marks, CRLF); they never
// change punctuation or any other character a reader will see quoted.

// normaliseNewlines strips a UTF-8 byte-order mark and turns CRLF and lone
// CR line ends into LF.
func normaliseNewlines(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	if strings.ContainsRune(s, '\r') {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// isSpace reports the spaces a PDF extractor leaves in a line.
func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\u3000' || r == '\u00A0' }

// displayWidth measures a line the way the page set it: a Chinese
// character or full-width mark takes two units, an ASCII character one.
// The typesetter squeezes punctuation to justify a line, so a full line
// with punctuation measures more than one without; a full line of Han
// characters alone measures the column width.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r < 0x80 {
			w++
		} else {
			w += 2
		}
	}
	return w
}

// minWidth measures a line as if every punctuation mark were squeezed to
// half width: the narrowest the line can have been set.
func minWidth(s string) int {
	w := 0
	for _, r := range s {
		if r < 0x80 || cjk.IsPunct(r) {
			w++
		} else {
			w += 2
		}
	}
	return w
}

// letterSpaced reports whether a line is a label set with spaces between
// its characters (组 织 工 作 动 态, 磐 石市, 王 莉), and returns the label
// without the spaces. Such a line has at least two space-separated parts,
// all Han, and most of them a single character.
func letterSpaced(s string) (string, bool) {
	parts := strings.FieldsFunc(s, isSpace)
	if len(parts) < 2 {
		return "", false
	}
	single, total := 0, 0
	for _, p := range parts {
		n := 0
		for _, r := range p {
			if !cjk.IsHan(r) {
				return "", false
			}
			n++
		}
		if n == 1 {
			single++
		}
		if n > 2 {
			return "", false
		}
		total += n
	}
	if total > 16 || single*2 < len(parts) {
		return "", false
	}
	return strings.Join(parts, ""), true
}

// cleanSpaces removes the stray spaces a PDF extractor leaves between two
// Chinese characters (优 秀人才, 第 一, 落实。 完善). A space between Chinese
// characters is kept only where Chinese typesetting really uses one: inside
// quotation marks or book-title marks, between two phrases of at least two
// characters each (“星火爱心 助梦飞扬”). Spaces next to Latin letters or
// digits (2020 年) are the source's own and stay.
func cleanSpaces(s string) string {
	if !strings.ContainsFunc(s, isSpace) {
		return s
	}
	rs := []rune(s)
	keep := make([]bool, len(rs))
	for i := range rs {
		keep[i] = true
	}
	for i := 0; i < len(rs); i++ {
		if !isSpace(rs[i]) {
			continue
		}
		j := i
		for j < len(rs) && isSpace(rs[j]) {
			j++
		}
		// rs[i:j] is a run of spaces.
		if i == 0 || j == len(rs) {
			i = j - 1
			continue
		}
		left, right := rs[i-1], rs[j]
		if cjk.Is(left) && cjk.Is(right) && !quotedPhraseGap(rs, i, j) {
			for k := i; k < j; k++ {
				keep[k] = false
			}
		}
		i = j - 1
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		if keep[i] {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// quotedPhraseGap reports whether the spaces rs[i:j] separate two phrases of
// at least two Han characters inside one pair of quotation or book-title
// marks on the same side of any sentence punctuation.
func quotedPhraseGap(rs []rune, i, j int) bool {
	opens := map[rune]rune{'“': '”', '《': '》', '‘': '’', '「': '」', '〈': '〉'}
	// Walk left to the opening mark, counting Han characters.
	nl := 0
	var open rune
	for k := i - 1; k >= 0; k-- {
		r := rs[k]
		if cjk.IsHan(r) {
			nl++
			continue
		}
		if _, ok := opens[r]; ok {
			open = r
			break
		}
		if isSpace(r) {
			continue
		}
		return false
	}
	if open == 0 || nl < 2 {
		return false
	}
	nr := 0
	for k := j; k < len(rs); k++ {
		r := rs[k]
		if cjk.IsHan(r) {
			nr++
			continue
		}
		if r == opens[open] {
			return nr >= 2
		}
		if isSpace(r) {
			continue
		}
		return false
	}
	return false
}

// joinLines joins the lines of one paragraph. Chinese text is joined
// without a separator; a space is kept only between two Latin words or
// numbers that the line break separated.
func joinLines(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 && b.Len() > 0 && l != "" {
			last, _ := utf8.DecodeLastRuneInString(b.String())
			first, _ := utf8.DecodeRuneInString(l)
			if isLatinWord(last) && isLatinWord(first) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

func isLatinWord(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// endsSentence reports whether a line ends a sentence: a full stop,
// question or exclamation mark or ellipsis, possibly followed by closing
// quotes or brackets.
func endsSentence(s string) bool {
	s = strings.TrimRightFunc(s, isSpace)
	for s != "" {
		r, n := utf8.DecodeLastRuneInString(s)
		switch r {
		case '。', '！', '？', '…', '!', '?':
			return true
		case '”', '’', '）', '」', '』', ')', '》':
			s = s[:len(s)-n]
			continue
		}
		return false
	}
	return false
}

// hasSentencePunct reports whether s holds punctuation that occurs inside
// running text but not in a title or a byline.
func hasSentencePunct(s string) bool {
	return strings.ContainsAny(s, "，。、；！？：,;!?")
}
