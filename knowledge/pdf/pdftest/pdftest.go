// Package pdftest builds small PDFs for tests of the PDF reader and of
// the programs that run it: hand-made files whose every object the test
// chooses, among them files that expand into far more than they weigh.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"strings"
)

// Build lays out numbered objects (object i+1 is objs[i]) with a correct
// cross-reference table; trailer is added to the trailer dictionary,
// which names object 1 as the catalog.
func Build(trailer string, objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", off)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailer, xref)
	return b.Bytes()
}

// Stream is a stream object holding content as it is.
func Stream(content string) string {
	return fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content), content)
}

// FlateStream is a stream object holding compressed, a FlateDecode
// (zlib) stream.
func FlateStream(compressed []byte) string {
	return fmt.Sprintf("<</Length %d/Filter/FlateDecode>>\nstream\n%s\nendstream", len(compressed), compressed)
}

// Inflating returns zlib data that inflates to head followed by
// pattern repeated to at least size bytes, and weighs about a
// thousandth of that for a pattern of 1, 2 or 4 bytes. It is built from
// one compressed block repeated, without compressing the whole.
func Inflating(head, pattern string, size int64) []byte {
	chunk := []byte(strings.Repeat(pattern, (1<<20)/len(pattern)))
	var z bytes.Buffer
	w, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if err != nil {
		panic(err) // the level is valid
	}
	write := func(p []byte) []byte {
		n := z.Len()
		w.Write(p) // writes to a bytes.Buffer do not fail
		w.Flush()
		return z.Bytes()[n:]
	}
	write([]byte(head))
	write(chunk)
	// Once the window holds nothing but the pattern, each further chunk
	// compresses to the same bytes, aligned by the flush.
	again := bytes.Clone(write(chunk))
	if !bytes.Equal(again, write(chunk)) {
		panic("pdftest: the pattern does not compress to a repeating block")
	}
	out := bytes.Clone(z.Bytes())
	sum, chunkSum := adler32.Checksum([]byte(head)), adler32.Checksum(chunk)
	n := int64(len(head))
	for i := 0; i < 3 || n < size; i++ {
		if i >= 3 {
			out = append(out, again...)
		}
		sum = adler32Combine(sum, chunkSum, len(chunk))
		n += int64(len(chunk))
	}
	// A final empty block with fixed codes, then the checksum.
	out = append(out, 0x03, 0x00)
	return binary.BigEndian.AppendUint32(out, sum)
}

// adler32Combine returns the Adler-32 checksum of a and b, one after the
// other, from their checksums and b's length.
func adler32Combine(sumA, sumB uint32, lenB int) uint32 {
	const mod = 65521
	aA, bA := sumA&0xffff, sumA>>16
	aB, bB := sumB&0xffff, sumB>>16
	n := uint32(lenB % mod)
	a := (aA + aB + mod - 1) % mod
	b := (bA + bB + n*aA%mod + 2*mod - n) % mod
	return b<<16 | a
}

// Page is a one-page PDF whose page draws content with font /F1 = font;
// extra objects follow as objects 6, 7, ….
func Page(font, content string, extra ...string) []byte {
	objs := []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
		Stream(content),
		font,
	}
	return Build("", append(objs, extra...)...)
}

// InflatingToUnicode is a one-page PDF showing text in a TrueType font
// whose ToUnicode map inflates to size bytes: a map that begins as a
// real one and goes on with one code after another.
func InflatingToUnicode(size int64) []byte {
	const head = "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
		"1 begincodespacerange <00> <ff> endcodespacerange\n100 beginbfchar\n"
	return Page("<</Type/Font/Subtype/TrueType/BaseFont/ABCDEF+Font/FirstChar 65/LastChar 65/Widths[500]/ToUnicode 6 0 R>>",
		"BT /F1 10 Tf 10 150 Td (AAAA) Tj ET",
		FlateStream(Inflating(head, "<41>", size)))
}
