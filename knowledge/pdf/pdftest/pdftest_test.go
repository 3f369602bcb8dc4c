package pdftest

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

func TestInflating(t *testing.T) {
	tests := []struct {
		head, pattern string
		size          int64
	}{
		{"", "0 ", 1 << 20},
		{"BT ", "0 ", 5<<20 + 3},
		{"begin\n", "<41>", 64 << 20},
	}
	for _, tt := range tests {
		z := Inflating(tt.head, tt.pattern, tt.size)
		r, err := zlib.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		// Read it all, checksum included, comparing as it comes.
		var n int64
		var head []byte
		buf := make([]byte, 1<<16)
		for {
			k, err := r.Read(buf)
			for _, c := range buf[:k] {
				if n < int64(len(tt.head)) {
					head = append(head, c)
				} else if c != tt.pattern[(n-int64(len(tt.head)))%int64(len(tt.pattern))] {
					t.Fatalf("%q: byte %d is %q", tt.pattern, n, c)
				}
				n++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%q after %d bytes: %v", tt.pattern, n, err)
			}
		}
		if string(head) != tt.head || n < tt.size || n > tt.size+2<<20 {
			t.Errorf("%q: inflated to %q… of %d bytes, want %q… of %d", tt.pattern, head, n, tt.head, tt.size)
		}
		if ratio := n / int64(len(z)); ratio < 500 {
			t.Errorf("%q: compressed %d:1, want at least 500:1", tt.pattern, ratio)
		}
	}
}
