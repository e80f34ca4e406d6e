package mor

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkUpdate is the client's cost per request (build, hash, send, read,
// parse, classify) against a local server with a fixed success body.
func BenchmarkUpdate(b *testing.B) {
	const ok = `<?xml version="1.0" encoding="UTF-8"?>` + "\n<page>\n  <status>User was updated</status>\n</page>\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, ok)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/billing", User: "admin", Password: "admin1", Secret: "secret"})
	if err != nil {
		b.Fatal(err)
	}
	row := Params{{"user_id", "42"}, {"u23", "John"}, {"u17", "Smith"}, {"u15", "1"}, {"credit", "10.5"}, {"a8", "john@example.com"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := c.Update(ctx, row); res.Class != Updated {
			b.Fatal(res.Err)
		}
	}
}

// BenchmarkHash is the cost of one Mode F hash of a typical row.
func BenchmarkHash(b *testing.B) {
	h := NewHasher()
	row := Params{{"user_id", "42"}, {"u23", "John"}, {"u17", "Smith"}, {"u15", "1"}, {"credit", "10.5"}, {"a8", "john@example.com"}}
	b.ReportAllocs()
	for b.Loop() {
		if h.Hash(HashFull, row, "secret").Hex == "" {
			b.Fatal("empty")
		}
	}
}

// BenchmarkParseResponse is the cost of parsing and classifying an answer.
func BenchmarkParseResponse(b *testing.B) {
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<page>\n  <error>User was not updated</error>\n  <message>Email must be unique</message>\n</page>\n")
	b.ReportAllocs()
	for b.Loop() {
		r, err := ParseResponse(body)
		if err != nil {
			b.Fatal(err)
		}
		_, _, _ = Classify(r)
	}
}
