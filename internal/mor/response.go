package mor

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Response is what a MOR answer says, whatever its envelope.
type Response struct {
	Envelope        Envelope // EnvelopePage when the first element is <page>, else EnvelopeRoot
	HasStatus       bool     // a <status> element without an <error> child was found
	Status          string   // own text of that first <status> element, trimmed
	Errors          []string // own text of every <error> element, trimmed, in order (empty texts left out)
	Messages        []string // text of every <message> element, in order
	UndefinedMethod string   // <name> of an <error><type>Undefined method</type>…</error> answer
	HasDetails      bool     // a <details> element was found (user_details)
	UserID          string   // text of the first <userid> element (user_details)
	Details         Params   // leaf elements under <details>, by element name, in order (user_details)
}

// maxDepth bounds element nesting; MOR answers are at most 4 deep.
const maxDepth = 64

// node is one element of the parsed body.
type node struct {
	name string
	text []byte // own character data, not the children's
	kids []*node
}

func (n *node) ownText() string { return strings.TrimSpace(string(n.text)) }

// child finds the first direct child named name (any case).
func (n *node) child(name string) *node {
	for _, k := range n.kids {
		if strings.EqualFold(k.name, name) {
			return k
		}
	}
	return nil
}

// ParseResponse reads a MOR answer: root-level elements (including MOR 11's
// not-well-formed two-root answer), <page>…</page>, <status><error>…</error></status>,
// with or without an XML declaration, and the unknown-method answer. It does
// not look at any header. A body that is not a MOR answer (an HTML page,
// garbage, no status/error/details element) gives an error wrapping
// ErrProtocol with a short sanitised excerpt.
func ParseResponse(body []byte) (Response, error) {
	root, err := parseTree(body)
	if err != nil {
		return Response{}, fmt.Errorf("%w: %v; body starts %q", ErrProtocol, err, Excerpt(body, 120))
	}
	var r Response
	if len(root.kids) > 0 && strings.EqualFold(root.kids[0].name, "page") {
		r.Envelope = EnvelopePage
	} else {
		r.Envelope = EnvelopeRoot
	}
	found, html := false, false
	var other string // a second <status> text that differs from the first
	var walk func(n *node, inDetails bool)
	walk = func(n *node, inDetails bool) {
		switch strings.ToLower(n.name) {
		case "html", "head", "body":
			html = true
		case "status":
			found = true
			if n.child("error") == nil {
				if !r.HasStatus {
					r.HasStatus, r.Status = true, n.ownText()
				} else if t := n.ownText(); normText(t) != normText(r.Status) && other == "" {
					other = t
				}
			}
		case "error":
			found = true
			if t := n.child("type"); t != nil && strings.EqualFold(t.ownText(), "Undefined method") {
				if nm := n.child("name"); nm != nil {
					r.UndefinedMethod = nm.ownText()
				}
				if r.UndefinedMethod == "" {
					r.UndefinedMethod = "?"
				}
			} else if s := n.ownText(); s != "" {
				r.Errors = append(r.Errors, s)
			}
		case "message":
			r.Messages = append(r.Messages, n.ownText())
		case "userid":
			if r.UserID == "" {
				r.UserID = n.ownText()
			}
		case "details":
			found = true
			r.HasDetails = true
			inDetails = true
		}
		if inDetails && len(n.kids) == 0 && !strings.EqualFold(n.name, "details") {
			r.Details = append(r.Details, Param{Key: n.name, Value: n.ownText()})
		}
		for _, k := range n.kids {
			walk(k, inDetails)
		}
	}
	for _, k := range root.kids {
		walk(k, false)
	}
	switch {
	case html:
		// MOR answers are XML whatever the Content-Type; a page is a proxy's
		// or a web server's, whatever <status> it may hold.
		return Response{}, fmt.Errorf("%w: an HTML page, not a MOR answer; it starts %q", ErrProtocol, Excerpt(body, 120))
	case !found:
		return Response{}, fmt.Errorf("%w: no status, error or details element; body starts %q", ErrProtocol, Excerpt(body, 120))
	case other != "":
		return Response{}, fmt.Errorf("%w: the answer holds <status> elements that disagree (%q and %q)", ErrProtocol, r.Status, other)
	}
	return r, nil
}

// parseTree tokenizes body inside a synthetic root, after a BOM and an XML
// declaration are stripped.
func parseTree(body []byte) (*node, error) {
	b := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeftFunc(b, unicode.IsSpace)
	if len(b) == 0 {
		return nil, errors.New("empty body")
	}
	if bytes.HasPrefix(b, []byte("<?xml")) {
		end := bytes.Index(b, []byte("?>"))
		if end < 0 {
			return nil, errors.New("unterminated XML declaration")
		}
		b = b[end+2:]
	}
	dec := xml.NewDecoder(io.MultiReader(strings.NewReader("<morbulk-root>"), bytes.NewReader(b), strings.NewReader("</morbulk-root>")))
	root := &node{}
	stack := []*node{root}
	first := true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if first { // the synthetic root
				first = false
				continue
			}
			if len(stack) > maxDepth {
				return nil, errors.New("elements nested too deep")
			}
			n := &node{name: t.Name.Local}
			top := stack[len(stack)-1]
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			top := stack[len(stack)-1]
			top.text = append(top.text, t...)
		}
	}
	return root, nil
}

// Excerpt returns at most max runes of body as one readable line: markup,
// <script> and <style> contents removed, control characters and invalid UTF-8
// dropped, white space collapsed. Callers still redact secrets.
func Excerpt(body []byte, max int) string {
	s := strings.ToValidUTF8(string(body[:min(len(body), 64<<10)]), "")
	var b strings.Builder
	n := 0
	space := false
	for i := 0; i < len(s) && n < max; {
		if s[i] == '<' {
			if skip := skipBlock(s[i:]); skip > 0 {
				i += skip
				continue
			}
			end := strings.IndexByte(s[i:], '>')
			if end > 0 && end < 2048 && isTagStart(s[i+1:]) {
				i += end + 1
				space = b.Len() > 0
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	out := b.String()
	// An error page often says the same thing in its <title> and its <h1>.
	if h := len(out) / 2; len(out) > 2 && len(out)%2 == 1 && out[h] == ' ' && out[:h] == out[h+1:] {
		out = out[:h]
	}
	return out
}

// isTagStart reports whether s (after '<') looks like markup.
func isTagStart(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c == '/' || c == '!' || c == '?' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// skipBlock returns the length of a <script>…</script> or <style>…</style>
// block at the start of s, or 0.
func skipBlock(s string) int {
	for _, tag := range []string{"script", "style"} {
		if len(s) > len(tag)+1 && strings.EqualFold(s[1:1+len(tag)], tag) {
			closing := "</" + tag
			if end := strings.Index(strings.ToLower(s), closing); end > 0 {
				if gt := strings.IndexByte(s[end:], '>'); gt > 0 {
					return end + gt + 1
				}
			}
			return len(s)
		}
	}
	return 0
}
