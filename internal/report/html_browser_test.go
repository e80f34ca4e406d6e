package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHTMLInBrowser opens a report in headless Chromium, driven through
// chromedriver's W3C WebDriver API (net/http and JSON only). It runs only
// when MORBULK_BROWSER names the Chromium binary:
//
//	MORBULK_BROWSER=/usr/bin/chromium go test -run TestHTMLInBrowser -v ./internal/report/
//
// chromedriver is MORBULK_CHROMEDRIVER, else "chromedriver" on the PATH.
// The screenshot goes to MORBULK_SCREENSHOT, else reports/report-screenshot.png
// at the root of the module.
func TestHTMLInBrowser(t *testing.T) {
	browser := os.Getenv("MORBULK_BROWSER")
	if browser == "" {
		t.Skip("set MORBULK_BROWSER=/usr/bin/chromium to run the report in a browser")
	}
	driver := os.Getenv("MORBULK_CHROMEDRIVER")
	if driver == "" {
		driver = "chromedriver"
	}
	driverPath, err := exec.LookPath(driver)
	if err != nil {
		t.Fatalf("chromedriver: %v (set MORBULK_CHROMEDRIVER)", err)
	}
	shot := os.Getenv("MORBULK_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(moduleRoot(t), "reports", "report-screenshot.png")
	}

	dir := t.TempDir()
	page := filepath.Join(dir, "apply-browser.html")
	meta := htmlMeta()
	meta.Ended = htmlStart.Add(2 * time.Minute)
	meta.Links = map[string]string{"spreadsheet report (CSV)": filepath.Join(dir, "apply-browser.csv")}
	recs := browserRecords(300)
	writeHTML(t, page, meta, recs)
	wantUpdated := 0
	for _, r := range recs {
		if r.Status == StatusUpdated {
			wantUpdated++
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	wd := startDriver(ctx, t, driverPath)
	sess := wd.newSession(t, browser, filepath.Join(dir, "profile"))
	defer sess.close()

	// Errors and blocked loads are recorded from the first line of the page on.
	sess.cdp(t, "Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": `
		window.__errors = [];
		window.addEventListener("error", function (e) { window.__errors.push("error: " + e.message); });
		window.addEventListener("securitypolicyviolation", function (e) { window.__errors.push("csp: " + e.blockedURI); });
		(function () { var orig = console.error; console.error = function () { window.__errors.push("console: " + Array.prototype.join.call(arguments, " ")); return orig.apply(console, arguments); }; })();`})
	sess.post(t, "/url", map[string]any{"url": (&url.URL{Scheme: "file", Path: filepath.ToSlash(page)}).String()})

	var state struct {
		Errors    []string `json:"errors"`
		Resources int      `json:"resources"`
		Visible   int      `json:"visible"`
		Matching  int      `json:"matching"`
		Title     string   `json:"title"`
	}
	readState := func() {
		t.Helper()
		sess.script(t, `return {errors: window.__errors || ["the listener was not installed"],
			resources: performance.getEntriesByType("resource").length,
			visible: document.querySelectorAll("#rows-body tr").length,
			matching: Number(document.getElementById("rows-body").getAttribute("data-matching")),
			title: document.title};`, &state)
	}
	readState()
	if len(state.Errors) > 0 {
		t.Errorf("errors in the page: %q", state.Errors)
	}
	if state.Resources != 0 {
		t.Errorf("the page loaded %d resources besides itself", state.Resources)
	}
	if state.Visible != htmlTableRowsPer || state.Matching != len(recs) {
		t.Errorf("at first %d rows visible of %d matching, want %d of %d", state.Visible, state.Matching, htmlTableRowsPer, len(recs))
	}
	if !strings.Contains(state.Title, "morbulk apply report") {
		t.Errorf("title %q", state.Title)
	}
	if logs := sess.browserLog(t); len(logs) > 0 {
		t.Errorf("browser log: %q", logs)
	}
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	// The whole page in one picture: the window as tall as the document.
	var height int
	sess.script(t, `return document.documentElement.scrollHeight;`, &height)
	sess.post(t, "/window/rect", map[string]any{"width": 1280, "height": min(height+120, 16000)})
	if err := os.WriteFile(shot, sess.screenshot(t), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)

	// Unticking "updated" leaves the other rows.
	sess.click(t, `#status-filter input[data-status="updated"]`)
	readState()
	if want := len(recs) - wantUpdated; state.Matching != want || state.Visible != min(want, htmlTableRowsPer) {
		t.Errorf("without updated rows: %d visible of %d matching, want %d", state.Visible, state.Matching, want)
	}
	sess.click(t, "#all-statuses")

	// The search finds one user.
	sess.typeInto(t, "#search", "1042")
	time.Sleep(400 * time.Millisecond) // the search waits for typing to pause
	readState()
	if state.Matching != 1 || state.Visible != 1 {
		t.Errorf("search for 1042: %d visible of %d matching, want 1", state.Visible, state.Matching)
	}
	sess.script(t, `var s = document.getElementById("search"); s.value = ""; s.dispatchEvent(new Event("input")); return null;`, nil)
	time.Sleep(400 * time.Millisecond)

	// An error group opens and shows its rows in the table.
	sess.click(t, "#errors details summary")
	sess.click(t, "#errors details button[data-group]")
	readState()
	var want int
	sess.script(t, `return JSON.parse(document.getElementById("rows-data").textContent).groups[0].length;`, &want)
	if state.Matching != want || want == 0 {
		t.Errorf("the first group's rows: %d matching, want %d", state.Matching, want)
	}
	readState()
	if len(state.Errors) > 0 {
		t.Errorf("errors after clicking around: %q", state.Errors)
	}
}

// browserRecords is an apply run of n rows with every status.
func browserRecords(n int) []Record {
	recs := make([]Record, 0, n)
	for i := range n {
		r := Record{File: "changes.csv", Row: i + 2, Line: i + 2, UserID: strconv.Itoa(1000 + i), Run: 1}
		sent := htmlStart.Add(time.Duration(i) * 400 * time.Millisecond)
		switch {
		case i%10 == 3:
			r.Status, r.Attempts, r.HTTPStatus, r.LatencyMS, r.SentAt = StatusFailed, 1, 200, 40+float64(i%7), sent
			r.Response = &Response{Error: "Tariff not found"}
		case i%10 == 5:
			r.Status = StatusInvalid
			r.Errors = []Issue{{Column: "credit", Message: fmt.Sprintf("%q uses a decimal comma: write %d.5", strconv.Itoa(i)+",5", i)}}
		case i%25 == 7:
			r.Status = StatusSkipped
		case i > n-10:
			r.Status, r.Reason = StatusNotSent, "the run stopped: interrupted by the user"
		default:
			r.Status, r.Attempts, r.HTTPStatus, r.SentAt = StatusUpdated, 1+i%13/12*2, 200, sent
			r.LatencyMS = 30 + float64(i%17) + float64(i)/3 // the server slows down
			r.Response = &Response{Status: "User was updated"}
		}
		if i == 42 {
			r.UserID = "1042"
		}
		recs = append(recs, r)
	}
	return recs
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// webDriver is a chromedriver process and its HTTP endpoint.
type webDriver struct {
	base string
	ctx  context.Context
}

func startDriver(ctx context.Context, t *testing.T, path string) *webDriver {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var log bytes.Buffer
	cmd := exec.Command(path, "--port="+strconv.Itoa(port), "--allowed-ips=127.0.0.1")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromedriver: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("chromedriver output:\n%s", log.String())
		}
	})
	wd := &webDriver{base: "http://127.0.0.1:" + strconv.Itoa(port), ctx: ctx}
	for deadline := time.Now().Add(15 * time.Second); ; {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := wd.do("GET", "/status", nil, &st); err == nil && st.Ready {
			return wd
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver did not start: %s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// do sends one WebDriver command and decodes its "value" into out.
func (wd *webDriver) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(wd.ctx, method, wd.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, resp.StatusCode, b)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d: %.500s", method, path, resp.StatusCode, env.Value)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

type session struct {
	wd *webDriver
	id string
}

func (wd *webDriver) newSession(t *testing.T, browser, profile string) *session {
	t.Helper()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": browser,
			"args": []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1280,1800", "--hide-scrollbars"},
		},
		"goog:loggingPrefs": map[string]string{"browser": "ALL"},
	}}}
	var out struct {
		SessionID string `json:"sessionId"`
	}
	if err := wd.do("POST", "/session", caps, &out); err != nil {
		t.Fatalf("start a browser session: %v", err)
	}
	return &session{wd: wd, id: out.SessionID}
}

