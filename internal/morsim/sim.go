package morsim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Sentinel errors callers may branch on.
var (
	ErrUnknownProfile = errors.New("unknown profile")
	ErrBadSeed        = errors.New("invalid seed")
	ErrBadFaults      = errors.New("invalid faults")
	ErrNotFound       = errors.New("not found")
	ErrNoDBPath       = errors.New("no database path")
	ErrStarted        = errors.New("simulator already started")
)

// Prefix is the Rails mount point under which the API is served.
const Prefix = "/billing"

// Config configures Open.
type Config struct {
	// DBPath is the SQLite file. An existing file is used as it is; only a
	// new (or empty) one is filled from the seed.
	DBPath string
	// Seed, or else SeedPath, fills a new database; with neither a minimal
	// seed is used (admin/admin1, key "secret").
	Seed     *Seed
	SeedPath string
	// Profile (mor11, mor12, x3, x4) overrides the one stored in the database
	// at seeding; default mor12.
	Profile string
	// Faults, if not zero, override the seed's faults.
	Faults Faults
	// Logger receives one line per request (never p or the secret key).
	Logger zerolog.Logger
}

// Stats are the simulator's request counters.
type Stats struct {
	Requests int64            // every request under /billing/api/
	Updated  int64            // "User was updated" answers
	Faults   map[string]int64 // injected faults by kind (500, 502, 503, 429, drop, hang, hang_after_commit)
}

// Sim is a running MOR simulator. Its methods are safe for concurrent use.
type Sim struct {
	db      *sql.DB
	prof    atomic.Pointer[profile]
	writeMu sync.Mutex // serialises write transactions
	faults  *faultEngine
	log     zerolog.Logger

	requests atomic.Int64
	updated  atomic.Int64
	faultN   sync.Map // faultKind -> *atomic.Int64

	srvMu   sync.Mutex
	srv     *http.Server
	closing chan struct{}
	closeMu sync.Once
}

// Open opens or creates the database at cfg.DBPath and returns a simulator
// that is not yet listening (see Handler and Start).
func Open(ctx context.Context, cfg Config) (*Sim, error) {
	if cfg.DBPath == "" {
		return nil, fmt.Errorf("open simulator: %w", ErrNoDBPath)
	}
	seed := cfg.Seed
	if seed == nil && cfg.SeedPath != "" {
		var err error
		if seed, err = LoadSeed(cfg.SeedPath); err != nil {
			return nil, fmt.Errorf("open simulator: %w", err)
		}
	}
	if seed == nil {
		seed = defaultSeed()
	}
	if err := seed.check(); err != nil {
		return nil, fmt.Errorf("open simulator: %w", err)
	}
	faults := cfg.Faults
	if faults == (Faults{}) && seed.Faults != nil {
		faults = *seed.Faults
	}
	if err := faults.validate(); err != nil {
		return nil, fmt.Errorf("open simulator: %w", err)
	}
	if cfg.Profile != "" {
		if _, err := lookupProfile(cfg.Profile); err != nil {
			return nil, fmt.Errorf("open simulator: %w", err)
		}
	}
	db, err := openDB(cfg.DBPath)
	if err != nil {
		return nil, fmt.Errorf("open simulator: %w", err)
	}
	s := &Sim{db: db, faults: newFaultEngine(faults), log: cfg.Logger, closing: make(chan struct{})}
	if err := s.init(ctx, cfg, seed); err != nil {
		db.Close()
		return nil, fmt.Errorf("open simulator %q: %w", cfg.DBPath, err)
	}
	return s, nil
}

