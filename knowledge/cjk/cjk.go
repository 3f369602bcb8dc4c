// Package cjk classifies the characters of Chinese text the way every
// part of kbot must agree on: Han characters, and the full-width
// punctuation set between them. The magazine reader, the PDF reader and
// retrieval all decide by these classes where words and sentences run on.
//
// It is a leaf package that imports only the standard library.
package cjk

import "unicode"

// IsHan reports a Han (Chinese) character.
func IsHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// IsPunct reports full-width punctuation used in Chinese text, including
// the curly quotes, the ellipsis, the dash and the middle dot. The
// ideographic space U+3000 is white space, not punctuation.
func IsPunct(r rune) bool {
	switch {
	case r >= 0x3000 && r <= 0x303F: // CJK symbols and punctuation
		return r != 0x3000
	case r >= 0xFF01 && r <= 0xFF0F, r >= 0xFF1A && r <= 0xFF20,
		r >= 0xFF3B && r <= 0xFF40, r >= 0xFF5B && r <= 0xFF65:
		return true
	}
	switch r {
	case '“', '”', '‘', '’', '…', '—', '·', '•', '－':
		return true
	}
	return false
}

// Is reports a Han character or Chinese punctuation: a character that
// needs no space next to another such character.
func Is(r rune) bool { return IsHan(r) || IsPunct(r) }
