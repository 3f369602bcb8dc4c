package store

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// csvHeader names the columns of the gaps export, in Chinese for the
// admins who open it in a spreadsheet.
var csvHeader = []string{"问题", "次数", "拒答", "👎", "👎原因", "拒答原因", "最近提问", "相近问法"}

// bom starts the export so that spreadsheet programs read it as UTF-8.
const bom = "\ufeff"

// WriteGapsCSV writes gaps as CSV, one row a gap, after a UTF-8 byte order
// mark. Tallies and variants are one per line within their cell, as
// "text ×count"; times are RFC 3339. ReadGapsCSV reads it back.
func WriteGapsCSV(w io.Writer, gaps []Gap) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return fmt.Errorf("write gaps CSV: %w", err)
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("write gaps CSV: %w", err)
	}
	for _, g := range gaps {
		variants := make([]Tally, len(g.Variants))
		for i, v := range g.Variants {
			variants[i] = Tally{Label: v.Text, Count: v.Count}
		}
		rec := []string{
			g.Question,
			strconv.Itoa(g.Count),
			strconv.Itoa(g.Refused),
			strconv.Itoa(g.Down),
			formatTallies(g.VoteReasons),
			formatTallies(g.RefusalReasons),
			g.LastAsked.Format(time.RFC3339),
			formatTallies(variants),
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write gaps CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write gaps CSV: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write gaps CSV: %w", err)
	}
	return nil
}

// ReadGapsCSV reads what WriteGapsCSV wrote. It returns an error naming
// the line of the first row it cannot read.
func ReadGapsCSV(r io.Reader) ([]Gap, error) {
	br := bufio.NewReader(r)
	if head, err := br.Peek(len(bom)); err == nil && string(head) == bom {
		if _, err := br.Discard(len(bom)); err != nil {
			return nil, fmt.Errorf("read gaps CSV: %w", err)
		}
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = len(csvHeader)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read gaps CSV header: %w", err)
	}
	if !slices.Equal(header, csvHeader) {
		return nil, fmt.Errorf("read gaps CSV: header %q, want %q", header, csvHeader)
	}
	var gaps []Gap
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return gaps, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read gaps CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		g, err := parseGapRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("read gaps CSV line %d: %w", line, err)
		}
		gaps = append(gaps, g)
	}
}

func parseGapRecord(rec []string) (Gap, error) {
	g := Gap{Question: rec[0]}
	var err error
	for i, dst := range []*int{&g.Count, &g.Refused, &g.Down} {
		if *dst, err = strconv.Atoi(rec[1+i]); err != nil {
			return Gap{}, fmt.Errorf("column %s: %w", csvHeader[1+i], err)
		}
	}
	if g.VoteReasons, err = parseTallies(rec[4]); err != nil {
		return Gap{}, fmt.Errorf("column %s: %w", csvHeader[4], err)
	}
	if g.RefusalReasons, err = parseTallies(rec[5]); err != nil {
		return Gap{}, fmt.Errorf("column %s: %w", csvHeader[5], err)
	}
	if g.LastAsked, err = time.Parse(time.RFC3339, rec[6]); err != nil {
		return Gap{}, fmt.Errorf("column %s: %w", csvHeader[6], err)
	}
	variants, err := parseTallies(rec[7])
	if err != nil {
		return Gap{}, fmt.Errorf("column %s: %w", csvHeader[7], err)
	}
	for _, v := range variants {
		g.Variants = append(g.Variants, Variant{Text: v.Label, Count: v.Count})
	}
	return g, nil
}

// tallySep separates a label from its count within a cell line.
const tallySep = " ×"

func formatTallies(ts []Tally) string {
	lines := make([]string, len(ts))
	for i, t := range ts {
		lines[i] = t.Label + tallySep + strconv.Itoa(t.Count)
	}
	return strings.Join(lines, "\n")
}

func parseTallies(cell string) ([]Tally, error) {
	if cell == "" {
		return nil, nil
	}
	var ts []Tally
	for line := range strings.SplitSeq(cell, "\n") {
		// The count is after the last separator: a label may hold one.
		i := strings.LastIndex(line, tallySep)
		if i < 0 {
			return nil, fmt.Errorf("%q has no count", line)
		}
		n, err := strconv.Atoi(line[i+len(tallySep):])
		if err != nil {
			return nil, fmt.Errorf("count of %q: %w", line, err)
		}
		ts = append(ts, Tally{Label: line[:i], Count: n})
	}
	return ts, nil
}