func (s *session) close() { s.wd.do("DELETE", "/session/"+s.id, nil, nil) }

func (s *session) post(t *testing.T, path string, in any) {
	t.Helper()
	if err := s.wd.do("POST", "/session/"+s.id+path, in, nil); err != nil {
		t.Fatal(err)
	}
}

func (s *session) cdp(t *testing.T, cmd string, params map[string]any) {
	t.Helper()
	s.post(t, "/goog/cdp/execute", map[string]any{"cmd": cmd, "params": params})
}

func (s *session) script(t *testing.T, js string, out any) {
	t.Helper()
	if err := s.wd.do("POST", "/session/"+s.id+"/execute/sync", map[string]any{"script": js, "args": []any{}}, out); err != nil {
		t.Fatal(err)
	}
}

func (s *session) element(t *testing.T, css string) string {
	t.Helper()
	var el map[string]string
	if err := s.wd.do("POST", "/session/"+s.id+"/element", map[string]string{"using": "css selector", "value": css}, &el); err != nil {
		t.Fatalf("find %s: %v", css, err)
	}
	for _, id := range el { // the key is the W3C element identifier
		return id
	}
	t.Fatalf("find %s: no element", css)
	return ""
}

func (s *session) click(t *testing.T, css string) {
	t.Helper()
	s.post(t, "/element/"+s.element(t, css)+"/click", map[string]any{})
}

func (s *session) typeInto(t *testing.T, css, text string) {
	t.Helper()
	s.post(t, "/element/"+s.element(t, css)+"/value", map[string]any{"text": text})
}

func (s *session) screenshot(t *testing.T) []byte {
	t.Helper()
	var b64 string
	if err := s.wd.do("GET", "/session/"+s.id+"/screenshot", nil, &b64); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return png
}

// browserLog returns the browser's log entries of level WARNING and above.
func (s *session) browserLog(t *testing.T) []string {
	t.Helper()
	var entries []struct {
		Level   string `json:"level"`
		Message string `json:"message"`
	}
	if err := s.wd.do("POST", "/session/"+s.id+"/se/log", map[string]string{"type": "browser"}, &entries); err != nil {
		t.Logf("browser log not available: %v", err)
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.Level == "SEVERE" || e.Level == "WARNING" {
			out = append(out, e.Level+": "+e.Message)
		}
	}
	return out
}
