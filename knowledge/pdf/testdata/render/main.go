// Command render makes the sample PDFs under knowledge/pdf/testdata from
// source.txt with Debian's tools, and the reference text of each as
// pdftotext (poppler) reads it in content-stream order (-raw: its
// default reading order interleaves the columns of these pages). Run it
// from the repository root:
//
//	apt-get install libreoffice-writer-nogui python3-reportlab poppler-utils \
//	    fonts-wqy-zenhei fonts-wqy-microhei
//	go run ./knowledge/pdf/testdata/render
//
// source.txt holds two articles (a title, an author line, paragraphs),
// a heading and news items, one a line. Each PDF lays them out on A5
// pages under a running header drawn before the body:
//
//   - reportlab-1col.pdf, reportlab-2col.pdf: one and two columns in
//     WenQuanYi Zen Hei, laid out by ReportLab: TrueType subsets of
//     single-byte codes shown in long strings, many above 0x7f.
//   - office-2col.pdf: two columns in WenQuanYi Micro Hei, exported by
//     LibreOffice: TrueType subsets of single-byte codes, a string for
//     a few characters.
//   - cairo-2col.pdf: office-2col.pdf rewritten by pdftocairo: Type0
//     CID fonts with Identity-H codes.
//
// The output of the tools is not byte-for-byte repeatable (dates, IDs);
// the text is.
package main

import (
	"fmt"
	"html"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const dir = "knowledge/pdf/testdata"

func main() {
	src, err := os.ReadFile(filepath.Join(dir, "render", "source.txt"))
	if err != nil {
		log.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(src)), "\n")
	tmp, err := os.MkdirTemp("", "render")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	office := []struct {
		name, font string
	}{
		{"office-2col", "WenQuanYi Micro Hei"},
	}
	var made []string
	for _, o := range office {
		fodt := filepath.Join(tmp, o.name+".fodt")
		if err := os.WriteFile(fodt, []byte(document(lines, o.font, 2)), 0o644); err != nil {
			log.Fatal(err)
		}
		run("soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, fodt)
		pdf := filepath.Join(dir, o.name+".pdf")
		copyFile(filepath.Join(tmp, o.name+".pdf"), pdf)
		made = append(made, pdf)
	}
	cairo := filepath.Join(dir, "cairo-2col.pdf")
	run("pdftocairo", "-pdf", filepath.Join(dir, "office-2col.pdf"), cairo)
	made = append(made, cairo)
	for _, columns := range []string{"1", "2"} {
		pdf := filepath.Join(dir, "reportlab-"+columns+"col.pdf")
		run("/usr/bin/python3", filepath.Join(dir, "render", "layout_reportlab.py"), filepath.Join(dir, "render", "source.txt"), pdf, columns)
		made = append(made, pdf)
	}

	for _, pdf := range made {
		run("pdftotext", "-raw", "-enc", "UTF-8", pdf, strings.TrimSuffix(pdf, ".pdf")+".pdftotext")
		fmt.Println(pdf)
	}
}

// document is a flat OpenDocument text of lines: the first a title, the
// second the author, a line of at most four characters a heading, the
// rest paragraphs.
func document(lines []string, font string, columns int) string {
	var body strings.Builder
	for i, l := range lines {
		style := "Body"
		switch {
		case i == 0:
			style = "Title"
		case i == 1:
			style = "Author"
		case len([]rune(l)) <= 4:
			style = "Heading"
		}
		fmt.Fprintf(&body, "<text:p text:style-name=%q>%s</text:p>\n", style, html.EscapeString(l))
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls><style:font-face style:name="F" svg:font-family="'%[1]s'"/></office:font-face-decls>
<office:styles>
<style:style style:name="Standard" style:family="paragraph"><style:text-properties style:font-name="F" style:font-name-asian="F" fo:font-size="10pt" style:font-size-asian="10pt"/></style:style>
<style:style style:name="Body" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-indent="20pt" fo:text-align="justify"/></style:style>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="4mm"/><style:text-properties fo:font-size="15pt" style:font-size-asian="15pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Author" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="4mm"/></style:style>
<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-top="3mm" fo:margin-bottom="2mm"/><style:text-properties fo:font-size="12pt" style:font-size-asian="12pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="end"/><style:text-properties fo:font-size="8pt" style:font-size-asian="8pt"/></style:style>
<style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-size="8pt" style:font-size-asian="8pt"/></style:style>
</office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="148mm" fo:page-height="210mm" fo:margin-top="10mm" fo:margin-bottom="10mm" fo:margin-left="15mm" fo:margin-right="15mm"><style:columns fo:column-count="%[2]d" fo:column-gap="6mm"/></style:page-layout-properties>
<style:header-style><style:header-footer-properties fo:min-height="0mm" fo:margin-bottom="4mm"/></style:header-style>
<style:footer-style><style:header-footer-properties fo:min-height="0mm" fo:margin-top="4mm"/></style:footer-style></style:page-layout>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">
<style:header><text:p text:style-name="Header">吉林党建 2020年第7期</text:p></style:header>
<style:footer><text:p text:style-name="Footer">第 <text:page-number text:select-page="current">1</text:page-number> 页</text:p></style:footer>
</style:master-page></office:master-styles>
<office:body><office:text>
%[3]s</office:text></office:body></office:document>
`, font, columns, body.String())
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
}

func copyFile(from, to string) {
	data, err := os.ReadFile(from)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		log.Fatal(err)
	}
}
