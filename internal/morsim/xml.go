package morsim

import (
	"strconv"
	"strings"
)

// xmlDecl is Builder's instruct! with version 1.0 and UTF-8.
const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// builder reproduces Ruby Builder::XmlMarkup with :indent => 2: one element
// per line, two spaces per level, a newline after every element; a nil text
// gives <tag/>, an empty string <tag></tag>.
type builder struct {
	b     strings.Builder
	depth int
	ascii bool // Builder 2 (Rails 2.3): non-ASCII characters as &#NNN;
}

func newBuilder(pr *profile, decl bool) *builder {
	x := &builder{ascii: pr.entitiesASCII}
	if decl {
		x.b.WriteString(xmlDecl)
	}
	return x
}

func (x *builder) indent() { x.b.WriteString(strings.Repeat("  ", x.depth)) }

// leaf writes <name>text</name>.
func (x *builder) leaf(name, text string) {
	x.indent()
	x.b.WriteString("<" + name + ">" + x.escape(text) + "</" + name + ">\n")
}

// leafPtr writes <name/> for nil, like Builder given nil.
func (x *builder) leafPtr(name string, text *string) {
	if text == nil {
		x.indent()
		x.b.WriteString("<" + name + "/>\n")
		return
	}
	x.leaf(name, *text)
}

func (x *builder) open(name string) {
	x.indent()
	x.b.WriteString("<" + name + ">\n")
	x.depth++
}

func (x *builder) close(name string) {
	x.depth--
	x.indent()
	x.b.WriteString("</" + name + ">\n")
}

func (x *builder) String() string { return x.b.String() }

func (x *builder) escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case x.ascii && r > 127:
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// precheckError is the answer of the before_filters (API or GET disabled):
// MOR 11 prints a bare <status>text</status> without a declaration, later
// eras MorApi.return_error (doc §1.5, §4 rows 1-2).
// INFERENCE: the MOR 11 form has no trailing newline (a literal string, not Builder).
func precheckError(pr *profile, text string) string {
	if pr.precheckPlain {
		return "<status>" + text + "</status>"
	}
	return statusError(pr, text)
}

// statusError is MorApi.return_error: <status><error>text</error></status>.
func statusError(pr *profile, text string) string {
	x := newBuilder(pr, true)
	x.open("status")
	x.leaf("error", text)
	x.close("status")
	return x.String()
}

// actionBody renders the elements an action answers with, inside <page> from
// MOR 12 on and as root-level elements (possibly two roots) in MOR 11.
func actionBody(pr *profile, fill func(x *builder)) string {
	x := newBuilder(pr, true)
	if pr.wrapPage {
		x.open("page")
	}
	fill(x)
	if pr.wrapPage {
		x.close("page")
	}
	return x.String()
}

// actionError is <error>text</error> in the action's envelope.
func actionError(pr *profile, text string) string {
	return actionBody(pr, func(x *builder) { x.leaf("error", text) })
}

// actionStatus is <status>text</status> in the action's envelope.
func actionStatus(pr *profile, text string) string {
	return actionBody(pr, func(x *builder) { x.leaf("status", text) })
}

// notUpdated is "User was not updated" followed by one <message> per error.
func notUpdated(pr *profile, messages []string) string {
	return actionBody(pr, func(x *builder) {
		x.leaf("error", "User was not updated")
		for _, m := range messages {
			x.leaf("message", m)
		}
	})
}

// hashError is row 3 of the error table: MOR 11/12 answer in the action's
// envelope, X3+ through return_error from the before_filter.
func hashError(pr *profile) string {
	if pr.hashErrorStatus {
		return statusError(pr, "Incorrect hash")
	}
	return actionError(pr, "Incorrect hash")
}

// undefinedMethod is ApiController#method_missing's answer, as the doc prints it.
func undefinedMethod(name string) string {
	x := &builder{}
	return "<error><type>Undefined method</type><name>" + x.escape(name) + "</name></error>"
}

// rails500 is the body of Rails' public/500.html, sent for an unhandled exception.
const rails500 = `<!DOCTYPE html>
<html>
<head>
  <title>We're sorry, but something went wrong (500)</title>
</head>
<body>
  <div class="dialog">
    <h1>We're sorry, but something went wrong.</h1>
  </div>
</body>
</html>
`
