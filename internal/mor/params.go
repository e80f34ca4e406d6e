package mor

import (
	"net/url"
	"strings"
)

// Param is one request parameter: its wire name (e.g. "u5", "user_id") and
// its value exactly as it will be sent and hashed.
type Param struct {
	Key, Value string
}

// Params are the parameters of one row, in the order they are sent. The
// client sends exactly these (plus u, p and hash); it never adds, drops,
// trims or reorders a row parameter.
type Params []Param

// Get returns the value of key. When a key appears more than once the last
// value wins, as in Rails' parameter parsing.
func (ps Params) Get(key string) (string, bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].Key == key {
			return ps[i].Value, true
		}
	}
	return "", false
}

// reservedKeys are the parameters the client itself sends; a row must not carry them.
func isReserved(key string) bool {
	switch key {
	case "u", "p", "hash", "test":
		return true
	}
	return false
}

// encodeForm appends the form encoding of ps to b, "&"-separated, in order.
func encodeForm(b *strings.Builder, ps Params) {
	for _, p := range ps {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
	}
}
