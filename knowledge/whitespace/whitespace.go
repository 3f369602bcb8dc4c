// Package whitespace is kbot's one notion of the white space to ignore
// when Chinese text is compared: text extracted from a PDF carries stray
// spaces between characters (永 吉 县), people type full-width spaces, and
// Chinese needs no space between words. Titles, names, questions and
// quoted evidence are therefore compared with their white space removed.
//
// White space is what unicode.IsSpace reports. It is a leaf package that
// imports only the standard library.
package whitespace

import (
	"strings"
	"unicode"
)

// Remove returns s without any white space, line breaks included.
func Remove(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// RemoveInLines returns s without the white space inside its lines: every
// white-space character except the line feed '\n' is removed, so lines
// stay apart (a heading does not run into the paragraph after it). kbot
// turns every line end into '\n' when it reads a source.
func RemoveInLines(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
