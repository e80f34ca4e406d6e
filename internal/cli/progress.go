package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/morbulk/morbulk/internal/pipeline"
)

// progress shows how a run goes: a bar redrawn in place on a terminal, or a
// plain line every few seconds otherwise (no carriage returns, no escapes).
type progress struct {
	w     io.Writer
	mode  string // bar, lines or none
	stats *pipeline.Stats
	total int
	every time.Duration
	now   func() time.Time
	quit  chan struct{}
	done  chan struct{}
}

func (a *app) newProgress(mode string, st *pipeline.Stats, total int) *progress {
	if mode == "auto" {
		mode = "lines"
		if a.env.IsTTY(a.env.Stderr) {
			mode = "bar"
		}
	}
	every := 5 * time.Second
	if mode == "bar" {
		every = 200 * time.Millisecond
	}
	return &progress{w: a.env.Stderr, mode: mode, stats: st, total: total, every: every, now: a.env.Now,
		quit: make(chan struct{}), done: make(chan struct{})}
}

func (p *progress) start() {
	if p.mode == "none" {
		close(p.done)
		return
	}
	go func() {
		defer close(p.done)
		began := p.now()
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				if p.mode == "bar" {
					fmt.Fprintf(p.w, "\r%s\n", p.line(began))
				}
				return
			case <-t.C:
				if p.mode == "bar" {
					fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(began))
				} else {
					fmt.Fprintln(p.w, p.line(began))
				}
			}
		}
	}()
}

func (p *progress) stop() {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	<-p.done
}

// line describes the state: rows done of total, rate, time left, and a bar.
func (p *progress) line(began time.Time) string {
	done := p.stats.Done.Load()
	el := p.now().Sub(began).Seconds()
	rps := 0.0
	if el > 0 {
		rps = float64(p.stats.Sent.Load()) / el
	}
	left := "?"
	if rps > 0 && p.total > 0 {
		remaining := float64(int64(p.total)-done) / rps
		if remaining < 0 {
			remaining = 0
		}
		left = (time.Duration(remaining) * time.Second).Round(time.Second).String()
	}
	pct := 0.0
	if p.total > 0 {
		pct = 100 * float64(done) / float64(p.total)
	}
	text := fmt.Sprintf("%d/%d rows (%.0f%%), %d updated, %d failed, %.1f rows/s, %s left",
		done, p.total, pct, p.stats.Updated.Load(), p.stats.Failed.Load(), rps, left)
	if p.mode != "bar" {
		return "progress: " + text
	}
	const width = 24
	fill := int(pct / 100 * width)
	return "[" + strings.Repeat("#", fill) + strings.Repeat(".", width-fill) + "] " + text
}
