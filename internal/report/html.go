package report

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// HTMLMeta is what an HTML report says about its run besides the records.
// The report shows exactly these values: never put a secret in them (keys
// of Settings that look like one are dropped all the same).
type HTMLMeta struct {
	Command  string            // "validate" or "apply"
	Files    []Fingerprint     // the inputs; size and SHA-256 are shown when set
	Target   string            // the server or simulator; "" when nothing was sent
	Profile  string            // the server era, if any
	Settings map[string]string // the settings that shaped the run
	Started  time.Time
	Ended    time.Time         // zero: not known (see SetEnded)
	Links    map[string]string // label -> path of a companion file (CSV report, failed rows)
	Runs     []RunInfo         // the runs of a resumed journal, oldest first; optional
}

// Limits that keep a report small and quick to open, and the writer's
// memory bounded whatever the number of rows.
const (
	// htmlTableRows is the most rows the row table keeps (about 100 bytes
	// each, plus the user id and message): every row with a problem first,
	// then OK rows (updated, valid, skipped) while room remains. The counts,
	// groups and charts cover every row all the same; the CSV report has
	// every row.
	htmlTableRows = 100_000
	// htmlGroupRefs is the most row references the groups keep for their
	// "show these rows in the table" button, all groups together.
	htmlGroupRefs = 4 * htmlTableRows
	// htmlFineBuckets is the most time buckets kept while rows come in;
	// they are merged into at most htmlMaxBuckets for the page.
	htmlFineBuckets = 1200

	htmlMsgRunes     = 300 // a row's message in the table
	htmlSampleRunes  = 500 // a group's sample message
	htmlGroupHits    = 50  // rows listed under an error group; the rest via the table
	htmlGroups       = 200 // distinct groups kept (errors, and warnings); the rest are summed up
	htmlMaxBuckets   = 60  // time buckets of the apply charts
	htmlTableRowsPer = 200 // rows the table shows at a time
)

// HTML writes a self-contained HTML report of a run. It keeps the
// aggregates of every row (counts, problem groups, time buckets, latency
// distributions) and a compact line (never the Record) for at most
// htmlTableRows rows, so its memory is bounded whatever the size of the
// run. It writes the page on Close, through a temporary file renamed into
// place: a run that dies leaves no half-written report.
type HTML struct {
	path string
	tmp  *os.File
	meta HTMLMeta

	files   []string
	fileIdx map[string]int32
	msgs    []string
	msgIdx  map[string]int32
	rows    []htmlRow // the rows the table keeps, at most htmlTableRows
	okSlots []int32   // indexes into rows of the OK rows: the ones to give up for a row with a problem
	total   int       // rows written
	counts  map[string]int
	errs    groupSet
	warns   groupSet
	refs    int   // row references kept by the groups
	maxRun  int16 // the latest run of any row
	tl      timeAgg
	sent    int // rows sent, all runs
	tries   int // requests, with retries
	first   int64
	last    int64
	lat     latDist // latency of every row sent
	closed  bool
}

var _ Writer = (*HTML)(nil)

// htmlRow is what the report keeps of one record: about 50 bytes and the user id.
type htmlRow struct {
	sentAt   int64 // Unix milliseconds; 0 = never sent
	uid      string
	seq      int32 // the order it was written in, as the groups know it
	row      int32
	line     int32
	file     int32 // index into files
	msg      int32 // index into msgs; -1 = none
	latency  float32
	attempts int32
	http     int16
	run      int16
	status   uint8 // index into statuses
}

// NewHTML prepares an HTML report at path (mode 0600: it holds customer
// data). The folder and a temporary file are created now, so a path that
// cannot be written fails before the run starts.
func NewHTML(path string, meta HTMLMeta) (*HTML, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create HTML report: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("create HTML report: %w", err)
	}
	return &HTML{
		path: path, tmp: tmp, meta: meta,
		fileIdx: map[string]int32{}, msgIdx: map[string]int32{}, counts: map[string]int{},
		errs: newGroupSet(), warns: newGroupSet(),
	}, nil
}

// Path is where the report is written.
func (h *HTML) Path() string { return h.path }

// SetEnded records when the run ended; call it before Close.
func (h *HTML) SetEnded(t time.Time) { h.meta.Ended = t }

