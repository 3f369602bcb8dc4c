// Package magazine reads the sources of the knowledge base into
// knowledge.Articles: issues of the magazine as extracted from their PDF,
// and plain documents. Load is its entry point (a knowledge.LoadFunc).
//
// Load walks files and folders and decides per file, by its shape,
// whether it is an issue or a plain document. Text that is not UTF-8 is
// read as GB18030 when it is plausibly Chinese.
//
// An issue is parsed from the layout the PDF extraction leaves: a line
// that begins with a space opens a page, running headers repeat at page
// ends, labels are letter-spaced (组 织 工 作 动 态). The parser learns the
// headers and the column width from the text itself, classifies every
// line (header, label, title, byline, body), joins body lines into
// paragraphs, removes the extraction's artefacts (stray spaces inside
// Chinese words, letter spacing) without changing any character a reader
// sees, and cuts the text into articles with their author, post, section
// and pages. A news column becomes one article per item.
//
// Regions are found by the shape of their names (two or three Han
// characters and 县, 市 or 区) where the source itself uses them as
// places, never from a fixed list, so that other issues of the magazine
// and other cities work alike. Article IDs derive from the title and the
// author (and the section, for a title made from a news item), so they
// stay stable when the text is read again.
//
// A plain document (.txt or .md) is one article, with optional YAML front
// matter (title, author, author_post, section, regions).
package magazine
