package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxYAMLDoc bounds a YAML document that is not a block list (flow style
// `[...]`, or one mapping): such a document is parsed whole.
const maxYAMLDoc = 16 << 20

// yamlReader reads a YAML stream item by item. OpenYAML makes a first pass
// over the whole stream that refuses anchors and aliases (without ever
// expanding one) and syntax errors outside the items; Next makes the second.
//
// Items of a block list are cut apart by the text splitter (yamlSplitter)
// and parsed one at a time, so memory does not depend on the length of the
// list. A document in any other shape is parsed whole, up to maxYAMLDoc.
type yamlReader struct {
	name   string
	closer io.Closer
	info   Info

	sp      *yamlSplitter
	maxItem int
	num     int
	// Items of a document parsed whole, still to be returned.
	docItems []*yaml.Node
	docOff   int // line offset of that document
	fields   []Field
	done     bool
}

// OpenYAML reads YAML from r; name is what rows and errors call the file.
// r is read twice: it is rewound when it is an io.Seeker, otherwise it is
// read into memory (up to maxYAMLDoc bytes).
func OpenYAML(name string, r io.Reader, opts Options) (Reader, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(io.LimitReader(r, maxYAMLDoc+1))
		if err != nil {
			return nil, openErr(name, err)
		}
		if len(data) > maxYAMLDoc {
			return nil, &FileError{File: name, Message: "YAML read from a pipe may not be larger than " +
				strconv.Itoa(maxYAMLDoc>>20) + " MiB: give the file's name instead"}
		}
		rs = bytes.NewReader(data)
	}
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, openErr(name, err)
	}
	y := &yamlReader{name: name, maxItem: opts.MaxRecordBytes}
	if y.maxItem <= 0 {
		y.maxItem = DefaultMaxRecordBytes
	}
	src, enc, _, note, err := decodeInput(rs, opts.Encoding)
	if err != nil {
		return nil, openErr(name, err)
	}
	y.info = Info{Format: "yaml", Encoding: enc, Note: note}
	if src, _, err = fixLineEnds(src); err != nil {
		return nil, openErr(name, err)
	}
	if err := y.checkAnchors(newYAMLSplitter(src, y.maxItem)); err != nil {
		return nil, openErr(name, err)
	}
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return nil, openErr(name, err)
	}
	if src, _, _, _, err = decodeInput(rs, opts.Encoding); err != nil {
		return nil, openErr(name, err)
	}
	if src, _, err = fixLineEnds(src); err != nil {
		return nil, openErr(name, err)
	}
	y.sp = newYAMLSplitter(src, y.maxItem)
	return y, nil
}

// Info implements Reader.
func (y *yamlReader) Info() Info { return y.info }

// Close implements Reader; it closes the file when Open opened it.
func (y *yamlReader) Close() error {
	y.done = true
	if y.closer != nil {
		err := y.closer.Close()
		y.closer = nil
		return err
	}
	return nil
}

// anchorHit is the first anchor or alias found by the first pass.
type anchorHit struct {
	alias bool
	name  string
	line  int
	item  int
}

