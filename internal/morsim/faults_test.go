package morsim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFaults checks each injected fault over real HTTP and that a failed
// request changed nothing (except HangAfterCommit).
func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		faults     Faults
		timeout    time.Duration
		wantStatus int    // 0 = the client gets an error
		wantBody   string // "" = not checked
		wantRetry  string
		wantName   string // the Stats().Faults key
		committed  bool   // the update is applied
	}{
		// Rails' crash page.
		{name: "500", faults: Faults{Error500: 1}, wantStatus: 500, wantBody: rails500, wantName: "500"},
		// A proxy's 502.
		{name: "502", faults: Faults{Error502: 1}, wantStatus: 502, wantBody: body502, wantName: "502"},
		// 503 with Retry-After.
		{name: "503", faults: Faults{Error503: 1, RetryAfter: 2 * time.Second}, wantStatus: 503, wantRetry: "2", wantName: "503"},
		// 429 with Retry-After rounded up.
		{name: "429", faults: Faults{TooMany429: 1, RetryAfter: 1500 * time.Millisecond}, wantStatus: 429, wantRetry: "2", wantName: "429"},
		// 429 without Retry-After.
		{name: "429 no retry-after", faults: Faults{TooMany429: 1}, wantStatus: 429, wantName: "429"},
		// The connection is closed without an answer.
		{name: "drop", faults: Faults{Drop: 1}, wantName: "drop"},
		// No answer until the client gives up.
		{name: "hang", faults: Faults{Hang: 1}, timeout: 300 * time.Millisecond, wantName: "hang"},
		// Committed, then no answer.
		{name: "hang after commit", faults: Faults{HangAfterCommit: 1}, timeout: 300 * time.Millisecond, wantName: "hang_after_commit", committed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim, base := startSim(t, ProfileMOR12, nil)
			if err := sim.SetFaults(tc.faults); err != nil {
				t.Fatal(err)
			}
			client := &http.Client{Timeout: tc.timeout}
			vals := signFull("secret", q("u=admin", "p=admin1", "user_id=5", "u23=Faulty"))
			res, err := client.Post(base+"/api/user_update_api", "application/x-www-form-urlencoded", strings.NewReader(vals.Encode()))
			if tc.wantStatus == 0 {
				if err == nil {
					res.Body.Close()
					t.Fatalf("got HTTP %d, want a transport error", res.StatusCode)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != tc.wantStatus {
					t.Errorf("status = %d, want %d", res.StatusCode, tc.wantStatus)
				}
				if tc.wantBody != "" && string(b) != tc.wantBody {
					t.Errorf("body = %q", b)
				}
				if got := res.Header.Get("Retry-After"); got != tc.wantRetry {
					t.Errorf("Retry-After = %q, want %q", got, tc.wantRetry)
				}
			}
			want := ""
			if tc.committed {
				want = "Faulty"
			}
			checkCols(t, mustUser(t, sim, 5), map[string]string{"first_name": want})
			if n := sim.Stats().Faults[tc.wantName]; n != 1 {
				t.Errorf("Stats().Faults[%s] = %d, want 1", tc.wantName, n)
			}
		})
	}
}

// TestFaultLatency checks the added latency.
func TestFaultLatency(t *testing.T) {
	t.Parallel()
	sim, base := startSim(t, ProfileMOR12, nil)
	if err := sim.SetFaults(Faults{Latency: 150 * time.Millisecond, Jitter: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if r := adminUpdate(t, base, q("user_id=5")); r.body != updated {
		t.Fatalf("body = %q", r.body)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("took %v, want >= 150ms", d)
	}
}

// TestFaultDeterminism checks that the same seed gives the same faults.
func TestFaultDeterminism(t *testing.T) {
	t.Parallel()
	f := Faults{Error500: 0.3, TooMany429: 0.2, Drop: 0.1, Seed: 42, Jitter: time.Second}
	a, b := newFaultEngine(f), newFaultEngine(f)
	counts := map[faultKind]int{}
	for i := 0; i < 1000; i++ {
		da, ka, _ := a.decide()
		db, kb, _ := b.decide()
		if da != db || ka != kb {
			t.Fatalf("draw %d differs: %v/%v vs %v/%v", i, da, ka, db, kb)
		}
		counts[ka]++
	}
	// Roughly the configured shares.
	if counts[fault500] < 250 || counts[fault500] > 350 || counts[faultNone] < 350 || counts[faultNone] > 450 {
		t.Errorf("counts = %v", counts)
	}
}

// TestFaultValidation rejects impossible settings.
func TestFaultValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    Faults
	}{
		// A share above 1.
		{"share above one", Faults{Error500: 1.5}},
		// Shares adding up to more than 1.
		{"sum above one", Faults{Error500: 0.6, Drop: 0.6}},
		// A negative share.
		{"negative", Faults{Hang: -0.1}},
		// A negative duration.
		{"negative latency", Faults{Latency: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.f.validate(); !errors.Is(err, ErrBadFaults) {
				t.Errorf("validate() = %v, want ErrBadFaults", err)
			}
		})
	}
}

// TestShutdownReleasesHang checks that a hanging request does not block a
// graceful shutdown.
func TestShutdownReleasesHang(t *testing.T) {
	t.Parallel()
	sim, base := startSim(t, ProfileMOR12, nil)
	if err := sim.SetFaults(Faults{Hang: 1}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		res, err := http.Post(base+"/api/user_update_api", "application/x-www-form-urlencoded", strings.NewReader("user_id=5"))
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	for sim.Stats().Faults["hang"] == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if err := sim.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	if err := <-done; err == nil {
		t.Error("hanging request got an answer")
	}
}
