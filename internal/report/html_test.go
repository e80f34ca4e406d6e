package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// htmlStart is the fixed start of the test runs.
var htmlStart = time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))

// htmlMeta describes the fixed apply run of the golden test.
func htmlMeta() HTMLMeta {
	return HTMLMeta{
		Command: "apply",
		Files: []Fingerprint{
			{Path: "changes.csv", Size: 2048, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
			{Path: "more.yaml", Size: 311, SHA256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"},
		},
		Target:   "simulator http://127.0.0.1:40123/billing (profile x3)",
		Profile:  "x3",
		Settings: map[string]string{"workers": "4", "rate": "5", "retries": "3", "user": "admin", "password": "hunter2", "api_secret_key": "s3cr3t"},
		Started:  htmlStart,
		Ended:    htmlStart.Add(4 * time.Second),
		Links:    map[string]string{"spreadsheet report (CSV)": "reports/apply-1.csv", "failed rows": "reports/apply-1 failed.csv"},
	}
}

// htmlRecords is a small apply run: every status, a problem shared by
// several rows with other values, warnings, retries and a carried row.
func htmlRecords() []Record {
	at := func(ms int) time.Time { return htmlStart.Add(time.Duration(ms) * time.Millisecond) }
	notFound := &Response{Error: "Tariff not found"}
	return []Record{
		{File: "changes.csv", Row: 2, Line: 2, Status: StatusUpdated, UserID: "1001", Attempts: 1, HTTPStatus: 200, LatencyMS: 41.5, SentAt: at(100), Response: &Response{Status: "User was updated"}, Run: 1},
		{File: "changes.csv", Row: 4, Line: 4, Status: StatusFailed, UserID: "1003", Attempts: 1, HTTPStatus: 200, LatencyMS: 38, SentAt: at(400), Response: notFound, Run: 1},
		{File: "changes.csv", Row: 3, Line: 3, Status: StatusUpdated, UserID: "1002", Attempts: 3, HTTPStatus: 200, LatencyMS: 912.25, SentAt: at(300), Response: &Response{Status: "User was updated"}, Run: 1,
			Warnings: []Issue{{Column: "u21", Message: "u21 alone turns Cyberplat OFF"}}},
		{File: "changes.csv", Row: 5, Line: 5, Status: StatusFailed, UserID: "1004", Attempts: 1, HTTPStatus: 200, LatencyMS: 44, SentAt: at(1200), Response: notFound, Run: 1},
		{File: "changes.csv", Row: 6, Line: 6, Status: StatusInvalid, UserID: "1005",
			Errors: []Issue{{Column: "credit", Message: `"0,5" uses a decimal comma: write 0.5`}, {Column: "email", Message: `"x@" is not a valid email address (expected name@example.com)`}}},
		{File: "changes.csv", Row: 7, Line: 8, Status: StatusInvalid, UserID: "1006",
			Errors: []Issue{{Column: "credit", Message: `"12,75" uses a decimal comma: write 12.75`}}},
		{File: "changes.csv", Row: 8, Line: 9, Status: StatusSkipped, UserID: "1007"},
		{File: "changes.csv", Row: 9, Line: 10, Status: StatusUpdated, UserID: "1008", Attempts: 1, HTTPStatus: 200, LatencyMS: 55, SentAt: at(2500), Response: &Response{Status: "User was updated"}, Run: 1},
		{File: "changes.csv", Row: 10, Line: 11, Status: StatusFailed, UserID: "1009", Attempts: 4, HTTPStatus: 503, LatencyMS: 3000, SentAt: at(3100), Run: 1},
		{File: "changes.csv", Row: 11, Line: 12, Status: StatusNotSent, UserID: "1010", Reason: "the run stopped: 10 rows in a row failed", Run: 1},
		{File: "changes.csv", Row: 12, Line: 13, Status: StatusUpdated, UserID: "1011", Carried: true, Run: 1},
		{File: "more.yaml", Row: 0, Line: 1, Status: StatusFileError,
			Errors: []Issue{{Message: "YAML anchors and aliases are refused: write the values out"}}},
		{File: "changes.csv", Row: 13, Line: 14, Status: StatusFailed, UserID: "1012", Attempts: 1, HTTPStatus: 200, LatencyMS: 61, SentAt: at(3900), Response: notFound, Run: 1},
	}
}

func writeHTML(t testing.TB, path string, meta HTMLMeta, recs []Record) []byte {
	t.Helper()
	h, err := NewHTML(path, meta)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if err := h.Write(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHTMLGolden(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "reports", "apply-1.html")
	meta := htmlMeta()
	// Links are relative to the report: make them beside it.
	for k, v := range meta.Links {
		meta.Links[k] = filepath.Join(filepath.Dir(path), filepath.Base(v))
	}
	got := writeHTML(t, path, meta, htmlRecords())
	golden := filepath.Join("testdata", "report.html.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("HTML differs from %s at line %d:\n got: %.300s\nwant: %.300s\n(go test -update rewrites it)", golden, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("HTML differs from %s in length: %d lines, want %d", golden, len(gl), len(wl))
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
}

// TestHTMLContents checks what the golden file is meant to show, so that
// an -update cannot quietly lose it.
func TestHTMLContents(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	meta := htmlMeta()
	meta.Links = map[string]string{"spreadsheet report (CSV)": filepath.Join(dir, "apply-1.csv"), "failed rows": filepath.Join(dir, "apply 1#failed.csv")}
	page := string(writeHTML(t, filepath.Join(dir, "apply-1.html"), meta, htmlRecords()))
	for _, want := range []string{
		"13 rows: 4 updated, 1 skipped, 2 invalid, 4 failed, 1 not sent, 1 file error", // the headline
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",             // the fingerprint
		"2.0 KiB", "x3", "2026-03-01 09:30:00 CET", "2026-03-01 09:30:04 CET (4s)",
		`<span class="count">3 rows</span> <span class="pill st-failed">failed</span> Tariff not found`,
		`<code>credit</code> &#34;…&#34; uses a decimal comma: write #`, // grouped without the values
		`<span class="count">2 rows</span>`,
		"u21 alone turns Cyberplat OFF",
		`href="apply-1.csv"`, `href="apply%201%23failed.csv"`, // relative, escaped
		`<svg role="img" aria-label="rows by status"`,
		`aria-label="requests per second, per 100ms"`, `aria-label="latency per 100ms (ms)"`,
		"HTTP 503", // a status code is not a value to group away,
		`<script type="application/json" id="rows-data">`,
		"@media print",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, secret := range []string{"hunter2", "s3cr3t", "password", "api_secret_key"} {
		if strings.Contains(page, secret) {
			t.Errorf("the page shows the setting %q", secret)
		}
	}
	// Nothing is fetched from elsewhere.
	own := strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
	own = strings.ReplaceAll(own, "http://127.0.0.1:40123/billing", "") // the target, as text
	for _, re := range []string{`(?i)<link\b`, `(?i)\bsrc\s*=`, `(?i)https?://`, `(?i)@import`, `(?i)url\(`} {
		if m := regexp.MustCompile(re).FindString(own); m != "" {
			t.Errorf("the page refers to something outside it: %q", m)
		}
	}
	data := rowsData(t, page)
	if len(data.Rows) != 13 || len(data.Files) != 2 {
		t.Fatalf("rows data: %d rows, %d files", len(data.Rows), len(data.Files))
	}
	// The table is in file order, then row order, whatever order results came in.
	if first := data.Rows[0]; first[1].(float64) != 2 || data.Files[int(first[0].(float64))] != "changes.csv" {
		t.Errorf("first row %v", first)
	}
	if last := data.Rows[12]; data.Files[int(last[0].(float64))] != "more.yaml" {
		t.Errorf("last row %v", last)
	}
}

type rowsJSON struct {
	Files    []string  `json:"files"`
	Statuses []string  `json:"statuses"`
	Msgs     []string  `json:"msgs"`
	Rows     [][]any   `json:"rows"`
	Groups   [][]int32 `json:"groups"`
}

var dataScript = regexp.MustCompile(`(?s)<script type="application/json" id="rows-data">(.*?)</script>`)

// rowsData decodes the rows embedded in a page.
func rowsData(t testing.TB, page string) rowsJSON {
	t.Helper()
	m := dataScript.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no rows data in the page")
	}
	var d rowsJSON
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("rows data is not JSON: %v", err)
	}
	return d
}

// TestHTMLEscapes feeds hostile text in every field that reaches the page.
func TestHTMLEscapes(t *testing.T) {
	t.Parallel()
	payloads := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`</script><script>alert(2)</script>`,
		`javascript:alert(3)`,
		`'-alert(4)-'`,
		`<!--<script>`,
		"\u2028alert(5)\u2029",
		`</style><svg onload=alert(6)>`,
		`{{.Title}}`,
	}
	var recs []Record
	for i, p := range payloads {
		recs = append(recs, Record{
			File: p + ".csv", Row: i + 2, Line: i + 2, Status: StatusFailed, UserID: p,
			Params:   []KV{{Key: "u17", Value: p}},
			Errors:   []Issue{{Column: p, Message: p}},
			Warnings: []Issue{{Column: "u21", Message: p}},
			Response: &Response{Status: p, Error: p, Messages: []string{p}},
			Reason:   p, Attempts: 1, HTTPStatus: 500, LatencyMS: 1, SentAt: htmlStart.Add(time.Duration(i) * time.Second), Run: 1,
		}, Record{
			File: "plain.csv", Row: i + 2, Line: i + 2, Status: StatusNotSent, UserID: "u" + p, Reason: p, Run: 1,
		})
	}
	dir := t.TempDir()
	meta := HTMLMeta{
		Command: "apply", Target: payloads[0], Profile: payloads[1],
		Files:    []Fingerprint{{Path: payloads[2], SHA256: payloads[0]}},
		Settings: map[string]string{payloads[0]: payloads[1]},
		Started:  htmlStart, Ended: htmlStart.Add(time.Minute),
		Links: map[string]string{payloads[0]: "javascript:alert(7)", "x": filepath.Join(dir, `"><script>alert(8)</script>.csv`)},
		Runs:  []RunInfo{{Run: 1, Target: payloads[3], Started: htmlStart}, {Run: 2, Target: payloads[2], Started: htmlStart}},
	}
	page := string(writeHTML(t, filepath.Join(dir, "r.html"), meta, recs))
	// A payload with markup never appears as it is; one without is
	// harmless as text, and must not appear where it would run.
	for _, p := range payloads {
		if strings.ContainsAny(p, "<>\"") && strings.Contains(page, p) {
			t.Errorf("payload %q reaches the page as it is", p)
		}
	}
	for _, bad := range []string{"<script>alert", "<img", "<svg onload", `href="javascript:`, "<!--"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if strings.Contains(page, "{{") && !strings.Contains(page, "{{.Title}}") {
		t.Error("a template action in the input was evaluated")
	}
	// In the scripts, JSON strings must not hold raw line separators.
	for _, m := range regexp.MustCompile(`(?s)<script[^>]*>(.*?)</script>`).FindAllStringSubmatch(page, -1) {
		if strings.ContainsAny(m[1], "\u2028\u2029") {
			t.Error("a script holds a raw U+2028 or U+2029")
		}
		if strings.Contains(m[1], "'-alert(4)-'") && !strings.HasPrefix(strings.TrimSpace(m[1]), "{") {
			t.Error("a payload reaches the script that runs")
		}
	}
	// The page keeps its shape: exactly our two scripts, one style, the
	// data intact.
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("%d <script tags, want 2", n)
	}
	if n := strings.Count(page, "</script>"); n != 2 {
		t.Errorf("%d </script> tags, want 2", n)
	}
	if n := strings.Count(page, "<style>"); n != 1 || strings.Count(page, "</style>") != 1 {
		t.Errorf("style tags broken")
	}
	checkBalanced(t, page)
	data := rowsData(t, page)
	found := map[string]bool{}
	for _, r := range data.Rows {
		found[r[3].(string)] = true
	}
	for _, p := range payloads {
		if !found[p] {
			t.Errorf("user id %q did not survive the round trip through the embedded JSON", p)
		}
	}
}

// checkBalanced is a small well-formedness check without an HTML parser:
// the elements the page is built of open and close in pairs, and no tag
// appears inside an attribute value.
func checkBalanced(t *testing.T, page string) {
	t.Helper()
	body := dataScript.ReplaceAllString(page, "")
	if i := strings.Index(body, "<script>"); i >= 0 {
		body = body[:i] + body[strings.Index(body, "</script>")+len("</script>"):]
	}
	for _, el := range []string{"details", "table", "tr", "td", "section", "svg", "summary", "dl", "a", "q", "code", "label", "main"} {
		open := regexp.MustCompile(`<`+el+`[\s>]`).FindAllStringIndex(body, -1)
		if c := strings.Count(body, "</"+el+">"); len(open) != c {
			t.Errorf("<%s>: %d opened, %d closed", el, len(open), c)
		}
	}
	if m := regexp.MustCompile(`="[^"]*<[^"]*"`).FindString(body); m != "" {
		t.Errorf("a tag inside an attribute: %s", m)
	}
}

// TestHTMLLarge writes 100,000 rows: the page stays small, and the writer
// keeps neither the records nor the buffers their strings point into.
func TestHTMLLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	const n = 100_000
	dir := t.TempDir()
	h, err := NewHTML(filepath.Join(dir, "big.html"), HTMLMeta{Command: "apply", Started: htmlStart, Ended: htmlStart.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	statuses := []string{StatusUpdated, StatusUpdated, StatusUpdated, StatusFailed, StatusInvalid, StatusSkipped}
	invalid := 0
	for i := range n {
		// Every record brings 4 KiB of its own: a row buffer the user id
		// is cut from, and the params. Retaining them would hold 400 MiB.
		line := []byte(fmt.Sprintf("%d,%s", 100000+i, strings.Repeat("x", 4096)))
		rec := &Record{
			File: "users.csv", Row: i + 2, Line: i + 2, Status: statuses[i%len(statuses)],
			UserID:   unsafeSub(line),
			Params:   []KV{{"u17", string(line)}},
			Attempts: 1, HTTPStatus: 200, LatencyMS: float64(20 + i%200), SentAt: htmlStart.Add(time.Duration(i) * 36 * time.Millisecond), Run: 1,
		}
		switch rec.Status {
		case StatusFailed:
			rec.Response = &Response{Error: "Tariff not found"}
		case StatusInvalid:
			invalid++
			rec.Errors = []Issue{{Column: "credit", Message: fmt.Sprintf("%q uses a decimal comma: write %d.5", fmt.Sprint(i, ",5"), i)}}
		}
		if err := h.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	checkHeld(t, &before, n)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(h)
	st, err := os.Stat(filepath.Join(dir, "big.html"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("page: %.1f MiB", float64(st.Size())/(1<<20))
	if st.Size() > 12<<20 {
		t.Errorf("page of %d rows is %.1f MiB", n, float64(st.Size())/(1<<20))
	}
	page, _ := os.ReadFile(filepath.Join(dir, "big.html"))
	if data := rowsData(t, string(page)); len(data.Rows) != n {
		t.Errorf("%d rows in the page", len(data.Rows))
	}
	if !strings.Contains(string(page), `<span class="count">`+formatInt(invalid)+` rows</span> <span class="pill st-invalid">invalid</span> <code>credit</code> &#34;…&#34; uses a decimal comma: write #`) {
		t.Error("the invalid rows are not grouped into one problem")
	}
}

// unsafeSub returns the user id as a substring of the whole row, as a
// reader that slices its line buffer would: it pins the 4 KiB line.
func unsafeSub(line []byte) string {
	s := string(line)
	return s[:6]
}

// TestRebuildHTML rebuilds a report from a resumed journal with a torn
// tail: every row counts once, with its latest record.
func TestRebuildHTML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	journal := filepath.Join(dir, "apply-1.jsonl")
	at := func(s int) time.Time { return htmlStart.Add(time.Duration(s) * time.Second) }
	run1 := []Record{
		{File: "a.csv", Row: 2, Status: StatusUpdated, UserID: "1", Attempts: 1, HTTPStatus: 200, LatencyMS: 10, SentAt: at(1), Run: 1, Response: &Response{Status: "User was updated"}},
		{File: "a.csv", Row: 3, Status: StatusFailed, UserID: "2", Attempts: 4, HTTPStatus: 503, LatencyMS: 900, SentAt: at(2), Run: 1},
		{File: "a.csv", Row: 4, Status: StatusNotSent, UserID: "3", Reason: "interrupted", Run: 1},
		{File: "a.csv", Row: 5, Status: StatusInvalid, UserID: "4", Errors: []Issue{{Column: "credit", Message: `"1,5" uses a decimal comma: write 1.5`}}, Run: 1},
	}
	run2 := []Record{
		{File: "a.csv", Row: 3, Status: StatusUpdated, UserID: "2", Attempts: 1, HTTPStatus: 200, LatencyMS: 12, SentAt: at(100), Run: 2, Response: &Response{Status: "User was updated"}},
		{File: "a.csv", Row: 4, Status: StatusFailed, UserID: "3", Attempts: 1, HTTPStatus: 200, LatencyMS: 15, SentAt: at(101), Run: 2, Response: &Response{Error: "Tariff not found"}},
	}
	var b []byte
	for i := range run1 {
		b = append(AppendJSON(b, &run1[i]), '\n')
	}
	for i := range run2 {
		b = append(AppendJSON(b, &run2[i]), '\n')
	}
	torn := AppendJSON(nil, &Record{File: "a.csv", Row: 5, Status: StatusUpdated, UserID: "4", Attempts: 1, Run: 2})
	b = append(b, torn[:len(torn)/2]...) // killed mid-write
	if err := os.WriteFile(journal, b, 0o600); err != nil {
		t.Fatal(err)
	}
	runs := []RunInfo{
		{Run: 1, Started: at(0), Target: "https://billing.example.com/billing", Files: []Fingerprint{{Path: "a.csv", Size: 120, SHA256: "abc123"}}, Settings: map[string]string{"profile": "x3", "workers": "4"}},
		{Run: 2, Started: at(90), Target: "https://billing.example.com/billing", Files: []Fingerprint{{Path: "a.csv", Size: 120, SHA256: "abc123"}}, Settings: map[string]string{"profile": "x3", "workers": "2"}},
	}
	if err := WriteRuns(journal, runs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "apply-1.csv"), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rebuilt.html")
	if err := RebuildHTML(journal, out); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	for _, want := range []string{
		"4 rows: 2 updated, 1 invalid, 1 failed", // row 3 updated by run 2, row 4 failed in run 2, row 5 stays invalid (torn)
		"morbulk apply report", "abc123", "https://billing.example.com/billing",
		`<td class="num">2</td><td>2026-03-01 09:31:30 UTC&#43;01:00</td>`, // the second run, its zone's name lost in JSON
		`href="apply-1.csv"`, `href="apply-1.jsonl"`,
		"Tariff not found",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the rebuilt page lacks %q", want)
			if os.Getenv("DBG") != "" {
				t.Log(page)
			}
		}
	}
	data := rowsData(t, page)
	if len(data.Rows) != 4 {
		t.Fatalf("%d rows, want 4 (one per row)", len(data.Rows))
	}
	got := map[float64]string{}
	for _, r := range data.Rows {
		got[r[1].(float64)] = data.Statuses[int(r[2].(float64))]
	}
	want := map[float64]string{2: StatusUpdated, 3: StatusUpdated, 4: StatusFailed, 5: StatusInvalid}
	for row, st := range want {
		if got[row] != st {
			t.Errorf("row %v: %q, want %q", row, got[row], st)
		}
	}

	// A damaged line in the middle is not a torn tail.
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, append([]byte("{not json\n"), b[:len(b)-len(torn)/2]...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RebuildHTML(bad, filepath.Join(dir, "bad.html")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("damaged journal: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.html")); err == nil {
		t.Error("a failed rebuild left a report")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// TestNormalizeMessage groups the same problem with other values.
func TestNormalizeMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`"0,5" uses a decimal comma: write 0.5`, `"…" uses a decimal comma: write #`},                     // quoted value and number
		{`"1.234,50" uses locale grouping`, `"…" uses locale grouping`},                                    // quoted value
		{"2023-02-29 does not exist (2023 is not a leap year)", "# does not exist (# is not a leap year)"}, // a date
		{"Tariff not found", "Tariff not found"},                                                           // server text as it is
		{"don't use u21 alone", "don't use u21 alone"},                                                     // apostrophe, code with digits
		{"an unquoted NO is YAML null: quote it ('NO')", "an unquoted NO is YAML null: quote it ('…')"},
		{`unterminated "quote`, `unterminated "quote`},
		{`tariff not found: server said "Tariff was not found"`, `tariff not found: server said "Tariff was not found"`}, // the server's words stay
		{`user was not updated: server said "User was not updated": Email must be unique`, `user was not updated: server said "User was not updated": Email must be unique`},
	} {
		if got := normalizeMessage(tc.in); got != tc.want {
			t.Errorf("normalizeMessage(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestHTMLBounded writes 300,000 rows, more with problems than the table
// keeps and with thousands of distinct server messages: the writer's
// memory stays bounded, the table keeps the rows with problems and the
// page says it left rows out.
func TestHTMLBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	const n = 300_000
	dir := t.TempDir()
	path := filepath.Join(dir, "big.html")
	h, err := NewHTML(path, HTMLMeta{Command: "apply", Started: htmlStart, Ended: htmlStart.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	problems := 0
	for i := range n {
		rec := &Record{
			File: "users.csv", Row: i + 2, Line: i + 2, Status: StatusUpdated, UserID: strconv.Itoa(100000 + i),
			Attempts: 1, HTTPStatus: 200, LatencyMS: float64(20 + i%200), SentAt: htmlStart.Add(time.Duration(i) * 12 * time.Millisecond), Run: 1,
		}
		switch i % 5 {
		case 0:
			rec.Status, rec.Attempts, rec.SentAt = StatusInvalid, 0, time.Time{}
			rec.Errors = []Issue{{Column: "credit", Message: fmt.Sprintf(`"%d,5" uses a decimal comma: write %d.5`, i, i)}}
		case 1:
			rec.Status = StatusFailed
			rec.Response = &Response{Error: "backend refused account " + letters(i)} // a kind of its own each
		}
		if rec.Status != StatusUpdated {
			problems++
		}
		if err := h.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	checkHeld(t, &before, n)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(h)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	for _, want := range []string{
		"300,000 rows: 180,000 updated, 60,000 invalid, 60,000 failed", // the counts cover every row
		`<p class="note" id="rows-truncated">The table shows 100,000 of 300,000 rows: all rows with problems first`,
		"the CSV report has every row",
		`<span class="count">60,000 rows</span> <span class="pill st-invalid">invalid</span>`, // the group counts every row
		"other kinds of problem, not listed here",
		`aria-label="requests per second, per 1m0s"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	data := rowsData(t, page)
	if len(data.Rows) != htmlTableRows {
		t.Fatalf("%d rows in the table, want %d", len(data.Rows), htmlTableRows)
	}
	for _, r := range data.Rows {
		if st := data.Statuses[int(r[2].(float64))]; st == StatusUpdated {
			t.Fatalf("the table keeps an updated row while it leaves %d rows with problems out", problems-htmlTableRows)
		}
	}
	if groups := strings.Count(page, `<details class="group">`); groups > htmlGroups+1 {
		t.Errorf("%d groups listed", groups)
	}
}

// letters spells n in the letters a-z, which no grouping takes out.
func letters(n int) string {
	b := []byte{}
	for {
		b = append(b, byte('a'+n%26))
		n /= 26
		if n == 0 {
			return string(b)
		}
	}
}

// checkHeld fails the test when the heap holds more than 40 MiB more than
// before, after a collection: the writer must keep compact rows, boundedly.
func checkHeld(t *testing.T, before *runtime.MemStats, n int) {
	t.Helper()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("held after %d rows: %.1f MiB", n, float64(held)/(1<<20))
	if held > 40<<20 {
		t.Errorf("the writer holds %.1f MiB for %d rows: its memory is not bounded", float64(held)/(1<<20), n)
	}
}

// TestChartLabelsDoNotOverlap: the time labels of a chart are spaced by at
// least their width, long ("15:04:05.000") or short ("15:04:05").
func TestChartLabelsDoNotOverlap(t *testing.T) {
	t.Parallel()
	for _, label := range []string{"15:04:05.000", "15:04:05"} {
		for _, nb := range []int{2, 3, 8, 13, 40, 500} {
			v, ok := make([]float64, nb), make([]bool, nb)
			c := newLineChart("x", "y", nb, func(int) string { return label }, []seriesData{{"s", "c", v, ok}})
			if len(c.XTicks) < min(nb, 2) {
				t.Errorf("%q, %d buckets: %d labels", label, nb, len(c.XTicks))
			}
			for i := 1; i < len(c.XTicks); i++ {
				if gap := c.XTicks[i].Pos - c.XTicks[i-1].Pos; gap < 7*len(label) {
					t.Errorf("%q, %d buckets: labels %d and %d are %d px apart, less than their width", label, nb, i-1, i, gap)
				}
			}
		}
	}
}