// checkAnchors is the first pass: it returns a *FileError for the first
// alias (or, when there is none, the first anchor), or for a document that
// cannot be parsed at all.
func (y *yamlReader) checkAnchors(sp *yamlSplitter) error {
	var anchor *anchorHit
	item := 0
	for {
		c, err := sp.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return y.splitErr(err)
		}
		switch c.kind {
		case chunkItem:
			item++
			// An item without '&' or '*' cannot hold an anchor or an alias.
			if c.tooBig || !bytes.ContainsAny(c.text, "&*") {
				continue
			}
			doc, err := parseYAML(c.text)
			if err != nil {
				if name, ok := anchorInError(err); ok {
					return y.anchorErr(&anchorHit{alias: true, name: name, line: findAlias(c.text, name) + c.line - 1, item: item})
				}
				continue // reported as an Issue by the second pass
			}
			hit := walkAnchors(doc, c.line-1, item, anchor)
			if hit != nil && hit.alias {
				return y.anchorErr(hit)
			}
			anchor = hit
		case chunkDoc:
			doc, err := parseYAML(c.text)
			if err != nil {
				if name, ok := anchorInError(err); ok {
					return y.anchorErr(&anchorHit{alias: true, name: name, line: findAlias(c.text, name) + c.line - 1, item: item + 1})
				}
				line, msg := yamlErrorText(err, c.line-1)
				return &FileError{File: y.name, Line: line, Message: msg}
			}
			for _, n := range docItems(doc) {
				item++
				hit := walkAnchors(n, c.line-1, item, anchor)
				if hit != nil && hit.alias {
					return y.anchorErr(hit)
				}
				anchor = hit
			}
		}
	}
	if anchor != nil {
		return y.anchorErr(anchor)
	}
	if item == 0 {
		return &FileError{File: y.name, Message: "the file holds no items: expected a list with one mapping per user " +
			"(\"- user_id: 1001\" and the keys to change under it)"}
	}
	return nil
}

func (y *yamlReader) anchorErr(h *anchorHit) error {
	what := "the first anchor, &" + h.name
	if h.alias {
		what = "the first alias, *" + h.name
	}
	return &FileError{File: y.name, Line: h.line, Message: "YAML anchors and aliases are not allowed (" + what +
		", is at line " + strconv.Itoa(h.line) + ", in item " + strconv.Itoa(h.item) + "): write each item out in full"}
}

func (y *yamlReader) splitErr(err error) error {
	var se *splitError
	if errors.As(err, &se) {
		return &FileError{File: y.name, Line: se.line, Message: se.msg}
	}
	return err
}

// walkAnchors looks through n in document order and returns the first alias,
// or else the first anchor (keeping prev when one was found before).
func walkAnchors(n *yaml.Node, off, item int, prev *anchorHit) *anchorHit {
	first := prev
	var walk func(n *yaml.Node) *anchorHit
	walk = func(n *yaml.Node) *anchorHit {
		if n.Kind == yaml.AliasNode {
			return &anchorHit{alias: true, name: n.Value, line: n.Line + off, item: item}
		}
		if n.Anchor != "" && first == nil {
			first = &anchorHit{name: n.Anchor, line: n.Line + off, item: item}
		}
		for _, c := range n.Content {
			if h := walk(c); h != nil {
				return h
			}
		}
		return nil
	}
	if h := walk(n); h != nil {
		return h
	}
	return first
}

// anchorInError recognises yaml.v3's errors about aliases: parsing an item
// alone fails on an alias to an anchor in an earlier item.
func anchorInError(err error) (string, bool) {
	msg := err.Error()
	i := strings.Index(msg, "anchor '")
	if i < 0 {
		return "", false
	}
	name, _, ok := strings.Cut(msg[i+len("anchor '"):], "'")
	return name, ok
}

// findAlias returns the 1-based line of the first "*name" token in text, or 1.
func findAlias(text []byte, name string) int {
	tok := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(text[off:], tok)
		if i < 0 {
			return 1
		}
		i += off
		end := i + len(tok)
		before := i == 0 || bytes.IndexByte([]byte(" \t\n[{,:-"), text[i-1]) >= 0
		after := end == len(text) || bytes.IndexByte([]byte(" \t\r\n]},"), text[end]) >= 0
		if before && after {
			return bytes.Count(text[:i], []byte("\n")) + 1
		}
		off = i + 1
	}
}