// Write adds one record. Nothing of r is kept beyond copies of a few strings.
func (h *HTML) Write(r *Record) error {
	if h.closed {
		return errors.New("HTML report: write after close")
	}
	if h.total >= math.MaxInt32 {
		return errors.New("HTML report: too many rows")
	}
	seq := int32(h.total)
	h.total++
	st := statusIndex(r.Status)
	status := statusName(st)
	h.counts[status]++
	run := int16(min(max(r.Run, 0), math.MaxInt16))
	h.maxRun = max(h.maxRun, run)
	var sentAt int64
	if !r.SentAt.IsZero() {
		sentAt = r.SentAt.UnixMilli()
	}
	if r.Attempts > 0 {
		h.sent++
		h.tries += r.Attempts
		h.lat.add(float32(r.LatencyMS))
		if sentAt != 0 && (h.first == 0 || sentAt < h.first) {
			h.first = sentAt
		}
		h.last = max(h.last, sentAt)
		if sentAt != 0 {
			h.tl.add(run, sentAt, r.Attempts, status == StatusFailed, float32(r.LatencyMS))
		}
	}

	// The table keeps every row with a problem, then OK rows while room remains.
	ok := okStatus(status)
	slot := -1
	switch {
	case len(h.rows) < htmlTableRows:
		slot = len(h.rows)
		h.rows = append(h.rows, htmlRow{})
		if ok {
			h.okSlots = append(h.okSlots, int32(slot))
		}
	case !ok && len(h.okSlots) > 0:
		slot = int(h.okSlots[len(h.okSlots)-1])
		h.okSlots = h.okSlots[:len(h.okSlots)-1]
	}
	kept := slot >= 0
	if kept {
		hr := htmlRow{
			uid: strings.Clone(r.UserID), seq: seq, row: clamp32(r.Row), line: clamp32(r.Line),
			file: h.intern(&h.files, h.fileIdx, r.File), msg: -1,
			latency: float32(r.LatencyMS), attempts: clamp32(r.Attempts),
			http: int16(min(max(r.HTTPStatus, 0), math.MaxInt16)), run: run, status: st, sentAt: sentAt,
		}
		if m := rowMessage(r); m != "" {
			hr.msg = h.intern(&h.msgs, h.msgIdx, truncRunes(m, htmlMsgRunes))
		}
		h.rows[slot] = hr
	}

	var where groupHit
	probs := rowProblems(r)
	if len(probs) > 0 || len(r.Warnings) > 0 {
		where = groupHit{file: h.intern(&h.files, h.fileIdx, r.File), row: clamp32(r.Row), uid: r.UserID}
	}
	for _, is := range probs {
		h.errs.add(status, is.Column, is.Message, seq, kept, where, &h.refs)
	}
	for _, is := range r.Warnings {
		h.warns.add("warning", is.Column, is.Message, seq, kept, where, &h.refs)
	}
	return nil
}

// okStatus tells the rows that went as meant, the first the table gives up.
func okStatus(status string) bool {
	return status == StatusUpdated || status == StatusValid || status == StatusSkipped
}

// Close writes the page and renames it into place.
func (h *HTML) Close() error {
	if h.closed {
		return nil
	}
	h.closed = true
	name := h.tmp.Name()
	bw := bufio.NewWriterSize(h.tmp, 256<<10)
	err := h.render(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		if serr := h.tmp.Sync(); serr != nil && !errors.Is(serr, os.ErrInvalid) {
			err = serr
		}
	}
	if cerr := h.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, h.path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("write HTML report %q: %w", h.path, err)
	}
	return nil
}

func (h *HTML) intern(list *[]string, idx map[string]int32, s string) int32 {
	if i, ok := idx[s]; ok {
		return i
	}
	s = strings.Clone(s)
	i := int32(len(*list))
	*list = append(*list, s)
	idx[s] = i
	return i
}

func clamp32(n int) int32 { return int32(min(max(n, math.MinInt32), math.MaxInt32)) }

// statuses are the statuses rows are counted under: the known ones first,
// then any other text met in a journal (at most 255 in all).
var knownStatuses = Statuses

func statusIndex(s string) uint8 {
	for i, k := range knownStatuses {
		if k == s {
			return uint8(i)
		}
	}
	return uint8(len(knownStatuses)) // "other"
}

func statusName(i uint8) string {
	if int(i) < len(knownStatuses) {
		return knownStatuses[i]
	}
	return "other"
}

// rowProblems are what went wrong with a row: its errors, else the server's
// answer to a failed request, else why it was not sent.
func rowProblems(r *Record) []Issue {
	if len(r.Errors) > 0 {
		return r.Errors
	}
	switch r.Status {
	case StatusFailed:
		return []Issue{{Message: failText(r)}}
	case StatusNotSent:
		if r.Reason != "" {
			return []Issue{{Message: r.Reason}}
		}
		return []Issue{{Message: "not sent"}}
	}
	return nil
}

func failText(r *Record) string {
	if r.Response != nil {
		if r.Response.Error != "" {
			return r.Response.Error
		}
		if len(r.Response.Messages) > 0 {
			return strings.Join(r.Response.Messages, "; ")
		}
		if r.Response.Status != "" {
			return r.Response.Status
		}
	}
	if r.HTTPStatus != 0 {
		return "HTTP " + strconv.Itoa(r.HTTPStatus)
	}
	return "failed"
}

// rowMessage is the one line the row table shows for a record.
func rowMessage(r *Record) string {
	issue := func(is Issue, more int) string {
		s := is.Message
		if is.Column != "" {
			s = is.Column + ": " + s
		}
		if more > 0 {
			s += " (+" + strconv.Itoa(more) + " more)"
		}
		return s
	}
	switch {
	case len(r.Errors) > 0:
		return issue(r.Errors[0], len(r.Errors)-1)
	case r.Status == StatusFailed:
		return failText(r)
	case r.Status == StatusNotSent && r.Reason != "":
		return r.Reason
	case r.Response != nil && r.Response.Status != "":
		return r.Response.Status
	case len(r.Warnings) > 0:
		return "warning: " + issue(r.Warnings[0], len(r.Warnings)-1)
	case r.Carried:
		return "finished by run " + strconv.Itoa(r.Run)
	}
	return ""
}

func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k] + "…"
		}
		i++
	}
	return s
}

