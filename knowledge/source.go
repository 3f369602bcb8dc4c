package knowledge

import (
	_ "embed"
	"errors"
	"path/filepath"
	"strings"
)

// BundledSource is the source name that stands for the issue bundled in the binary.
const BundledSource = "bundled"

// bundledName is the bundled issue's file name (see corpus/README.md).
const bundledName = "jilin-city-party-building-2020.txt"

// bundledTitle is how people name the bundled issue.
const bundledTitle = "吉林市党建刊物（2020年7—8月）"

// sourceTitle names a source file for people: the bundled issue by its
// title, any other file by its name without the extension.
func sourceTitle(name string) string {
	if name == bundledName {
		return bundledTitle
	}
	return strings.TrimSuffix(name, filepath.Ext(name))
}

//go:embed corpus/jilin-city-party-building-2020.txt
var bundledIssue []byte

// Bundled returns the bundled issue's file name and bytes.
func Bundled() (name string, data []byte) {
	return bundledName, bundledIssue
}

// ErrUndecodable is returned for a file that is neither UTF-8 nor
// readable Chinese in GB18030.
var ErrUndecodable = errors.New("not UTF-8 text, and not Chinese text in GB18030 either")

// ErrEmpty is returned for a file with no text.
var ErrEmpty = errors.New("file is empty")

// Errors reading a PDF (see Options.ExtractPDF); the reader wraps them, so
// match them with errors.Is.
var (
	ErrPDFEncrypted = errors.New("the PDF is encrypted")
	ErrPDFCorrupt   = errors.New("the PDF is damaged or not a PDF")
	ErrPDFNoText    = errors.New("the PDF has no extractable text (scanned pages or images only)")
	ErrPDFTooLarge  = errors.New("the PDF has too many pages or too much content")
)

// LoadFunc reads sources — files, folders or BundledSource — into
// articles: in a deterministic order (sources as given, the files of a
// folder in lexical order, articles in reading order) and with unique
// IDs. A file it cannot use is skipped with a warning that names it and
// says why (with the text of ErrUndecodable or ErrEmpty when that is
// why); a missing path is an error.
// Package knowledge/magazine provides the LoadFunc kbot uses.
type LoadFunc func(sources []string) (articles []Article, warnings []string, err error)
