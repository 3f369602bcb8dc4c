package pdf

import (
	"bytes"
	"fmt"
	"strconv"

	"kbot/knowledge"
)

// This file reads content streams and CMaps: the operands and operators
// of PDF's small PostScript-like language. It works on bytes that
// readStream has already read within the budget, so nothing here goes
// back to the file, and it bounds what a hostile stream can make it
// hold: nesting, and the operands waiting for their operator.

// Bounds on one content stream's operands.
const (
	// maxPDFNesting bounds array and dictionary nesting.
	maxPDFNesting = 256
	// maxOperands bounds the values (counting those inside arrays and
	// dictionaries) read since the last operator. A TJ array of a long
	// line holds a few hundred; a CMap block at most a few thousand.
	maxOperands = 1 << 18
	// maxInlineImage bounds the parameters of an inline image.
	maxInlineImage = 64
)

// objKind is the type of a content-stream value.
type objKind uint8

const (
	kindNull objKind = iota
	kindBool
	kindNumber
	kindName
	kindString
	kindArray
	kindDict
	kindRef // an indirect reference, "n g R", in a file's structure
)

// object is a value in a content stream: a number, a name (without its
// slash), a string (its bytes), or an array or dictionary of values
// (a dictionary's keys and values alternate in elems).
type object struct {
	kind  objKind
	num   float64
	str   string
	elems []object
}

// Float64 returns a number's value, 0 for anything else.
func (o object) Float64() float64 {
	if o.kind != kindNumber {
		return 0
	}
	return o.num
}

// Name returns a name's text, "" for anything else.
func (o object) Name() string {
	if o.kind != kindName {
		return ""
	}
	return o.str
}

// RawString returns a string's bytes, "" for anything else.
func (o object) RawString() string {
	if o.kind != kindString {
		return ""
	}
	return o.str
}

// Len returns the number of elements of an array, 0 for anything else.
func (o object) Len() int {
	if o.kind != kindArray {
		return 0
	}
	return len(o.elems)
}

// Index returns element i of an array, a null value out of range.
func (o object) Index(i int) object {
	if o.kind != kindArray || i < 0 || i >= len(o.elems) {
		return object{}
	}
	return o.elems[i]
}

// interpret runs a content stream or CMap: it calls do with each
// operator and the operands read since the previous one. An inline
// image (BI … ID data EI) is reported as one operator "BI" with its
// parameters; its data is skipped. do stops the run by returning an
// error, which interpret returns. Malformed bytes are read as leniently
// as readers of PDF read them; only a bound passed is an error.
func interpret(data []byte, do func(op string, args []object) error) error {
	l := lexer{data: data}
	var args []object
	for {
		o, op, err := l.next(0)
		if err != nil {
			return err
		}
		switch {
		case op == "" && l.pos >= len(l.data):
			return nil
		case op == "":
			args = append(args, o)
			continue
		case op == endArray || op == endDict:
			continue // closes nothing
		case op == "BI":
			args, err = l.inlineImage()
			if err != nil {
				return err
			}
		}
		if err := do(op, args); err != nil {
			return err
		}
		clear(args)
		args = args[:0]
		l.held = 0
	}
}

// lexer reads the values of a content stream.
type lexer struct {
	data []byte
	pos  int
	held int // values read since the last operator
}

func isSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func isDelim(c byte) bool {
	switch c {
	case '<', '>', '(', ')', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skipSpace moves past white space and comments.
func (l *lexer) skipSpace() {
	for l.pos < len(l.data) {
		switch c := l.data[l.pos]; {
		case isSpace(c):
			l.pos++
		case c == '%':
			end := bytes.IndexAny(l.data[l.pos:], "\r\n")
			if end < 0 {
				end = len(l.data) - l.pos
			}
			l.pos += end
		default:
			return
		}
	}
}

// The operators next returns for the end of an array or dictionary.
const (
	endArray = "]"
	endDict  = ">>"
)

// next reads one value, or one operator (returned as op; the closing
// "]" and ">>" come back as operators too). At the end of the data it
// returns a null value and op "". depth is the nesting of the value.
func (l *lexer) next(depth int) (o object, op string, err error) {
	for {
		l.skipSpace()
		if l.pos >= len(l.data) {
			return object{}, "", nil
		}
		c := l.data[l.pos]
		if c == '{' || c == '}' || c == ')' || c == '>' && (l.pos+1 == len(l.data) || l.data[l.pos+1] != '>') {
			// Procedures do not occur in content, and a stray closing
			// delimiter closes nothing: skip them.
			l.pos++
			continue
		}
		break
	}
	l.held++
	if l.held > maxOperands {
		return object{}, "", fmt.Errorf("%w: more than %d operands without an operator", knowledge.ErrPDFCorrupt, maxOperands)
	}
	c := l.data[l.pos]
	l.pos++
	switch c {
	case '(':
		return object{kind: kindString, str: l.literal()}, "", nil
	case '<':
		if l.pos < len(l.data) && l.data[l.pos] == '<' {
			l.pos++
			elems, err := l.collect(depth, endDict)
			return object{kind: kindDict, elems: elems}, "", err
		}
		return object{kind: kindString, str: l.hex()}, "", nil
	case '>':
		l.pos++ // the second ">"
		return object{}, endDict, nil
	case '[':
		elems, err := l.collect(depth, endArray)
		return object{kind: kindArray, elems: elems}, "", err
	case ']':
		return object{}, endArray, nil
	case '/':
		return object{kind: kindName, str: l.name()}, "", nil
	}
	start := l.pos - 1
	for l.pos < len(l.data) && !isSpace(l.data[l.pos]) && !isDelim(l.data[l.pos]) {
		l.pos++
	}
	word := string(l.data[start:l.pos])
	switch word {
	case "true", "false":
		return object{kind: kindBool, num: b2f(word == "true")}, "", nil
	case "null":
		return object{}, "", nil
	}
	if n, ok := parseNumber(word); ok {
		return object{kind: kindNumber, num: n}, "", nil
	}
	return object{}, word, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// collect reads the elements of an array or dictionary up to its end.
// An operator inside one is dropped, as PDF readers do, but for R after
// two numbers: an indirect reference, which stands for them. The end of
// the data closes what is open.
func (l *lexer) collect(depth int, end string) ([]object, error) {
	if depth+1 > maxPDFNesting {
		return nil, fmt.Errorf("%w: content nested more than %d deep", knowledge.ErrPDFCorrupt, maxPDFNesting)
	}
	var elems []object
	for {
		o, op, err := l.next(depth + 1)
		if err != nil {
			return nil, err
		}
		switch {
		case op == end:
			return elems, nil
		case op == "" && l.pos >= len(l.data):
			if o.kind != kindNull {
				elems = append(elems, o)
			}
			return elems, nil
		case op == "":
			elems = append(elems, o)
		case op == "R" && len(elems) >= 2 && elems[len(elems)-1].kind == kindNumber && elems[len(elems)-2].kind == kindNumber:
			ref := object{kind: kindRef, num: elems[len(elems)-2].num}
			elems = append(elems[:len(elems)-2], ref)
		}
	}
}

// parseNumber reads a PDF number: an optional sign, digits, and at most
// one decimal point. It refuses anything else, so that operators like
// "T*" or "d0" are not taken for numbers.
func parseNumber(w string) (float64, bool) {
	digits, dots := 0, 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		case (c == '+' || c == '-') && i == 0:
		default:
			return 0, false
		}
	}
	if digits == 0 || dots > 1 {
		return 0, false
	}
	n, err := strconv.ParseFloat(w, 64)
	if err != nil {
		return 0, false // out of range
	}
	return n, true
}

// literal reads a literal string after its "(": balanced parentheses,
// backslash escapes; an unclosed string runs to the end of the data.
func (l *lexer) literal() string {
	var b []byte
	depth := 1
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return string(b)
			}
		case '\\':
			if l.pos >= len(l.data) {
				return string(b)
			}
			c = l.data[l.pos]
			l.pos++
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.data) && l.data[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(c - '0')
				for i := 0; i < 2 && l.pos < len(l.data) && l.data[l.pos] >= '0' && l.data[l.pos] <= '7'; i++ {
					v = v*8 + int(l.data[l.pos]-'0')
					l.pos++
				}
				c = byte(v)
			}
			// Any other escaped byte stands for itself.
		}
		b = append(b, c)
	}
	return string(b)
}

// hex reads a hexadecimal string after its "<". White space and stray
// bytes are skipped; an odd last digit is followed by 0.
func (l *lexer) hex() string {
	var b []byte
	half, odd := byte(0), false
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		v, ok := hexValue(c)
		if !ok {
			continue
		}
		if odd {
			b = append(b, half<<4|v)
		} else {
			half = v
		}
		odd = !odd
	}
	if odd {
		b = append(b, half<<4)
	}
	return string(b)
}

func hexValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// name reads a name after its "/", decoding #xx escapes.
func (l *lexer) name() string {
	var b []byte
	for l.pos < len(l.data) && !isSpace(l.data[l.pos]) && !isDelim(l.data[l.pos]) {
		c := l.data[l.pos]
		l.pos++
		if c == '#' && l.pos+1 < len(l.data) {
			hi, ok1 := hexValue(l.data[l.pos])
			lo, ok2 := hexValue(l.data[l.pos+1])
			if ok1 && ok2 {
				c = hi<<4 | lo
				l.pos += 2
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// inlineImage reads an inline image after its BI operator: key-value
// parameters up to ID, then the image data, which it skips. The data
// ends at the first EI standing alone between white space; an image
// whose data holds such a sequence ends early, as in other readers,
// unless its /L (PDF 2.0) gives the length.
func (l *lexer) inlineImage() ([]object, error) {
	var params []object
	for {
		o, op, err := l.next(0)
		if err != nil {
			return nil, err
		}
		if op == "ID" {
			break
		}
		if op == "" && l.pos >= len(l.data) {
			return params, nil
		}
		if op == "" && len(params) < 2*maxInlineImage {
			params = append(params, o)
		}
	}
	// One white-space byte separates ID from the data.
	if l.pos < len(l.data) && isSpace(l.data[l.pos]) {
		l.pos++
	}
	for i := 0; i+1 < len(params); i += 2 {
		if k := params[i].Name(); (k == "L" || k == "Length") && params[i+1].kind == kindNumber {
			if n := params[i+1].num; n >= 0 && n <= float64(len(l.data)-l.pos) {
				l.pos += int(n)
			}
		}
	}
	for ; l.pos+1 < len(l.data); l.pos++ {
		if l.data[l.pos] == 'E' && l.data[l.pos+1] == 'I' &&
			(l.pos == 0 || isSpace(l.data[l.pos-1])) &&
			(l.pos+2 == len(l.data) || isSpace(l.data[l.pos+2]) || isDelim(l.data[l.pos+2])) {
			l.pos += 2
			return params, nil
		}
	}
	l.pos = len(l.data)
	return params, nil
}