// parseYAML parses one document into a node tree, never resolving aliases.
// yaml.v3 reports errors by panicking inside and recovering; a panic that
// escapes it is turned into an error too, so that a file never crashes us.
func parseYAML(text []byte) (doc *yaml.Node, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml: internal error of the YAML parser: %v", p)
		}
	}()
	var n yaml.Node
	if err := yaml.Unmarshal(text, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// yamlErrorText rewrites a yaml.v3 error for a text that starts after off
// lines of the file: the line, and a message with advice.
func yamlErrorText(err error, off int) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n+off, tail
			}
		}
	}
	return line, "YAML syntax error: " + msg + ": check the indentation, and quote values that contain \": \" or \" #\""
}

// docItems returns the items of a document parsed whole: the elements of a
// top-level list, or the document itself when it is one mapping (or any
// other non-empty value, which then is an item that is not a mapping).
func docItems(doc *yaml.Node) []*yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	n := doc.Content[0]
	switch {
	case n.Kind == yaml.SequenceNode:
		return n.Content
	case n.Kind == yaml.ScalarNode && n.Style == 0 && isNullWord(n.Value):
		return nil // an empty document
	}
	return []*yaml.Node{n}
}

func isNullWord(s string) bool {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}

// Next implements Reader.
func (y *yamlReader) Next() (Row, error) {
	for {
		if y.done {
			return Row{}, io.EOF
		}
		if len(y.docItems) > 0 {
			n := y.docItems[0]
			y.docItems = y.docItems[1:]
			y.num++
			return y.itemRow(n, y.docOff, Row{File: y.name, Num: y.num, Line: n.Line + y.docOff}), nil
		}
		c, err := y.sp.next()
		if err == io.EOF {
			y.done = true
			return Row{}, io.EOF
		}
		if err != nil {
			y.done = true
			return Row{}, y.splitErr(err)
		}
		switch c.kind {
		case chunkDoc:
			doc, err := parseYAML(c.text)
			if err != nil { // the first pass has seen it already; kept for safety
				y.done = true
				line, msg := yamlErrorText(err, c.line-1)
				return Row{}, &FileError{File: y.name, Line: line, Message: msg}
			}
			y.docItems, y.docOff = docItems(doc), c.line-1
		case chunkItem:
			y.num++
			return y.blockItemRow(c), nil
		}
	}
}

// blockItemRow parses one item cut out by the splitter.
func (y *yamlReader) blockItemRow(c chunk) Row {
	row := Row{File: y.name, Num: y.num, Line: c.line}
	item := "item " + strconv.Itoa(y.num)
	if c.tooBig {
		row.Issues = []Issue{{Message: item + " is longer than the limit of " + strconv.Itoa(y.maxItem) + " bytes"}}
		return row
	}
	doc, err := parseYAML(c.text)
	if err != nil {
		line, msg := yamlErrorText(err, c.line-1)
		if line > 0 {
			msg = "line " + strconv.Itoa(line) + ": " + msg
		}
		row.Issues = []Issue{{Message: item + " cannot be read: " + msg}}
		return row
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode ||
		len(doc.Content[0].Content) != 1 {
		row.Issues = []Issue{{Message: item + " cannot be read as one list item: check the indentation " +
			"(the keys of an item start 2 spaces in, under the first key after \"- \")"}}
		return row
	}
	return y.itemRow(doc.Content[0].Content[0], c.line-1, row)
}

// itemRow turns a mapping node into a row; off is the line offset of the text
// the node was parsed from.
func (y *yamlReader) itemRow(n *yaml.Node, off int, row Row) Row {
	item := "item " + strconv.Itoa(row.Num)
	if n.Kind != yaml.MappingNode {
		row.Issues = append(row.Issues, Issue{Message: item + " is not a mapping of column: value"})
		return row
	}
	fields := y.fields[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			row.Issues = append(row.Issues, Issue{Message: item + ": the key at line " + strconv.Itoa(k.Line+off) +
				" is not a column name"})
			continue
		}
		f := Field{Key: k.Value, Col: i/2 + 1, Line: k.Line + off}
		if v.Style&yaml.TaggedStyle != 0 && v.Tag != "!!str" {
			// !!binary, !!int or a custom tag would change what the text
			// means; morbulk sends the text as written, so it asks for that.
			row.Issues = append(row.Issues, Issue{Column: f.Key, Message: "the YAML tag " + v.Tag +
				" is not allowed: write the value as plain text (or quote it)"})
		}
		switch v.Kind {
		case yaml.ScalarNode:
			f.Value = v.Value
			f.Quoted = v.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
			f.Null = !f.Quoted && v.Style&yaml.TaggedStyle == 0 && v.Value != "" && isNullWord(v.Value)
		default:
			f.NonScalar = true
		}
		for _, prev := range fields {
			if prev.Key == f.Key {
				row.Issues = append(row.Issues, Issue{Column: f.Key, Message: "key " + strconv.Quote(f.Key) +
					" appears twice in " + item + " (lines " + strconv.Itoa(prev.Line) + " and " + strconv.Itoa(f.Line) +
					"): keep one"})
				break
			}
		}
		fields = append(fields, f)
	}
	if len(fields) > 0 {
		row.Line = fields[0].Line
	}
	y.fields = fields
	row.Fields = fields
	return row
}