// groupSet gathers problems by their normalised message: at most
// htmlGroups groups, the first met; the rows of any other problem are
// only counted, in other.
type groupSet struct {
	byKey map[string]*group
	list  []*group
	other group // the rows hit by other kinds of problem (Count only)
}

type group struct {
	Status string
	Column string
	Title  string     // the message with the values taken out
	Sample string     // one message as written
	Count  int        // rows it hit
	Rows   []int32    // the rows it hit that the table keeps, by seq (within htmlGroupRefs)
	Hits   []groupHit // the first rows, with their own message
	last   int32      // seq of the last row counted, +1
}

// groupHit is one row a group lists: where it is, whether the table keeps it or not.
type groupHit struct {
	file int32
	row  int32
	uid  string
	msg  string
}

func newGroupSet() groupSet { return groupSet{byKey: map[string]*group{}} }

func (gs *groupSet) add(status, column, msg string, seq int32, kept bool, where groupHit, refs *int) {
	title := normalizeMessage(msg)
	key := status + "\x00" + column + "\x00" + title
	g := gs.byKey[key]
	if g == nil {
		if len(gs.list) >= htmlGroups {
			if gs.other.last != seq+1 {
				gs.other.last = seq + 1
				gs.other.Count++
			}
			return
		}
		g = &group{Status: status, Column: strings.Clone(column), Title: truncRunes(title, htmlSampleRunes), Sample: strings.Clone(truncRunes(msg, htmlSampleRunes))}
		gs.byKey[strings.Clone(key)] = g
		gs.list = append(gs.list, g)
	}
	if g.last == seq+1 {
		return // the same problem twice in one row counts once
	}
	g.last = seq + 1
	g.Count++
	if kept && *refs < htmlGroupRefs {
		g.Rows = append(g.Rows, seq)
		*refs++
	}
	if len(g.Hits) < htmlGroupHits {
		where.uid = strings.Clone(where.uid)
		where.msg = strings.Clone(truncRunes(msg, htmlMsgRunes))
		g.Hits = append(g.Hits, where)
	}
}

// normalizeMessage takes the values out of a message, so that the same
// problem with other values groups together: quoted text becomes "…" and
// numbers (and dates) become #, except an HTTP status and what the server
// said (its text is the problem, not a value).
func normalizeMessage(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' && strings.HasSuffix(s[:i], "server said "):
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				j = len(s) - i - 1
			}
			b.WriteString(s[i : i+j+2])
			i += j + 2
			continue
		case c == '"' || c == '\'':
			if j := strings.IndexByte(s[i+1:], c); j >= 0 && (c == '"' || quoteStarts(s, i)) {
				b.WriteByte(c)
				b.WriteString("…")
				b.WriteByte(c)
				i += j + 2
				continue
			}
		case c >= '0' && c <= '9' && (i == 0 || !isWordByte(s[i-1])) && !strings.HasSuffix(s[:i], "HTTP "):
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || (s[j] == '.' || s[j] == ',' || s[j] == '-' || s[j] == ':') && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9') {
				j++
			}
			if j == len(s) || !isWordByte(s[j]) {
				b.WriteByte('#')
				i = j
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// quoteStarts tells an opening single quote from an apostrophe (don't).
func quoteStarts(s string, i int) bool { return i == 0 || !isWordByte(s[i-1]) }

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= utf8.RuneSelf
}

// sorted returns the groups, the largest first.
func (gs *groupSet) sorted() []*group {
	out := slices.Clone(gs.list)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Title < out[j].Title
	})
	return out
}

// ---- rendering ----

//go:embed html.tmpl
var htmlFS embed.FS

var htmlTemplate = template.Must(template.New("html.tmpl").Funcs(template.FuncMap{
	"num": formatInt,
}).ParseFS(htmlFS, "html.tmpl"))

// page is what the template sees.
type page struct {
	Command     string
	Title       string
	Headline    string
	Started     string
	Ended       string
	Duration    string
	Target      string
	Profile     string
	Files       []pageFile
	Settings    []pageKV
	Runs        []pageRun
	Links       []pageLink
	Total       int
	Facts       []pageKV
	Statuses    barChart
	StatusBoxes []pageStatus
	Groups      []pageGroup
	MoreRows    int // rows hit by kinds of problem not listed
	TableRows   int // rows the table keeps
	Dropped     int // rows it does not: the CSV report has them
	Warnings    []pageGroup
	MoreWarns   int // rows hit by kinds of warning not listed
	Timeline    *timeline
	IsApply     bool
	PageSize    int
	Data        *pageData
}

type pageKV struct{ Key, Value string }

type pageFile struct {
	Path   string
	Size   string
	SHA256 string
}

type pageRun struct {
	Run     int
	Started string
	Target  string
}

type pageLink struct {
	Label string
	Href  string
	Path  string
}

type pageStatus struct {
	Status string
	Count  int
}

type pageGroup struct {
	Index   int // into pageData.Groups, for the "show in the table" button
	Count   int
	Status  string
	Column  string
	Title   string
	Sample  string
	Hits    []pageHit
	More    int
	Unified bool // every message of the group reads the same
}

type pageHit struct {
	Where  string
	UserID string
	Msg    string
}

func (h *HTML) render(w io.Writer) error {
	p := h.page()
	return htmlTemplate.Execute(w, p)
}

