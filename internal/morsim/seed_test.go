package morsim

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestParseSeedErrors checks that bad seeds are rejected with the offending
// name in the message.
func TestParseSeedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want string // substring of the error
	}{
		// Unknown top-level key.
		{"unknown top key", "profile: mor12\nusers_list: []\n", "users_list"},
		// Unknown user key.
		{"unknown user key", "users: [{id: 1, username: a, nickname: b}]\n", "nickname"},
		// Unknown settings key.
		{"unknown settings key", "settings: {allow_apis: true}\n", "allow_apis"},
		// Duplicate id.
		{"duplicate id", "users: [{id: 1, username: a}, {id: 1, username: b}]\n", "duplicate id"},
		// Duplicate username, case-insensitively.
		{"duplicate username", "users: [{id: 1, username: a}, {id: 2, username: A}]\n", `username "A" already used by user 1`},
		// Missing id.
		{"missing id", "users: [{username: a}]\n", "id is required"},
		// Missing username.
		{"missing username", "users: [{id: 4}]\n", "username is required"},
		// Unknown right.
		{"unknown right", "acc_groups: [{id: 1, name: g, rights: {user_manages: 2}}]\n", "user_manages"},
		// Unknown profile.
		{"bad profile", "profile: mor10\n", "mor10"},
		// Bad usertype.
		{"bad usertype", "users: [{id: 1, username: a, usertype: boss}]\n", "boss"},
		// Bad value for a numeric column.
		{"bad number", "users: [{id: 1, username: a, credit: lots}]\n", "credit"},
		// Bad fault duration.
		{"bad fault duration", "faults: {latency: soon}\n", "soon"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseSeed([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseSeed() error = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// TestParseSeedFaults checks fault durations given as strings.
func TestParseSeedFaults(t *testing.T) {
	t.Parallel()
	s, err := ParseSeed([]byte("faults: {latency: 50ms, jitter: 1s, error503: 0.25, retry_after: 2s, seed: 7}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Faults{Latency: 50 * time.Millisecond, Jitter: time.Second, Error503: 0.25, RetryAfter: 2 * time.Second, Seed: 7}
	if s.Faults == nil || *s.Faults != want {
		t.Errorf("faults = %+v, want %+v", s.Faults, want)
	}
}

// TestSampleSeed opens the committed samples/seed.yaml and checks its accounts.
func TestSampleSeed(t *testing.T) {
	t.Parallel()
	seed, err := LoadSeed(filepath.Join("..", "..", "samples", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sim, base := startSimSeed(t, "", seed)
	if sim.Profile() != ProfileMOR12 {
		t.Errorf("profile = %s", sim.Profile())
	}
	ctx := context.Background()
	for _, id := range []int64{0, 3, 4, 5, 6, 8, 9, 1001, 1600, 2001, 2020, 3001, 3020} {
		if _, err := sim.User(ctx, id); err != nil {
			t.Errorf("User(%d): %v", id, err)
		}
	}
	for _, id := range []int64{1, 2, 7, 500, 1601, 2021, 3021} {
		if _, err := sim.User(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("User(%d) = %v, want ErrNotFound", id, err)
		}
	}
	u := mustUser(t, sim, 1001)
	checkCols(t, u, map[string]string{"username": "user1001", "tariff_id": "2", "currency_id": "1", "addr.email": "user1001@example.com"})
	tests := []struct {
		name string
		vals url.Values
		want string
	}{
		// The admin edits his user.
		{"admin", signFull("secret", q("u=admin", "p=admin1", "user_id=1001", "u23=Seeded")), updated},
		// reseller1 edits his user with key3 and his tariff 6.
		{"reseller1", signFull("key3", q("u=reseller1", "p=pass3", "user_id=2005", "u5=6")), updated},
		// reseller2 cannot use reseller1's tariff.
		{"reseller2 tariff", signFull("key4", q("u=reseller2", "p=pass4", "user_id=3005", "u5=3")), pageError("Tariff not found")},
		// accountant1 edits; accountant2 cannot.
		{"accountant1", signFull("secret", q("u=accountant1", "p=pass5", "user_id=1002", "u5=5")), updated},
		{"accountant2", signFull("secret", q("u=accountant2", "p=pass6", "user_id=1002")), pageError(textNoRights)},
		// A missing id.
		{"missing", signFull("secret", q("u=admin", "p=admin1", "user_id=1601")), pageError("User was not found")},
		// A simple user.
		{"simple user", signFull("secret", q("u=user1001", "p=pw1001", "user_id=1001")), pageError("Don't be so smart")},
	}
	for _, tc := range tests {
		if r := post(t, base, "user_update_api", tc.vals); r.body != tc.want {
			t.Errorf("%s: body = %q, want %q", tc.name, r.body, tc.want)
		}
	}
}

// TestExistingDatabaseReused checks that an existing file is used as it is:
// the seed is not re-applied, the stored profile is kept unless overridden.
func TestExistingDatabaseReused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mor.db")
	seed := testSeed(t)
	seed.Profile = ProfileX3
	sim, err := Open(ctx, Config{DBPath: path, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if r := post(t, base, "user_update_api", signFull("secret", q("u=admin", "user_id=5", "u23=Persisted"))); r.body != updated {
		t.Fatalf("update: %q", r.body)
	}
	if err := sim.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen with a different seed: it must be ignored.
	other, err := ParseSeed([]byte("users: [{id: 0, username: root, password: x, usertype: admin}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	sim, err = Open(ctx, Config{DBPath: path, Seed: other})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Profile() != ProfileX3 {
		t.Errorf("stored profile = %s, want x3", sim.Profile())
	}
	checkCols(t, mustUser(t, sim, 5), map[string]string{"first_name": "Persisted"})
	checkCols(t, mustUser(t, sim, 0), map[string]string{"username": "admin"})
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}

	// An explicit profile overrides the stored one.
	sim, err = Open(ctx, Config{DBPath: path, Profile: ProfileMOR11})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	if sim.Profile() != ProfileMOR11 {
		t.Errorf("profile = %s, want mor11", sim.Profile())
	}
}

// TestOpenErrors checks Open's argument errors.
func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		// No file.
		{"no path", Config{}, ErrNoDBPath},
		// Unknown profile.
		{"bad profile", Config{DBPath: filepath.Join(t.TempDir(), "a.db"), Profile: "mor13"}, ErrUnknownProfile},
		// Bad faults.
		{"bad faults", Config{DBPath: filepath.Join(t.TempDir(), "b.db"), Faults: Faults{Drop: 2}}, ErrBadFaults},
		// Missing seed file.
		{"missing seed", Config{DBPath: filepath.Join(t.TempDir(), "c.db"), SeedPath: "/nonexistent/seed.yaml"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim, err := Open(ctx, tc.cfg)
			if err == nil {
				sim.Close()
				t.Fatal("Open succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Open() = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestDefaultSeed checks the minimal world used without a seed.
func TestDefaultSeed(t *testing.T) {
	t.Parallel()
	sim, err := Open(context.Background(), Config{DBPath: filepath.Join(t.TempDir(), "d.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	checkCols(t, mustUser(t, sim, 0), map[string]string{"username": "admin", "password": sha1hex("admin1")})
	if k, _ := sim.Confline(context.Background(), ConfAPISecretKey, 0); k != "secret" {
		t.Errorf("key = %q", k)
	}
}

// TestConcurrentUpdates sends 50 concurrent updates (run with -race).
func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	seed := testSeed(t)
	for i := 0; i < 50; i++ {
		seed.Users = append(seed.Users, SeedUser{"id": 100 + i, "username": fmt.Sprintf("c%d", i), "owner_id": 0})
	}
	sim, base := startSimSeed(t, ProfileMOR12, seed)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for i := 0; i < 50; i++ {
		wg.Add(2)
		go func(i int) { // each its own user
			defer wg.Done()
			r := adminUpdate(t, base, q(fmt.Sprintf("user_id=%d", 100+i), fmt.Sprintf("u23=N%d", i), "credit=5", fmt.Sprintf("a1=City%d", i)))
			if r.body != updated {
				errs <- r.body
			}
		}(i)
		go func(i int) { // all on user 5
			defer wg.Done()
			r := adminUpdate(t, base, q("user_id=5", fmt.Sprintf("u18=%d", i)))
			if r.body != updated {
				errs <- r.body
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("unexpected answer %q", e)
	}
	for i := 0; i < 50; i++ {
		checkCols(t, mustUser(t, sim, int64(100+i)), map[string]string{"first_name": fmt.Sprintf("N%d", i), "addr.city": fmt.Sprintf("City%d", i)})
	}
	if st := sim.Stats(); st.Requests != 100 || st.Updated != 100 {
		t.Errorf("stats = %+v", st)
	}
	acts, err := sim.Actions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	edited := 0
	for _, a := range acts {
		if a.Action == "user_edited" {
			edited++
		}
	}
	if edited != 100 {
		t.Errorf("user_edited rows = %d, want 100", edited)
	}
}

// BenchmarkSimThroughput measures valid updates over real HTTP with 8
// concurrent clients.
func BenchmarkSimThroughput(b *testing.B) {
	seed := testSeed(b)
	for i := 0; i < 64; i++ {
		seed.Users = append(seed.Users, SeedUser{"id": 1000 + i, "username": fmt.Sprintf("b%d", i), "owner_id": 0})
	}
	_, base := startSimSeed(b, ProfileMOR12, seed)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= b.N {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				r := adminUpdate(b, base, q(fmt.Sprintf("user_id=%d", 1000+i%64), fmt.Sprintf("u23=B%d", i), "credit=1.5", "u15=0"))
				if r.body != updated {
					b.Errorf("answer %q", r.body)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