// chunkKind says what a chunk cut by yamlSplitter holds.
type chunkKind int

const (
	chunkItem chunkKind = iota // one item of a top-level block list, starting "- "
	chunkDoc                   // a whole document in another shape
)

type chunk struct {
	kind   chunkKind
	text   []byte // valid until the next call but one of next
	line   int    // physical line of text's first line
	tooBig bool   // an item longer than the limit: text is incomplete
}

// splitError is a problem that stops the splitter.
type splitError struct {
	line int
	msg  string
}

func (e *splitError) Error() string { return "line " + strconv.Itoa(e.line) + ": " + e.msg }

// yamlSplitter cuts a YAML stream into items by looking at column 0 only: a
// line "- ..." (or "-") starts an item; indented, blank and comment lines
// belong to the current item; "---" and "..." separate documents. A
// document whose first content line does not start an item is returned
// whole.
type yamlSplitter struct {
	br      *bufio.Reader
	line    int // lines read
	maxItem int

	mode    int // splitNone (between documents), splitBlock, splitWhole
	acc     []byte
	spare   []byte
	accLine int
	tooBig  bool
	lineBuf []byte
	eof     bool
}

const (
	splitNone = iota
	splitBlock
	splitWhole
)

func newYAMLSplitter(r io.Reader, maxItem int) *yamlSplitter {
	return &yamlSplitter{br: bufio.NewReaderSize(r, 64<<10), maxItem: maxItem}
}

// readLine reads one line (with its LF) into s.lineBuf, keeping at most
// one byte more than a chunk may hold. It returns false at the end of the
// input.
func (s *yamlSplitter) readLine() (bool, error) {
	s.lineBuf = s.lineBuf[:0]
	limit := maxYAMLDoc
	if s.mode == splitBlock {
		limit = s.maxItem
	}
	got := false
	for {
		part, err := s.br.ReadSlice('\n')
		if len(part) > 0 {
			got = true
			if room := limit + 1 - len(s.lineBuf); room > 0 {
				s.lineBuf = append(s.lineBuf, part[:min(room, len(part))]...)
			}
		}
		switch err {
		case nil:
			return true, nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			return got, nil
		default:
			return false, err
		}
	}
}

// emit returns the chunk accumulated so far and starts an empty one.
func (s *yamlSplitter) emit(kind chunkKind) chunk {
	c := chunk{kind: kind, text: s.acc, line: s.accLine, tooBig: s.tooBig}
	s.acc, s.spare = s.spare[:0], s.acc
	s.tooBig = false
	return c
}

// begin starts a chunk with the current line.
func (s *yamlSplitter) begin(mode int, text []byte) error {
	s.mode, s.accLine = mode, s.line
	return s.add(text)
}

