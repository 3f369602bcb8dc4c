package main

import (
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

// columnGap separates the columns of a table.
const columnGap = "  "

// writeTable writes rows as columns that line up in a terminal: each cell
// but the last of a row is padded to the display width of its column's
// widest cell, counting a Chinese character as two columns (and characters
// of ambiguous width as the locale says, see go-runewidth). text/tabwriter
// counts characters, so Chinese titles push the next columns out of line.
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-runewidth.StringWidth(c)))
			b.WriteString(columnGap)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