func (h *HTML) page() *page {
	m := h.meta
	loc := time.UTC
	if !m.Started.IsZero() {
		loc = m.Started.Location()
	}
	cmd := m.Command
	if cmd == "" {
		cmd = "run"
	}
	p := &page{
		Command: cmd, Target: m.Target, Profile: m.Profile,
		Started: fmtTime(m.Started, loc), Ended: fmtTime(m.Ended, loc),
		IsApply: cmd == "apply", PageSize: htmlTableRowsPer, Total: h.total,
		TableRows: len(h.rows), Dropped: h.total - len(h.rows),
	}
	if !m.Started.IsZero() && !m.Ended.IsZero() {
		p.Duration = m.Ended.Sub(m.Started).Round(time.Millisecond).String()
	}
	p.Title = "morbulk " + cmd + " report"
	if p.Started != "" {
		p.Title += ", " + p.Started
	}
	for _, f := range m.Files {
		pf := pageFile{Path: f.Path, SHA256: f.SHA256}
		if f.Size > 0 || f.SHA256 != "" {
			pf.Size = formatBytes(f.Size)
		}
		p.Files = append(p.Files, pf)
	}
	p.Settings = safeSettings(m.Settings)
	p.Settings = slices.DeleteFunc(p.Settings, func(kv pageKV) bool { return kv.Key == "profile" && kv.Value == m.Profile })
	if len(m.Runs) > 1 {
		for _, r := range m.Runs {
			p.Runs = append(p.Runs, pageRun{Run: r.Run, Started: fmtTime(r.Started, loc), Target: r.Target})
		}
	}
	labels := make([]string, 0, len(m.Links))
	for l := range m.Links {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		path := m.Links[l]
		p.Links = append(p.Links, pageLink{Label: l, Path: path, Href: relHref(h.path, path)})
	}

	// Counts, in the summary's order, then any other status.
	var parts []string
	var bars []pageStatus
	for _, st := range append(slices.Clone(Statuses), "other") {
		if n := h.counts[st]; n > 0 {
			bars = append(bars, pageStatus{Status: st, Count: n})
			parts = append(parts, formatInt(n)+" "+strings.ReplaceAll(st, "_", " "))
		}
	}
	p.StatusBoxes = bars
	p.Statuses = newBarChart(bars, h.total)
	if len(parts) == 0 {
		parts = []string{"no rows"}
	}
	p.Headline = formatInt(h.total) + " rows: " + strings.Join(parts, ", ")

	order, pos := h.order()
	p.Data = &pageData{h: h, order: order}
	for _, g := range h.errs.sorted() {
		p.Groups = append(p.Groups, h.pageGroup(g, len(p.Data.groups)))
		p.Data.groups = append(p.Data.groups, pos.remap(g.Rows))
	}
	p.MoreRows = h.errs.other.Count
	for _, g := range h.warns.sorted() {
		p.Warnings = append(p.Warnings, h.pageGroup(g, len(p.Data.groups)))
		p.Data.groups = append(p.Data.groups, pos.remap(g.Rows))
	}
	p.MoreWarns = h.warns.other.Count
	if p.IsApply {
		p.Timeline = h.timeline(loc)
		p.Facts = h.facts()
	}
	if !m.Started.IsZero() {
		_, off := m.Started.Zone()
		p.Data.tzOffset = off / 60
	}
	return p
}

func (h *HTML) pageGroup(g *group, index int) pageGroup {
	pg := pageGroup{Index: index, Count: g.Count, Status: g.Status, Column: g.Column, Title: g.Title, Sample: g.Sample,
		More: g.Count - len(g.Hits), Unified: true}
	for _, hit := range g.Hits {
		where := h.files[hit.file]
		if hit.row > 0 {
			where += ":" + strconv.Itoa(int(hit.row))
		}
		pg.Hits = append(pg.Hits, pageHit{Where: where, UserID: hit.uid, Msg: hit.msg})
		if hit.msg != g.Sample {
			pg.Unified = false
		}
	}
	return pg
}

// seqPos maps the seq of a kept row to its place in the table.
type seqPos struct{ seqs, pos []int32 }

// remap turns the seqs of a group into places in the table, leaving out
// the rows the table gave up.
func (sp seqPos) remap(seqs []int32) []int32 {
	out := make([]int32, 0, len(seqs))
	for _, s := range seqs {
		if i, ok := slices.BinarySearch(sp.seqs, s); ok {
			out = append(out, sp.pos[i])
		}
	}
	slices.Sort(out)
	return out
}

// order sorts the rows by file (in the order first seen) and row number:
// apply's workers finish out of order, resumed journals more so.
func (h *HTML) order() (order []int32, sp seqPos) {
	order = make([]int32, len(h.rows))
	for i := range order {
		order[i] = int32(i)
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := &h.rows[order[i]], &h.rows[order[j]]
		if a.file != b.file {
			return a.file < b.file
		}
		return a.row < b.row
	})
	pos := make([]int32, len(h.rows))
	for n, i := range order {
		pos[i] = int32(n)
	}
	bySeq := make([]int32, len(h.rows))
	for i := range bySeq {
		bySeq[i] = int32(i)
	}
	slices.SortFunc(bySeq, func(a, b int32) int { return int(h.rows[a].seq) - int(h.rows[b].seq) })
	sp = seqPos{seqs: make([]int32, len(h.rows)), pos: make([]int32, len(h.rows))}
	for n, i := range bySeq {
		sp.seqs[n], sp.pos[n] = h.rows[i].seq, pos[i]
	}
	return order, sp
}