func (s *yamlSplitter) add(text []byte) error {
	switch {
	case s.mode == splitWhole && len(s.acc)+len(text) > maxYAMLDoc:
		return &splitError{line: s.accLine, msg: "this YAML document is larger than " + strconv.Itoa(maxYAMLDoc>>20) +
			" MiB and is not a block list (\"- key: value\" items): write it as a block list"}
	case s.mode == splitBlock && (s.tooBig || len(s.acc)+len(text) > s.maxItem):
		s.tooBig = true
		return nil
	}
	s.acc = append(s.acc, text...)
	return nil
}

// next returns the next chunk, or io.EOF.
func (s *yamlSplitter) next() (chunk, error) {
	for {
		if s.eof {
			mode := s.mode
			s.mode = splitNone
			switch mode {
			case splitBlock:
				return s.emit(chunkItem), nil
			case splitWhole:
				return s.emit(chunkDoc), nil
			}
			return chunk{}, io.EOF
		}
		ok, err := s.readLine()
		if err != nil {
			return chunk{}, err
		}
		if !ok {
			s.eof = true
			continue
		}
		s.line++
		l := s.lineBuf
		kind, rest := classifyYAMLLine(l)

		if kind == lineDocStart || kind == lineDocEnd {
			var out chunk
			had := s.mode
			switch had {
			case splitBlock:
				out = s.emit(chunkItem)
			case splitWhole:
				out = s.emit(chunkDoc)
			}
			s.mode = splitNone
			if kind == lineDocStart && rest != nil {
				// "--- content": the document starts on this line; blank
				// out the marker so that columns stay right.
				text := append([]byte("   "), rest...)
				if err := s.begin(splitWhole, text); err != nil {
					return chunk{}, err
				}
			}
			if had != splitNone {
				return out, nil
			}
			continue
		}

		switch s.mode {
		case splitNone:
			switch kind {
			case lineBlank, lineComment, lineDirective:
				continue
			case lineItem:
				if err := s.begin(splitBlock, l); err != nil {
					return chunk{}, err
				}
			default:
				if err := s.begin(splitWhole, l); err != nil {
					return chunk{}, err
				}
			}
		case splitBlock:
			if kind == lineItem {
				out := s.emit(chunkItem)
				if err := s.begin(splitBlock, l); err != nil {
					return chunk{}, err
				}
				return out, nil
			}
			if err := s.add(l); err != nil {
				return chunk{}, err
			}
		case splitWhole:
			if err := s.add(l); err != nil {
				return chunk{}, err
			}
		}
	}
}

type yamlLineKind int

const (
	lineBlank yamlLineKind = iota
	lineComment
	lineIndented
	lineItem
	lineDocStart
	lineDocEnd
	lineDirective
	lineOther
)

// classifyYAMLLine tells what a line is from its first bytes. For "--- x" it
// also returns the content after the marker (nil when there is none).
func classifyYAMLLine(l []byte) (yamlLineKind, []byte) {
	t := bytes.TrimRight(l, " \t\r\n")
	if len(t) == 0 {
		return lineBlank, nil
	}
	sepAfter := func(n int) bool { return len(t) == n || t[n] == ' ' || t[n] == '\t' }
	switch {
	case t[0] == ' ' || t[0] == '\t':
		return lineIndented, nil
	case t[0] == '#':
		return lineComment, nil
	case t[0] == '%':
		return lineDirective, nil
	case bytes.HasPrefix(t, []byte("---")) && sepAfter(3):
		rest := bytes.TrimLeft(l[3:], " \t")
		if r := bytes.TrimRight(rest, " \t\r\n"); len(r) == 0 || r[0] == '#' {
			return lineDocStart, nil
		}
		return lineDocStart, l[3:]
	case bytes.HasPrefix(t, []byte("...")) && sepAfter(3):
		return lineDocEnd, nil
	case t[0] == '-' && sepAfter(1):
		return lineItem, nil
	}
	return lineOther, nil
}
