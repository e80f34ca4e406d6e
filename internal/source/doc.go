// Package source reads change files (CSV and YAML) as a stream of rows.
//
// It owns everything about the bytes of an input file: the character
// encoding (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252 and
// ISO-8859-1 on request), the CSV delimiter and line ends, quoting, and YAML
// documents. Every row carries its origin (file, spreadsheet row or YAML item,
// physical line) so that results can point back to it. Readers never judge
// the values: that is package schema's job. Memory use does not depend on the
// size of the file.
package source
