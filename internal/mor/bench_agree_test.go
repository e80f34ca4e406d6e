package mor_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/morbulk/morbulk/internal/mor"
	"github.com/morbulk/morbulk/internal/morsim"
)

// benchWorkers is the concurrency of the throughput benchmarks.
const benchWorkers = 8

// benchUsers is how many admin users the benchmark seed adds (ids 5000+).
const benchUsers = 200

// benchRows are valid update rows for the benchmark users, built once so
// that the loop measures the call, not the formatting.
func benchRows() []mor.Params {
	rows := make([]mor.Params, benchUsers)
	for i := range rows {
		rows[i] = mor.Params{
			{Key: "user_id", Value: fmt.Sprint(5000 + i)},
			{Key: "u17", Value: fmt.Sprintf("Bench%d", i)},
			{Key: "u15", Value: fmt.Sprint(i % 2)},
			{Key: "credit", Value: "10.5"},
			{Key: "a8", Value: fmt.Sprintf("bench%d@example.com", i)},
		}
	}
	return rows
}

// run8 sends b.N rows through c from benchWorkers goroutines and reports
// rows/s; every answer must be Updated.
func run8(b *testing.B, c *mor.Client, rows []mor.Params) {
	b.Helper()
	ctx := context.Background()
	var next, failed atomic.Int64
	var firstErr atomic.Value
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range benchWorkers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if res := c.Update(ctx, rows[i%int64(len(rows))]); res.Class != mor.Updated {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%v (%v)", res.Class, res.Err))
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d rows not updated; first: %v", n, b.N, firstErr.Load())
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
}

// BenchmarkClientVsSim8 is the end-to-end throughput of valid updates
// through mor.Client against a started morsim.Sim (SQLite, one write
// transaction at a time), 8 concurrent goroutines, per profile.
func BenchmarkClientVsSim8(b *testing.B) {
	for _, p := range agreeProfiles {
		b.Run(p, func(b *testing.B) {
			seed := agreeSeed(b)
			for i := range benchUsers {
				seed.Users = append(seed.Users, morsim.SeedUser{"id": 5000 + i, "username": fmt.Sprintf("bench%d", i),
					"usertype": "user", "owner_id": 0, "tariff_id": 2, "email": fmt.Sprintf("old%d@example.com", i)})
			}
			sim, base := startAgreeSim(b, p, seed, zerolog.Nop())
			c := agreeClient(b, base, p, "admin", nil)
			run8(b, c, benchRows())
			if got := sim.Stats().Updated; got != int64(b.N) {
				b.Fatalf("simulator counted %d updates, want %d", got, b.N)
			}
		})
	}
}

// BenchmarkClientParallel8 is the client's own ceiling: the same 8
// goroutines and rows against a trivial server with a fixed success body,
// to compare with BenchmarkClientVsSim8 (BenchmarkUpdate is the serial cost
// of one request).
func BenchmarkClientParallel8(b *testing.B) {
	const ok = `<?xml version="1.0" encoding="UTF-8"?>` + "\n<page>\n  <status>User was updated</status>\n</page>\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, ok)
	}))
	b.Cleanup(srv.Close)
	c, err := mor.New(mor.Config{BaseURL: srv.URL + "/billing", User: "admin", Password: "admin1", Secret: "secret"})
	if err != nil {
		b.Fatal(err)
	}
	run8(b, c, benchRows())
}