// facts are the numbers of an apply run at a glance.
func (h *HTML) facts() []pageKV {
	out := []pageKV{{"rows sent", formatInt(h.sent)}, {"requests (with retries)", formatInt(h.tries)}}
	if h.sent == 0 {
		return out
	}
	if span := float64(h.last-h.first) / 1000; span > 0 {
		out = append(out, pageKV{"rows per second, first to last send", strconv.FormatFloat(float64(h.sent)/span, 'f', 1, 64)})
	}
	out = append(out,
		pageKV{"latency p50", formatMS(h.lat.percentile(0.50))},
		pageKV{"latency p95", formatMS(h.lat.percentile(0.95))},
		pageKV{"latency max", formatMS(float64(h.lat.max))})
	return out
}

// pageData is the row table, embedded as JSON. html/template marshals it
// and escapes <, > and & inside strings, so no value can end the script.
type pageData struct {
	h        *HTML
	order    []int32
	groups   [][]int32
	tzOffset int // minutes east of UTC of the run's clock
}

// MarshalJSON writes {"files":[...],"statuses":[...],"msgs":[...],
// "rows":[[file,row,status,user_id,msg,attempts,http,latency_ms,sent_ms,run,line],...],"groups":[[row,...],...]}.
func (d *pageData) MarshalJSON() ([]byte, error) {
	h := d.h
	b := make([]byte, 0, 64*len(h.rows)+1024)
	b = append(b, `{"tz":`...)
	b = strconv.AppendInt(b, int64(d.tzOffset), 10)
	b = append(b, `,"files":`...)
	b = appendStrings(b, h.files)
	b = append(b, `,"statuses":`...)
	b = appendStrings(b, append(slices.Clone(knownStatuses), "other"))
	b = append(b, `,"msgs":`...)
	b = appendStrings(b, h.msgs)
	b = append(b, `,"rows":[`...)
	for n, i := range d.order {
		r := &h.rows[i]
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(r.file), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.row), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.status), 10)
		b = append(b, ',')
		b = appendString(b, r.uid)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.msg), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.attempts), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.http), 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, float64(r.latency), 'f', 1, 32)
		b = append(b, ',')
		b = strconv.AppendInt(b, r.sentAt, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.run), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.line), 10)
		b = append(b, ']')
	}
	b = append(b, `],"groups":[`...)
	for n, g := range d.groups {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for k, r := range g {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(r), 10)
		}
		b = append(b, ']')
	}
	return append(b, "]}"...), nil
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// safeSettings sorts the settings and drops any whose name suggests a secret.
func safeSettings(m map[string]string) []pageKV {
	var out []pageKV
	for k, v := range m {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "pass") || strings.Contains(lk, "pswd") || strings.Contains(lk, "secret") ||
			strings.Contains(lk, "token") || strings.HasSuffix(lk, "key") {
			continue
		}
		out = append(out, pageKV{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// relHref is a link from the report to a companion file: relative to the
// report's folder when possible, as a URL path (spaces and # escaped, and
// "./" in front of a first segment with a colon, so it is never a scheme).
func relHref(htmlPath, target string) string {
	p := target
	if rel, err := filepath.Rel(filepath.Dir(htmlPath), target); err == nil && filepath.IsAbs(htmlPath) == filepath.IsAbs(target) {
		p = rel
	}
	u := url.URL{Path: filepath.ToSlash(p)}
	return u.String()
}

// fmtTime shows a time in the run's zone: by its name when it has one
// (CET), else by its offset (UTC+01:00), as after a round trip through JSON.
func fmtTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	if name, _ := t.Zone(); name != "" && strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		return t.Format("2006-01-02 15:04:05 MST")
	}
	return t.Format("2006-01-02 15:04:05 UTC-07:00")
}

func formatInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func formatBytes(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KiB"
	default:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	}
}