// init creates and seeds a new database and selects the profile.
func (s *Sim) init(ctx context.Context, cfg Config, seed *Seed) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	exists, err := hasSchema(ctx, tx)
	if err != nil {
		return err
	}
	if !exists {
		for _, ddl := range schemaDDL() {
			if _, err := tx.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		}
		name := seed.Profile
		if name == "" {
			name = DefaultProfile
		}
		if err := seed.apply(ctx, tx, strings.ToLower(name)); err != nil {
			return err
		}
	}
	name := cfg.Profile
	if name == "" {
		if name, err = confline(ctx, tx, ConfProfile, 0); err != nil {
			return err
		}
	}
	pr, err := lookupProfile(name)
	if err != nil {
		return err
	}
	s.prof.Store(pr)
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit seed: %w", err)
	}
	if !exists {
		s.log.Info().Int("users", len(seed.Users)).Str("profile", pr.name).Msg("morsim: new database seeded")
	}
	return nil
}

// Profile is the name of the active profile.
func (s *Sim) Profile() string { return s.prof.Load().name }

// SetProfile switches the profile at runtime (not persisted).
func (s *Sim) SetProfile(name string) error {
	pr, err := lookupProfile(name)
	if err != nil {
		return fmt.Errorf("set profile: %w", err)
	}
	s.prof.Store(pr)
	return nil
}

// SetFaults replaces the fault settings (and reseeds their random source).
func (s *Sim) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("set faults: %w", err)
	}
	s.faults.set(f)
	return nil
}

// Faults returns the current fault settings.
func (s *Sim) Faults() Faults { return s.faults.get() }

// SetConfline sets a setting (see the Conf* names) for an owner (0 = admin,
// or a reseller's id), e.g. SetConfline(ctx, ConfAllowGETAPI, 0, "1").
func (s *Sim) SetConfline(ctx context.Context, name string, owner int64, value string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return setConfline(ctx, s.db, name, owner, value)
}

// Confline reads a setting ("" when unset).
func (s *Sim) Confline(ctx context.Context, name string, owner int64) (string, error) {
	return confline(ctx, s.db, name, owner)
}

// User returns a user with his address and tax rows; ErrNotFound if absent.
func (s *Sim) User(ctx context.Context, id int64) (*UserRecord, error) {
	rec, err := loadUserRecord(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return rec, nil
}

// Actions returns the audit rows in insertion order.
func (s *Sim) Actions(ctx context.Context) ([]Action, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id,date,COALESCE(user_id,-1),action,COALESCE(data,''),COALESCE(data2,''),COALESCE(target_id,0) FROM actions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		var a Action
		if err := rows.Scan(&a.ID, &a.Date, &a.UserID, &a.Action, &a.Data, &a.Data2, &a.TargetID); err != nil {
			return nil, fmt.Errorf("list actions: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	return out, nil
}

// Stats returns the request counters.
func (s *Sim) Stats() Stats {
	st := Stats{Requests: s.requests.Load(), Updated: s.updated.Load(), Faults: map[string]int64{}}
	s.faultN.Range(func(k, v any) bool {
		st.Faults[faultNames[k.(faultKind)]] = v.(*atomic.Int64).Load()
		return true
	})
	return st
}

func (s *Sim) countFault(k faultKind) {
	v, _ := s.faultN.LoadOrStore(k, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves Handler in the
// background. It returns the base URL, e.g. "http://127.0.0.1:PORT/billing".
func (s *Sim) Start(ctx context.Context, addr string) (string, error) {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srv != nil {
		return "", fmt.Errorf("start simulator: %w", ErrStarted)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("start simulator on %q: %w", addr, err)
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error().Err(err).Msg("morsim: serve")
		}
	}()
	base := "http://" + ln.Addr().String() + Prefix
	s.log.Info().Str("url", base).Str("profile", s.Profile()).Msg("morsim: listening")
	return base, nil
}

// Shutdown stops the server gracefully: hanging requests are released first,
// then in-flight requests are waited for until ctx ends.
func (s *Sim) Shutdown(ctx context.Context) error {
	s.closeMu.Do(func() { close(s.closing) })
	s.srvMu.Lock()
	srv := s.srv
	s.srvMu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown simulator: %w", err)
	}
	return nil
}

// Close closes the database (call Shutdown first when started).
func (s *Sim) Close() error {
	s.closeMu.Do(func() { close(s.closing) })
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close simulator database: %w", err)
	}
	return nil
}
