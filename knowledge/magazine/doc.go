// Package magazine reads the sources of the knowledge base into
// knowledge.Articles: issues of the magazine as extracted from their PDF,
// and plain documents. Load is its entry point (a knowledge.LoadFunc).
//
// Load (or a Loader with a PDF reader) walks files and folders and
// decides per file, by its shape, whether it is an issue or a plain
// document. Text that is not UTF-8 is read as UTF-16, GB18030 or
// Windows-1252 when that gives plausible text, with a note saying so; a
// PDF is read through the injected extractor and then exactly like text.
//
// An issue is parsed from the layout its extraction leaves, learned from
// the text itself, never assumed (pages.go): page starts marked by a form
// feed, one space or ideographic space, a blank line, or nothing (then
// pages end at running headers); running headers recur at page
// boundaries of nearby pages; the column width is measured per page;
// titles and bylines are found by position and shape at the end of an
// article's first page; paragraph ends are read from sentence
// punctuation together with how full a line is (and what the next line
// opens with). The parser classifies every line (header, label, title,
// byline, body), joins body lines into paragraphs, removes the
// extraction's artefacts (stray spaces inside Chinese words, letter
// spacing) without changing any character a reader sees, and cuts the
// text into articles with their author, post, section and pages. A news
// column becomes one article per item.
//
// Every article carries its issue (issue.go): the magazine and issue as
// a sidecar file (issue.txt.issue), a cover, header or front matter line
// names them (2020年第7期, 7—8月, 总第N期), else worked out from the dates
// of the news items, with a note. A file that names several issues is
// cut into them.
//
// Regions are found by the shape of their names (two or three Han
// characters and 县, 市 or 区) where the source itself uses them as
// places, never from a fixed list, so that other issues of the magazine
// and other cities work alike. Article IDs derive from the title and the
// author (and the section, for a title made from a news item), so they
// stay stable when the text is read again.
//
// A plain document (.txt or .md) is one article, with optional YAML front
// matter (title, author, author_post, section, regions, magazine, issue).
// Hard-wrapped lines are joined into paragraphs, and a 作者：… or
// （作者：…） line gives the byline.
package magazine
