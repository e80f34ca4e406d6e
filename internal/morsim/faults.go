package morsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// Faults configures fault injection, a test-harness feature (real MOR has no
// rate limit and no 429, doc §1.4). Shares are probabilities in 0..1 whose sum
// is at most 1; one draw per request picks at most one fault. Every fault
// except HangAfterCommit happens before any state change, so a failed request
// changed nothing. The zero value injects nothing.
type Faults struct {
	Latency    time.Duration `yaml:"latency"`      // added to every API request
	Jitter     time.Duration `yaml:"jitter"`       // plus a uniform random 0..Jitter
	Error500   float64       `yaml:"error500"`     // share answered with Rails' 500 page
	Error502   float64       `yaml:"error502"`     // share answered 502 Bad Gateway (proxy)
	Error503   float64       `yaml:"error503"`     // share answered 503 (with Retry-After if set)
	TooMany429 float64       `yaml:"too_many_429"` // share answered 429 (with Retry-After if set)
	RetryAfter time.Duration `yaml:"retry_after"`  // Retry-After of 429/503, rounded up to seconds; 0 = no header
	Drop       float64       `yaml:"drop"`         // share whose connection is closed without a response
	Hang       float64       `yaml:"hang"`         // share that never answers (until the client gives up)
	// HangAfterCommit is the share that is processed and committed normally
	// but then never answered: the client cannot know the update happened.
	HangAfterCommit float64 `yaml:"hang_after_commit"`
	Seed            int64   `yaml:"seed"` // seed of the deterministic random source
}

func (f Faults) validate() error {
	shares := []struct {
		name string
		v    float64
	}{{"error500", f.Error500}, {"error502", f.Error502}, {"error503", f.Error503},
		{"too_many_429", f.TooMany429}, {"drop", f.Drop}, {"hang", f.Hang}, {"hang_after_commit", f.HangAfterCommit}}
	sum := 0.0
	for _, s := range shares {
		if s.v < 0 || s.v > 1 || math.IsNaN(s.v) {
			return fmt.Errorf("fault share %s = %v, want 0..1: %w", s.name, s.v, ErrBadFaults)
		}
		sum += s.v
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("fault shares add up to %v, want at most 1: %w", sum, ErrBadFaults)
	}
	if f.Latency < 0 || f.Jitter < 0 || f.RetryAfter < 0 {
		return fmt.Errorf("negative fault duration: %w", ErrBadFaults)
	}
	return nil
}

// faultKind is the fault chosen for one request.
type faultKind int

const (
	faultNone faultKind = iota
	fault500
	fault502
	fault503
	fault429
	faultDrop
	faultHang
	faultHangAfterCommit
)

var faultNames = map[faultKind]string{fault500: "500", fault502: "502", fault503: "503", fault429: "429",
	faultDrop: "drop", faultHang: "hang", faultHangAfterCommit: "hang_after_commit"}

// faultEngine owns the fault settings and their random source.
type faultEngine struct {
	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
}

func newFaultEngine(f Faults) *faultEngine {
	e := &faultEngine{}
	e.set(f)
	return e
}

func (e *faultEngine) set(f Faults) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.f = f
	e.rng = rand.New(rand.NewPCG(uint64(f.Seed), uint64(f.Seed)^0x9e3779b97f4a7c15))
}

func (e *faultEngine) get() Faults {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.f
}

// decide draws the delay and the fault of one request.
func (e *faultEngine) decide() (time.Duration, faultKind, time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.f
	delay := f.Latency
	if f.Jitter > 0 {
		delay += time.Duration(e.rng.Int64N(int64(f.Jitter)))
	}
	total := f.Drop + f.Hang + f.Error500 + f.Error502 + f.Error503 + f.TooMany429 + f.HangAfterCommit
	if total == 0 {
		return delay, faultNone, f.RetryAfter
	}
	roll := e.rng.Float64()
	for _, c := range []struct {
		k     faultKind
		share float64
	}{{faultDrop, f.Drop}, {faultHang, f.Hang}, {fault500, f.Error500}, {fault502, f.Error502},
		{fault503, f.Error503}, {fault429, f.TooMany429}, {faultHangAfterCommit, f.HangAfterCommit}} {
		if roll < c.share {
			return delay, c.k, f.RetryAfter
		}
		roll -= c.share
	}
	return delay, faultNone, f.RetryAfter
}

// retryAfterValue is the Retry-After header value in whole seconds, rounded up.
func retryAfterValue(d time.Duration) string {
	return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
}

const (
	body502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
	body503 = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"
	body429 = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n</body>\r\n</html>\r\n"
)
