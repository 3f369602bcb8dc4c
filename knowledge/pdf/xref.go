package pdf

import (
	"bytes"
	"fmt"

	"kbot/knowledge"
)

// Bounds on a file's cross-reference sections, which the PDF library
// reads into one table indexed by object number, allocated up to the
// largest number it meets.
const (
	// maxObjects bounds the object numbers: a 2,000-page magazine has
	// tens of thousands of objects.
	maxObjects = 1 << 21
	// maxEntryWidth bounds the bytes of one entry of a cross-reference
	// stream (its /W); real files use 4 to 8.
	maxEntryWidth = 32
	// maxSections bounds the sections followed through /Prev links.
	maxSections = 1024
)

// checkXref follows the cross-reference sections from each startxref
// at the end of the file through their /Prev links, as the PDF library
// will, and refuses what would make the library allocate without bound:
// a subsection starting past maxObjects, a cross-reference stream whose
// /Size or /Index passes it, or entries wider than maxEntryWidth bytes.
// It leaves whatever else is malformed to the library, which reports it.
func checkXref(data []byte) error {
	tail := data[max(0, len(data)-128):]
	base := len(data) - len(tail)
	for i := 0; ; {
		j := bytes.Index(tail[i:], []byte("startxref"))
		if j < 0 {
			return nil
		}
		i += j + len("startxref")
		l := lexer{data: data, pos: base + i}
		o, _, err := l.next(0)
		if err != nil || o.kind != kindNumber {
			continue
		}
		if err := checkXrefChain(data, int(o.num)); err != nil {
			return err
		}
	}
}

// checkXrefChain checks the section at offset and those before it.
func checkXrefChain(data []byte, offset int) error {
	visited := map[int]bool{}
	for offset > 0 && offset < len(data) && !visited[offset] && len(visited) < maxSections {
		visited[offset] = true
		l := lexer{data: data, pos: offset}
		o, op, err := l.next(0)
		var trailer object
		switch {
		case err != nil:
			return nil
		case op == "xref":
			trailer, err = checkXrefTable(&l)
		case o.kind == kindNumber:
			trailer, err = checkXrefStream(&l)
		}
		if err != nil {
			return err
		}
		prev := dictValue(trailer, "Prev")
		if prev.kind != kindNumber {
			return nil
		}
		offset = int(prev.num)
	}
	return nil
}

// checkXrefTable checks the subsections of a table after its "xref" and
// returns its trailer dictionary.
func checkXrefTable(l *lexer) (object, error) {
	for {
		l.held = 0
		start, op, err := l.next(0)
		if op == "trailer" {
			trailer, _, err := l.next(0)
			return trailer, err
		}
		n, _, err2 := l.next(0)
		if err != nil || err2 != nil || start.kind != kindNumber || n.kind != kindNumber {
			return object{}, nil // malformed: the library says so
		}
		if start.num < 0 || start.num > maxObjects {
			return object{}, fmt.Errorf("%w: its cross-reference table numbers objects from %.0f, past %d", knowledge.ErrPDFTooLarge, start.num, maxObjects)
		}
		for i := 0.0; i < 3*n.num; i++ {
			if _, _, err := l.next(0); err != nil || l.pos >= len(l.data) {
				return object{}, nil
			}
			if int(i)%1024 == 0 {
				l.held = 0
			}
		}
	}
}

// checkXrefStream checks a cross-reference stream, "n g obj <<…>>
// stream", after its object number, and returns its dictionary.
func checkXrefStream(l *lexer) (object, error) {
	if o, _, err := l.next(0); err != nil || o.kind != kindNumber {
		return object{}, nil
	}
	if _, op, err := l.next(0); err != nil || op != "obj" {
		return object{}, nil
	}
	dict, _, err := l.next(0)
	if err != nil || dict.kind != kindDict || dictValue(dict, "Type").Name() != "XRef" {
		return object{}, nil
	}
	if size := dictValue(dict, "Size"); size.kind == kindNumber && (size.num < 0 || size.num > maxObjects) {
		return object{}, fmt.Errorf("%w: its cross-reference stream has room for %.0f objects, past %d", knowledge.ErrPDFTooLarge, size.num, maxObjects)
	}
	index := dictValue(dict, "Index")
	for i := 0; i < index.Len(); i += 2 {
		if start := index.Index(i); start.kind == kindNumber && (start.num < 0 || start.num > maxObjects) {
			return object{}, fmt.Errorf("%w: its cross-reference stream numbers objects from %.0f, past %d", knowledge.ErrPDFTooLarge, start.num, maxObjects)
		}
	}
	width := 0.0
	w := dictValue(dict, "W")
	for i := 0; i < w.Len(); i++ {
		width += w.Index(i).Float64()
	}
	if width > maxEntryWidth {
		return object{}, fmt.Errorf("%w: its cross-reference stream has entries of %.0f bytes", knowledge.ErrPDFCorrupt, width)
	}
	return dict, nil
}

// dictValue returns the value of key in a dictionary, a null value when
// it has none.
func dictValue(d object, key string) object {
	if d.kind != kindDict {
		return object{}
	}
	for i := 0; i+1 < len(d.elems); i += 2 {
		if d.elems[i].kind == kindName && d.elems[i].str == key {
			return d.elems[i+1]
		}
	}
	return object{}
}