func formatMS(ms float64) string {
	if ms >= 1000 {
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
}

// percentile of sorted values, nearest rank.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

// ---- charts, drawn here as SVG ----

type barChart struct {
	W, H int
	Bars []chartBar
}

type chartBar struct {
	Status  string
	Label   string
	Count   string
	Pct     string
	Y, W    int
	TextY   int
	NumX    int
	BarX    int
	BarH    int
	Tooltip string
}

func newBarChart(bars []pageStatus, total int) barChart {
	const rowH, barH, labelW, barMax = 30, 20, 110, 420
	c := barChart{W: labelW + barMax + 150, H: max(len(bars), 1)*rowH + 10}
	maxN := 1
	for _, b := range bars {
		maxN = max(maxN, b.Count)
	}
	for i, b := range bars {
		w := int(math.Round(float64(b.Count) / float64(maxN) * barMax))
		if b.Count > 0 {
			w = max(w, 2)
		}
		pct := 100 * float64(b.Count) / float64(max(total, 1))
		c.Bars = append(c.Bars, chartBar{
			Status: b.Status, Label: strings.ReplaceAll(b.Status, "_", " "), Count: formatInt(b.Count),
			Pct: strconv.FormatFloat(pct, 'f', 1, 64) + "%",
			Y:   5 + i*rowH, W: w, TextY: 5 + i*rowH + 15, BarX: labelW, NumX: labelW + w + 8, BarH: barH,
			Tooltip: formatInt(b.Count) + " " + b.Status,
		})
	}
	return c
}

type timeline struct {
	Bucket  string
	Run     int
	Rate    lineChart
	Latency lineChart
	Rows    []timelineRow // the same numbers as a table, for print and screen readers
}

type timelineRow struct {
	At       string
	Requests int
	Failed   int
	Rate     string
	P50, P95 string
}

type lineChart struct {
	W, H      int
	Left, Top int
	PlotW     int
	PlotH     int
	Bottom    int
	Right     int
	Series    []chartSeries
	YTicks    []chartTick
	XTicks    []chartTick
	YLabel    string
	AriaLabel string
}

// Positions the template derives from the layout.
func (c lineChart) PlotRight() int     { return c.Left + c.PlotW }
func (c lineChart) PlotBottom() int    { return c.Top + c.PlotH }
func (c lineChart) YLabelX() int       { return c.Left - 6 }
func (c lineChart) XLabelY() int       { return c.Top + c.PlotH + 18 }
func (c lineChart) LegendX() int       { return c.Left + c.PlotW + 14 }
func (c lineChart) LegendLineEnd() int { return c.Left + c.PlotW + 34 }
func (c lineChart) LegendTextX() int   { return c.Left + c.PlotW + 40 }

type chartSeries struct {
	Name    string
	Class   string
	Points  string
	Dots    []chartDot
	LegendY int
}

type chartDot struct {
	X, Y  string
	Title string
}

type chartTick struct {
	Pos   int
	Label string
}

var bucketSteps = []time.Duration{
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// fineSteps are the steps of the time buckets kept while rows come in,
// each a multiple of the one before and a divisor of every step of
// bucketSteps from the first one a span that needs it can end up with.
var fineSteps = []int64{50, 1000, 5000, 60_000, 300_000, 3_600_000}

// timeAgg buckets the rows sent by the latest run by when they were sent,
// in at most htmlFineBuckets buckets (more only for runs of weeks).
type timeAgg struct {
	run         int16
	n           int
	first, last int64
	step        int64 // ms, one of fineSteps
	buckets     map[int64]*timeBucket
}

type timeBucket struct {
	reqs, fails int
	lat         latDist
}

func (t *timeAgg) add(run int16, at int64, attempts int, failed bool, lat float32) {
	if t.n > 0 && run < t.run {
		return
	}
	if t.n == 0 || run > t.run {
		*t = timeAgg{run: run, first: at, last: at, step: fineSteps[0], buckets: map[int64]*timeBucket{}}
	}
	t.n++
	t.first, t.last = min(t.first, at), max(t.last, at)
	for (t.last-t.first)/t.step > htmlFineBuckets {
		k := slices.Index(fineSteps, t.step)
		if k+1 >= len(fineSteps) {
			break
		}
		t.coarsen(fineSteps[k+1])
	}
	k := floorDiv(at, t.step)
	b := t.buckets[k]
	if b == nil {
		b = &timeBucket{}
		t.buckets[k] = b
	}
	b.reqs += attempts
	if failed {
		b.fails++
	}
	b.lat.add(lat)
}

func (t *timeAgg) coarsen(step int64) {
	old := t.buckets
	t.buckets = make(map[int64]*timeBucket, len(old))
	for k, b := range old {
		nk := floorDiv(k*t.step, step)
		if nb := t.buckets[nk]; nb != nil {
			nb.merge(b)
		} else {
			t.buckets[nk] = b
		}
	}
	t.step = step
}

func (b *timeBucket) merge(o *timeBucket) {
	b.reqs += o.reqs
	b.fails += o.fails
	b.lat.merge(&o.lat)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// latExact is how many latencies a latDist keeps as they are; beyond, it
// counts them in latBins bins about 7% wide.
const (
	latExact = 256
	latBins  = 256
	latBase  = 0.1  // ms: the top of bin 0
	latRatio = 1.07 // each bin is this much wider than the one before
)

// latDist is a distribution of latencies in bounded memory: exact while
// small, then a log histogram (percentiles within a few percent).
type latDist struct {
	exact []float32
	hist  *[latBins]uint32
	n     int
	max   float32
}

func (d *latDist) add(v float32) {
	if d.n == 0 || v > d.max {
		d.max = v
	}
	d.n++
	d.put(v, 1)
}

func (d *latDist) put(v float32, count uint32) {
	if d.hist == nil {
		for range count {
			d.exact = append(d.exact, v)
		}
		if len(d.exact) <= latExact {
			return
		}
		d.hist = new([latBins]uint32)
		for _, x := range d.exact {
			d.hist[latBin(x)]++
		}
		d.exact = nil
		return
	}
	d.hist[latBin(v)] += count
}

func (d *latDist) merge(o *latDist) {
	if o.n == 0 {
		return
	}
	if d.n == 0 || o.max > d.max {
		d.max = o.max
	}
	d.n += o.n
	for _, x := range o.exact {
		d.put(x, 1)
	}
	if o.hist != nil {
		if d.hist == nil {
			d.hist = new([latBins]uint32)
			for _, x := range d.exact {
				d.hist[latBin(x)]++
			}
			d.exact = nil
		}
		for i, c := range o.hist {
			d.hist[i] += c
		}
	}
}

func latBin(v float32) int {
	if !(v > latBase) {
		return 0
	}
	return min(1+int(math.Log(float64(v)/latBase)/math.Log(latRatio)), latBins-1)
}

// percentile is the nearest-rank percentile: exact while the values are
// kept, else the middle of its bin (never above the largest value).
func (d *latDist) percentile(p float64) float64 {
	if d.n == 0 {
		return 0
	}
	if d.hist == nil {
		v := make([]float64, len(d.exact))
		for i, x := range d.exact {
			v[i] = float64(x)
		}
		slices.Sort(v)
		return percentile(v, p)
	}
	k := min(max(int(math.Ceil(p*float64(d.n)))-1, 0), d.n-1)
	seen := 0
	for b, c := range d.hist {
		seen += int(c)
		if seen > k {
			if b == 0 {
				return 0
			}
			return min(latBase*math.Pow(latRatio, float64(b)-0.5), float64(d.max))
		}
	}
	return float64(d.max)
}

// timeline is the requests of the latest run over time: requests per
// second and the latency percentiles of each bucket.
func (h *HTML) timeline(loc *time.Location) *timeline {
	t := &h.tl
	if t.n == 0 || t.run != h.maxRun {
		return nil
	}
	first, last := t.first, t.last
	span := time.Duration(last-first) * time.Millisecond
	step := bucketSteps[len(bucketSteps)-1]
	for _, s := range bucketSteps {
		if span/s < htmlMaxBuckets && s.Milliseconds()%t.step == 0 {
			step = s
			break
		}
	}
	stepMS := step.Milliseconds()
	start := first - first%stepMS
	nb := int((last-start)/stepMS) + 1
	bk := make([]timeBucket, nb)
	for k, b := range t.buckets {
		i := int(floorDiv(k*t.step-start, stepMS))
		bk[min(max(i, 0), nb-1)].merge(b)
	}
	reqs := make([]int, nb)
	fails := make([]int, nb)
	for i := range bk {
		reqs[i], fails[i] = bk[i].reqs, bk[i].fails
	}
	secs := step.Seconds()
	rate := make([]float64, nb)
	failRate := make([]float64, nb)
	p50 := make([]float64, nb)
	p95 := make([]float64, nb)
	has := make([]bool, nb)
	tl := &timeline{Bucket: step.String(), Run: int(t.run)}
	layout := "15:04:05"
	if step < time.Second {
		layout = "15:04:05.000"
	}
	at := func(b int) time.Time { return time.UnixMilli(start + int64(b)*stepMS).In(loc) }
	for b := range nb {
		rate[b] = float64(reqs[b]) / secs
		failRate[b] = float64(fails[b]) / secs
		row := timelineRow{At: at(b).Format(layout), Requests: reqs[b], Failed: fails[b], Rate: strconv.FormatFloat(rate[b], 'f', 1, 64)}
		if bk[b].lat.n > 0 {
			p50[b], p95[b], has[b] = bk[b].lat.percentile(0.5), bk[b].lat.percentile(0.95), true
			row.P50, row.P95 = formatMS(p50[b]), formatMS(p95[b])
		}
		tl.Rows = append(tl.Rows, row)
	}
	all := make([]bool, nb)
	for i := range all {
		all[i] = true
	}
	labels := func(b int) string { return at(b).Format(layout) }
	tl.Rate = newLineChart("requests per second, per "+step.String(), "req/s", nb, labels, []seriesData{
		{"requests/s", "s-rate", rate, all},
		{"failed rows/s", "s-fail", failRate, all},
	})
	tl.Latency = newLineChart("latency per "+step.String()+" (ms)", "ms", nb, labels, []seriesData{
		{"p50", "s-p50", p50, has},
		{"p95", "s-p95", p95, has},
	})
	return tl
}

type seriesData struct {
	name, class string
	v           []float64
	ok          []bool
}

func newLineChart(aria, ylabel string, nb int, label func(int) string, data []seriesData) lineChart {
	c := lineChart{W: 760, H: 240, Left: 60, Top: 12, Right: 130, Bottom: 36, YLabel: ylabel, AriaLabel: aria}
	c.PlotW = c.W - c.Left - c.Right
	c.PlotH = c.H - c.Top - c.Bottom
	maxV := 0.0
	for _, s := range data {
		for i, v := range s.v {
			if s.ok[i] {
				maxV = max(maxV, v)
			}
		}
	}
	top := niceCeil(maxV)
	x := func(b int) float64 {
		if nb == 1 {
			return float64(c.Left) + float64(c.PlotW)/2
		}
		return float64(c.Left) + float64(b)*float64(c.PlotW)/float64(nb-1)
	}
	y := func(v float64) float64 { return float64(c.Top) + float64(c.PlotH)*(1-v/top) }
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		c.YTicks = append(c.YTicks, chartTick{Pos: int(math.Round(y(v))), Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	// As many time labels as fit side by side (about 7 px a character at
	// the axis font), at most 6: "15:04:05.000" labels get fewer.
	// Labels go every step buckets, evenly, so none comes closer than that.
	ticks := max(min(nb, 6, c.PlotW/(7*len(label(0))+24)), min(nb, 2))
	step := 1
	if ticks > 1 {
		step = (nb - 1 + ticks - 2) / (ticks - 1) // ceil((nb-1)/(ticks-1))
	}
	for b := 0; b < nb; b += step {
		c.XTicks = append(c.XTicks, chartTick{Pos: int(math.Round(x(b))), Label: label(b)})
	}
	for k, s := range data {
		var pts []string
		cs := chartSeries{Name: s.name, Class: s.class, LegendY: c.Top + 14 + 20*k}
		for b, v := range s.v {
			if !s.ok[b] {
				continue
			}
			xs, ys := strconv.FormatFloat(x(b), 'f', 1, 64), strconv.FormatFloat(y(v), 'f', 1, 64)
			pts = append(pts, xs+","+ys)
			if nb <= 60 {
				cs.Dots = append(cs.Dots, chartDot{X: xs, Y: ys, Title: label(b) + " " + s.name + ": " + strconv.FormatFloat(v, 'f', 1, 64)})
			}
		}
		cs.Points = strings.Join(pts, " ")
		c.Series = append(c.Series, cs)
	}
	return c
}

// niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// ---- rebuilding from a journal ----

// journalRecord is a JSONL record as read back; params are not needed.
type journalRecord struct {
	File       string     `json:"file"`
	Row        int        `json:"row"`
	Line       int        `json:"line"`
	Status     string     `json:"status"`
	UserID     string     `json:"user_id"`
	Errors     []Issue    `json:"errors"`
	Warnings   []Issue    `json:"warnings"`
	Run        int        `json:"run"`
	Attempts   int        `json:"attempts"`
	HTTPStatus int        `json:"http_status"`
	LatencyMS  float64    `json:"latency_ms"`
	SentAt     *time.Time `json:"sent_at"`
	Response   *Response  `json:"response"`
	Reason     string     `json:"reason"`
}

// RebuildHTML writes the HTML report of a journal (or of a validate JSONL
// report) to out. A row written by several runs of a resumed journal counts
// once, with its latest record; a torn last line is ignored. The run's
// description comes from the journal's runs file when there is one.
func RebuildHTML(journal, out string) error {
	runs, err := ReadRuns(journal)
	if err != nil {
		return err
	}
	// First pass: the line of the latest record of every row.
	latest := map[string]int{}
	anyApply := false
	var lastSent time.Time
	err = scanJournal(journal, func(n int, rec *journalRecord) error {
		latest[rowKey(rec.File, rec.Row)] = n
		if rec.Run > 0 || rec.Attempts > 0 || rec.Reason != "" {
			anyApply = true
		}
		if rec.SentAt != nil && rec.SentAt.After(lastSent) {
			lastSent = *rec.SentAt
		}
		return nil
	})
	if err != nil {
		return err
	}
	meta := HTMLMeta{Command: "validate", Links: map[string]string{"journal (JSONL)": journal}}
	if anyApply || len(runs) > 0 {
		meta.Command = "apply"
	}
	if csv := strings.TrimSuffix(journal, filepath.Ext(journal)) + ".csv"; fileExists(csv) {
		meta.Links["spreadsheet report (CSV)"] = csv
	}
	if len(runs) > 0 {
		first, last := runs[0], runs[len(runs)-1]
		meta.Files, meta.Started, meta.Target = first.Files, first.Started, last.Target
		meta.Settings, meta.Profile = last.Settings, last.Settings["profile"]
		meta.Runs = runs
	}
	if !lastSent.IsZero() && lastSent.After(meta.Started) {
		meta.Ended = lastSent
	}
	h, err := NewHTML(out, meta)
	if err != nil {
		return err
	}
	var r Record
	err = scanJournal(journal, func(n int, rec *journalRecord) error {
		if latest[rowKey(rec.File, rec.Row)] != n {
			return nil
		}
		r = Record{File: rec.File, Row: rec.Row, Line: rec.Line, Status: rec.Status, UserID: rec.UserID,
			Errors: rec.Errors, Warnings: rec.Warnings, Run: rec.Run, Attempts: rec.Attempts,
			HTTPStatus: rec.HTTPStatus, LatencyMS: rec.LatencyMS, Response: rec.Response, Reason: rec.Reason}
		if rec.SentAt != nil {
			r.SentAt = *rec.SentAt
		}
		return h.Write(&r)
	})
	if err != nil {
		h.closed = true
		h.tmp.Close()
		os.Remove(h.tmp.Name())
		return err
	}
	return h.Close()
}

func rowKey(file string, row int) string { return file + "\x00" + strconv.Itoa(row) }

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// scanJournal calls fn for every complete record, numbered from 1. As in
// ReadJournal, a damaged last line is a torn write and is skipped; a
// damaged line followed by more is an error.
func scanJournal(path string, fn func(n int, rec *journalRecord) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	lineNo := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			lineNo++
			complete := line[len(line)-1] == '\n'
			var rec journalRecord
			perr := json.Unmarshal(line, &rec)
			if !complete || perr != nil {
				if _, more := br.Peek(1); complete && more == nil {
					return fmt.Errorf("journal %s line %d is damaged: %v", path, lineNo, perr)
				}
				return nil // a torn last line
			}
			if err := fn(lineNo, &rec); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read journal: %w", err)
		}
	}
}
