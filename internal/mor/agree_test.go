package mor_test

// Client and simulator agree (issue 3, "What it must show"): for every
// profile a real morsim.Sim listens on a loopback port and a mor.Client of
// the same profile talks to it over HTTP. Each case asserts the client's
// Class, the sentinel (errors.Is), the raw texts it kept and the HTTP status,
// for every error path of doc §4 and every era difference, modelled on the
// rows Kolmisoft's own functional test checks in X3 (doc §4, [TEST]).

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/morbulk/morbulk/internal/mor"
	"github.com/morbulk/morbulk/internal/morsim"
)

// agreeProfiles are the eras both sides implement.
var agreeProfiles = []string{"mor11", "mor12", "x3", "x4"}

// agreeSeedYAML mirrors the accounts at the top of samples/seed.yaml (same
// ids, names, passwords and keys), small enough to seed a database per case.
const agreeSeedYAML = `
profile: mor12
settings: {allow_api: true, allow_get_api: false, api_secret_key: secret, disable_hash_checking: false,
  xml_api_extension: false, password_min_length: 6, username_min_length: 1}
currencies: [{id: 1, name: USD, full_name: United States dollar, exchange_rate: 1}]
tariffs:
  - {id: 1, name: Provider A, purpose: provider, owner_id: 0}
  - {id: 2, name: Retail, purpose: user, owner_id: 0}
  - {id: 5, name: Wholesale, purpose: user_wholesale, owner_id: 0}
  - {id: 3, name: Reseller1 Retail, purpose: user, owner_id: 3}
  - {id: 4, name: Reseller2 Retail, purpose: user, owner_id: 4}
acc_groups:
  - {id: 1, name: Editors, rights: {user_manage: 2, user_create_opt_1: 2, user_create_opt_2: 2, user_create_opt_3: 2, user_create_opt_4: 2, user_create_opt_5: 2, user_create_opt_6: 2, user_create_opt_7: 2}}
  - {id: 2, name: Viewers, rights: {user_manage: 1}}
users:
  - {id: 0, username: admin, password: admin1, usertype: admin, owner_id: 0, first_name: System, last_name: Admin, credit: -1, email: admin@example.com}
  - {id: 3, username: reseller1, password: pass3, usertype: reseller, owner_id: 0, last_name: Reseller, tariff_id: 2, lcr_id: 1, api_secret_key: key3, email: reseller1@example.com}
  - {id: 4, username: reseller2, password: pass4, usertype: reseller, owner_id: 0, tariff_id: 2, lcr_id: 1, api_secret_key: key4, email: reseller2@example.com}
  - {id: 5, username: accountant1, password: pass5, usertype: accountant, owner_id: 0, last_name: Books, acc_group_id: 1}
  - {id: 6, username: accountant2, password: pass6, usertype: accountant, owner_id: 0, last_name: Books, acc_group_id: 2}
  - {id: 1001, username: user1001, password: pw1001, usertype: user, owner_id: 0, first_name: Lukas, last_name: Dubois, tariff_id: 2, currency_id: 1, credit: 130.5, postpaid: 1, email: user1001@example.com, city: New York}
  - {id: 1002, username: user1002, password: pw1002, usertype: user, owner_id: 0, first_name: Julia, last_name: Costa, tariff_id: 2, currency_id: 1, credit: 260, email: user1002@example.com, generate_invoice: 0}
  - {id: 2001, username: user2001, password: pw2001, usertype: user, owner_id: 3, first_name: Rob, last_name: Client, tariff_id: 3, lcr_id: 1, email: user2001@example.com}
  - {id: 3001, username: user3001, password: pw3001, usertype: user, owner_id: 4, tariff_id: 4, lcr_id: 1, email: user3001@example.com}
`

// agreeAccount is a seed user's plain password and his own API key ("" for
// everyone but resellers).
type agreeAccount struct{ password, ownKey string }

var agreeAccounts = map[string]agreeAccount{
	"admin":       {"admin1", ""},
	"reseller1":   {"pass3", "key3"},
	"reseller2":   {"pass4", "key4"},
	"accountant1": {"pass5", ""},
	"accountant2": {"pass6", ""},
	"user1001":    {"pw1001", ""},
	"adm":         {"admin1", ""}, // not a user: "Bad login"
}

// agreeKey is the key a caller must sign with (doc §2.4): the global key in
// MOR 11; from MOR 12 the key of the caller's owner, so a reseller's own key.
// MOR 12 and X3 find the key owner by u AND SHA1(p) (the x3 profile sends p
// when it is set, as here); X4 finds him by u alone (and also accepts the
// admin key).
func agreeKey(profile, user string) string {
	if k := agreeAccounts[user].ownKey; k != "" && profile != "mor11" {
		return k
	}
	return "secret"
}

func agreeSeed(t testing.TB) *morsim.Seed {
	t.Helper()
	s, err := morsim.ParseSeed([]byte(agreeSeedYAML))
	if err != nil {
		t.Fatalf("ParseSeed: %v", err)
	}
	return s
}

// startAgreeSim opens a simulator in profile on a fresh database and starts
// it on a loopback port; it is shut down and closed when the test ends.
func startAgreeSim(t testing.TB, profile string, seed *morsim.Seed, log zerolog.Logger) (*morsim.Sim, string) {
	t.Helper()
	ctx := context.Background()
	sim, err := morsim.Open(ctx, morsim.Config{DBPath: filepath.Join(t.TempDir(), "mor.db"), Seed: seed, Profile: profile, Logger: log})
	if err != nil {
		t.Fatalf("morsim.Open: %v", err)
	}
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		_ = sim.Close()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sim.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := sim.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return sim, base
}

// agreeClient is a client of profile for user, signing with the key the
// server expects of him; edit may change the configuration.
func agreeClient(t testing.TB, base, profile, user string, edit func(*mor.Config)) *mor.Client {
	t.Helper()
	prof, err := mor.ParseProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mor.Config{BaseURL: base, User: user, Password: agreeAccounts[user].password,
		Secret: agreeKey(profile, user), Profile: prof, Timeout: 10 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := mor.New(cfg)
	if err != nil {
		t.Fatalf("mor.New: %v", err)
	}
	return c
}

// agreeRow builds Params from "k=v" pairs, in order.
func agreeRow(kv ...string) mor.Params {
	ps := make(mor.Params, 0, len(kv))
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		ps = append(ps, mor.Param{Key: k, Value: v})
	}
	return ps
}

// agreeWant is what the client must make of the simulator's answer.
type agreeWant struct {
	class    mor.Class
	sentinel error        // nil for Updated
	status   string       // Response.Status, "" when no plain <status>
	errs     []string     // Response.Errors, exactly
	msgs     []string     // Response.Messages, exactly
	env      mor.Envelope // Response.Envelope; EnvelopeAny: not checked
	http     int          // HTTP status; 0 means 200
}

// actionEnv is the envelope of an action's answer: none in MOR 11, <page> later (doc §1.5).
func actionEnv(p string) mor.Envelope {
	if p == "mor11" {
		return mor.EnvelopeRoot
	}
	return mor.EnvelopePage
}

// agreeEra picks the MOR 11/12 text or the X3/X4 one (doc §4).
func agreeEra(p, old, x3 string) string {
	if p == "x3" || p == "x4" {
		return x3
	}
	return old
}

func wantUpdated(p string) agreeWant {
	return agreeWant{class: mor.Updated, status: "User was updated", env: actionEnv(p)}
}

func wantRow(p string, sentinel error, text string, msgs ...string) agreeWant {
	return agreeWant{class: mor.RowError, sentinel: sentinel, errs: []string{text}, msgs: msgs, env: actionEnv(p)}
}

func wantSystemic(p string, sentinel error, text string) agreeWant {
	return agreeWant{class: mor.Systemic, sentinel: sentinel, errs: []string{text}, env: actionEnv(p)}
}

// wantPrecheck is a before_filter's answer (rows 1-2 of doc §4): MOR 11 a
// bare <status>text</status>, later <status><error>text</error></status>.
func wantPrecheck(p string, sentinel error, text string) agreeWant {
	if p == "mor11" {
		return agreeWant{class: mor.Systemic, sentinel: sentinel, status: text, env: mor.EnvelopeRoot}
	}
	return agreeWant{class: mor.Systemic, sentinel: sentinel, errs: []string{text}, env: mor.EnvelopeRoot}
}

// wantHash is row 3 of doc §4: root <error> in MOR 11, inside <page> in MOR
// 12, <status><error> from the X3 before_filter.
func wantHash(p string) agreeWant {
	w := wantSystemic(p, mor.ErrIncorrectHash, "Incorrect hash")
	if p == "x3" || p == "x4" {
		w.env = mor.EnvelopeRoot
	}
	return w
}

// checkAgree compares a Result with w.
func checkAgree(t *testing.T, res mor.Result, w agreeWant) {
	t.Helper()
	if res.Class != w.class {
		t.Errorf("class %v, want %v (err %v, response %+v, excerpt %q)", res.Class, w.class, res.Err, res.Response, res.Excerpt)
	}
	switch {
	case w.sentinel == nil && res.Err != nil:
		t.Errorf("err %v, want nil", res.Err)
	case w.sentinel != nil && !errors.Is(res.Err, w.sentinel):
		t.Errorf("err %v, want errors.Is %v", res.Err, w.sentinel)
	}
	wantHTTP := w.http
	if wantHTTP == 0 {
		wantHTTP = 200
	}
	if res.HTTPStatus != wantHTTP {
		t.Errorf("HTTP %d, want %d", res.HTTPStatus, wantHTTP)
	}
	if wantHTTP != 200 {
		return // not a MOR answer: nothing parsed
	}
	r := res.Response
	if !res.Recognised {
		t.Errorf("answer not recognised: %+v", r)
	}
	if r.Status != w.status || r.HasStatus != (w.status != "") {
		t.Errorf("status %q (has %v), want %q", r.Status, r.HasStatus, w.status)
	}
	if !slices.Equal(r.Errors, w.errs) {
		t.Errorf("errors %q, want %q", r.Errors, w.errs)
	}
	if !slices.Equal(r.Messages, w.msgs) {
		t.Errorf("messages %q, want %q", r.Messages, w.msgs)
	}
	if w.env != mor.EnvelopeAny && r.Envelope != w.env {
		t.Errorf("envelope %v, want %v", r.Envelope, w.env)
	}
	if w.sentinel != nil && len(w.errs) > 0 && !strings.Contains(res.Err.Error(), w.errs[0]) {
		t.Errorf("err %q does not quote the server's text %q", res.Err, w.errs[0])
	}
}

// agreeCase is one request and what both sides must make of it.
type agreeCase struct {
	name  string
	user  string                                         // API user (default admin)
	edit  func(p string, c *mor.Config)                  // client configuration
	setup func(ctx context.Context, s *morsim.Sim) error // server settings
	row   mor.Params
	want  func(p string) agreeWant
	check func(t *testing.T, p string, s *morsim.Sim, res mor.Result) // the database afterwards
}

func setConf(name, value string) func(context.Context, *morsim.Sim) error {
	return func(ctx context.Context, s *morsim.Sim) error { return s.SetConfline(ctx, name, 0, value) }
}

// agreeUser loads a user from the simulator's database.
func agreeUser(t *testing.T, s *morsim.Sim, id int64) *morsim.UserRecord {
	t.Helper()
	rec, err := s.User(context.Background(), id)
	if err != nil {
		t.Fatalf("sim.User(%d): %v", id, err)
	}
	return rec
}

// wantCol checks a users column as text.
func wantCol(t *testing.T, s *morsim.Sim, id int64, col, want string) {
	t.Helper()
	if got := agreeUser(t, s, id).User.Str(col); got != want {
		t.Errorf("user %d %s = %q, want %q", id, col, got, want)
	}
}

// unchanged1001 checks that a failed update left user 1001 as seeded.
func unchanged1001(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) {
	t.Helper()
	wantCol(t, s, 1001, "username", "user1001")
	wantCol(t, s, 1001, "last_name", "Dubois")
	wantCol(t, s, 1001, "tariff_id", "2")
}

func agreeCases() []agreeCase {
	return []agreeCase{
		// Success: the change is stored.
		{name: "updated", row: agreeRow("user_id=1001", "u17=Smith"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) { wantCol(t, s, 1001, "last_name", "Smith") }},
		// [TEST] user_id alone: "User was updated", nothing changed.
		{name: "user_id alone", row: agreeRow("user_id=1001"), want: wantUpdated, check: unchanged1001},
		// [TEST] admin with user_id=499: no such user.
		{name: "user not found", row: agreeRow("user_id=499", "u17=Smith"),
			want: func(p string) agreeWant { return wantRow(p, mor.ErrUserNotFound, "User was not found") }},
		// A reseller's user is out of the admin's scope (doc §6).
		{name: "admin edits a reseller's user", row: agreeRow("user_id=2001", "u17=Smith"),
			want: func(p string) agreeWant { return wantRow(p, mor.ErrUserNotFound, "User was not found") }},
		// [TEST] invalid tariff: the text changed in X3 (doc §4 7d).
		{name: "tariff not found", row: agreeRow("user_id=1001", "u5=99"), check: unchanged1001,
			want: func(p string) agreeWant {
				return wantRow(p, mor.ErrTariffNotFound, agreeEra(p, "Tariff not found", "Tariff was not found"))
			}},
		// Another reseller's tariff is not the admin's.
		{name: "reseller's tariff for an admin user", row: agreeRow("user_id=1001", "u5=3"), check: unchanged1001,
			want: func(p string) agreeWant {
				return wantRow(p, mor.ErrTariffNotFound, agreeEra(p, "Tariff not found", "Tariff was not found"))
			}},
		// A taken username: "User was not updated" + <message>; MOR 11 sends
		// two root elements (not well-formed XML, doc §1.5).
		{name: "username taken", row: agreeRow("user_id=1001", "u9=user1002"), check: unchanged1001,
			want: func(p string) agreeWant {
				return wantRow(p, mor.ErrNotUpdated, "User was not updated", "Username has already been taken")
			}},
		// [TEST] a duplicate email: only X3+ require unique emails.
		{name: "email must be unique", row: agreeRow("user_id=1001", "a8=user1002@example.com"),
			want: func(p string) agreeWant {
				if p == "x3" || p == "x4" {
					return wantRow(p, mor.ErrNotUpdated, "User was not updated", "Email must be unique")
				}
				return wantUpdated(p)
			},
			check: func(t *testing.T, p string, s *morsim.Sim, _ mor.Result) {
				want := "user1001@example.com"
				if p == "mor11" || p == "mor12" {
					want = "user1002@example.com"
				}
				if got := agreeUser(t, s, 1001).Address.Str("email"); got != want {
					t.Errorf("email %q, want %q", got, want)
				}
			}},
		// X3+ refuse a new password shorter than the minimum (6 here, doc §4 7e).
		{name: "password too short", row: agreeRow("user_id=1001", "pswd=abc"),
			want: func(p string) agreeWant {
				if p == "x3" || p == "x4" {
					return wantRow(p, mor.ErrTooShort, "Password must be longer than 5 characters")
				}
				return wantUpdated(p)
			}},
		// An invalid email is refused in every era.
		{name: "bad email", row: agreeRow("user_id=1001", "a8=not-an-email"),
			want: func(p string) agreeWant {
				return wantRow(p, mor.ErrNotUpdated, "User was not updated", "Please enter correct email")
			}},
		// [TEST] accountant without Manage Users = 2 (doc §4 7a).
		{name: "accountant without rights", user: "accountant2", row: agreeRow("user_id=1001", "u17=Smith"), check: unchanged1001,
			want: func(p string) agreeWant {
				return wantRow(p, mor.ErrNoEditRights, "You do not have rights to edit this")
			}},
		// [TEST] a simple user as the API user (doc §4 row 5).
		{name: "simple user as caller", user: "user1001", row: agreeRow("user_id=1002", "u17=Smith"),
			want: func(p string) agreeWant {
				return wantRow(p, mor.ErrAccessDenied, agreeEra(p, "Don't be so smart", "Access Denied"))
			}},
		// [TEST] accountant editing the admin.
		{name: "accountant edits admin", user: "accountant1", row: agreeRow("user_id=0", "u17=Smith"),
			want: func(p string) agreeWant {
				return wantRow(p, mor.ErrAccessDenied, agreeEra(p, "Don't be so smart", "Access Denied"))
			}},
		// [TEST] accountant editing himself: refused from MOR 12 on; MOR 11
		// refuses only user 0 (doc §7.3 #10).
		{name: "accountant edits himself", user: "accountant1", row: agreeRow("user_id=5", "u17=Self"),
			want: func(p string) agreeWant {
				if p == "mor11" {
					return wantUpdated(p)
				}
				return wantRow(p, mor.ErrAccessDenied, agreeEra(p, "Don't be so smart", "Access Denied"))
			}},
		// [TEST] accountant editing a reseller's user: out of scope.
		{name: "accountant edits a reseller's user", user: "accountant1", row: agreeRow("user_id=2001", "u17=Smith"),
			want: func(p string) agreeWant { return wantRow(p, mor.ErrUserNotFound, "User was not found") }},
		// An accountant with every right may edit an admin user.
		{name: "accountant with rights", user: "accountant1", row: agreeRow("user_id=1001", "u17=Smith"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) { wantCol(t, s, 1001, "last_name", "Smith") }},
		// A reseller sending u13 other than user: the notice with three dots
		// (doc §4 7b), "Access Denied" in X3.
		{name: "reseller sends u13=reseller", user: "reseller1", row: agreeRow("user_id=2001", "u13=reseller"),
			want: func(p string) agreeWant {
				return wantRow(p, mor.ErrAccessDenied, agreeEra(p, "Don't be so smart...", "Access Denied"))
			},
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) { wantCol(t, s, 2001, "usertype", "user") }},
		// The reseller's own user, with his own tariff: updated.
		{name: "reseller edits his user", user: "reseller1", row: agreeRow("user_id=2001", "u17=Smith", "u5=3"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) { wantCol(t, s, 2001, "last_name", "Smith") }},
		// A reseller may not give his user an admin tariff.
		{name: "reseller uses an admin tariff", user: "reseller1", row: agreeRow("user_id=2001", "u5=2"),
			want: func(p string) agreeWant {
				return wantRow(p, mor.ErrTariffNotFound, agreeEra(p, "Tariff not found", "Tariff was not found"))
			}},
		// [TEST] reseller editing an admin-owned user.
		{name: "reseller edits an admin user", user: "reseller1", row: agreeRow("user_id=1001", "u17=Smith"),
			want: func(p string) agreeWant { return wantRow(p, mor.ErrUserNotFound, "User was not found") }},
		// [TEST] reseller editing an accountant.
		{name: "reseller edits an accountant", user: "reseller1", row: agreeRow("user_id=5", "u17=Smith"),
			want: func(p string) agreeWant { return wantRow(p, mor.ErrUserNotFound, "User was not found") }},
		// Another reseller's user.
		{name: "reseller edits another reseller's user", user: "reseller1", row: agreeRow("user_id=3001", "u17=Smith"),
			want: func(p string) agreeWant { return wantRow(p, mor.ErrUserNotFound, "User was not found") }},
		// [TEST] reseller editing himself: allowed from MOR 12 on (doc §6).
		{name: "reseller edits himself", user: "reseller1", row: agreeRow("user_id=3", "u17=Self"),
			want: func(p string) agreeWant {
				if p == "mor11" {
					return wantRow(p, mor.ErrUserNotFound, "User was not found")
				}
				return wantUpdated(p)
			}},
		// [TEST] u=adm: Bad login.
		{name: "bad login", user: "adm", row: agreeRow("user_id=1001", "u17=Smith"), check: unchanged1001,
			want: func(p string) agreeWant { return wantSystemic(p, mor.ErrBadLogin, "Bad login") }},
		// A wrong password: checked in MOR 11/12; X3 ignores p and the x3/x4
		// profiles do not even send it.
		{name: "wrong password", edit: func(_ string, c *mor.Config) { c.Password = "wrong1" }, row: agreeRow("user_id=1001", "u17=Smith"),
			want: func(p string) agreeWant {
				if p == "x3" || p == "x4" {
					return wantUpdated(p)
				}
				return wantSystemic(p, mor.ErrBadLogin, "Bad login")
			}},
		// A wrong secret key.
		{name: "wrong secret", edit: func(_ string, c *mor.Config) { c.Secret = "not-the-key" }, row: agreeRow("user_id=1001", "u17=Smith"),
			want: wantHash, check: unchanged1001},
		// Hash mode mismatch with a parameter besides user_id: a legacy
		// client against a full server (and a full client against MOR 11).
		{name: "hash mode mismatch", edit: flipMode, row: agreeRow("user_id=1001", "u17=Smith"), want: wantHash, check: unchanged1001},
		// With user_id alone both modes give the same hash (doc §0).
		{name: "hash mode mismatch, user_id only", edit: flipMode, row: agreeRow("user_id=1001"), want: wantUpdated},
		// A user_id with leading zeros is hashed as the server reads it
		// (to_i.to_s, doc §2.3), so it is accepted.
		{name: "user_id with leading zeros", row: agreeRow("user_id=001001", "u17=Smith"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) { wantCol(t, s, 1001, "last_name", "Smith") }},
		// API disabled (Allow_API = 0): the before_filter answers.
		{name: "API disabled", setup: setConf(morsim.ConfAllowAPI, "0"), row: agreeRow("user_id=1001", "u17=Smith"), check: unchanged1001,
			want: func(p string) agreeWant { return wantPrecheck(p, mor.ErrAPIDisabled, "API Requests are disabled") }},
		// GET without Allow GET API.
		{name: "GET disabled", edit: func(_ string, c *mor.Config) { c.Method = "GET" }, row: agreeRow("user_id=1001", "u17=Smith"), check: unchanged1001,
			want: func(p string) agreeWant { return wantPrecheck(p, mor.ErrGETDisabled, "GET Requests are disabled") }},
		// GET with Allow GET API = 1 works.
		{name: "GET allowed", setup: setConf(morsim.ConfAllowGETAPI, "1"), edit: func(_ string, c *mor.Config) { c.Method = "GET" },
			row: agreeRow("user_id=1001", "u17=Smith"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) { wantCol(t, s, 1001, "last_name", "Smith") }},
		// Hash checking disabled and no hash sent: accepted from MOR 12
		// (Nov 2012, doc §2.4); MOR 11 has no such setting.
		{name: "no hash, checking disabled", setup: setConf(morsim.ConfDisableHashChecking, "1"),
			edit: func(_ string, c *mor.Config) { c.NoHash, c.Secret = true, "" }, row: agreeRow("user_id=1001", "u17=Smith"),
			want: func(p string) agreeWant {
				if p == "mor11" {
					return wantHash(p)
				}
				return wantUpdated(p)
			}},
		// No hash while the server checks: Incorrect hash.
		{name: "no hash, checking on", edit: func(_ string, c *mor.Config) { c.NoHash = true }, row: agreeRow("user_id=1001", "u17=Smith"),
			want: wantHash, check: unchanged1001},
		// user_warning_email_hour and pgui are sent but never hashed (the
		// missing comma, doc §2.3): the server must accept the client's hash.
		{name: "never-hashed parameters", row: agreeRow("user_id=1001", "u2=0", "warning_email_active=1", "user_warning_email_hour=5", "pgui=1", "pcsv=2"),
			want: wantUpdated,
			check: func(t *testing.T, p string, s *morsim.Sim, res mor.Result) {
				wantCol(t, s, 1001, "warning_email_hour", "5")
				wantCol(t, s, 1001, "hide_destination_end", "3")
				for _, part := range res.Hash.Parts {
					if part.Key == "pgui" || part.Key == "user_warning_email_hour" {
						t.Errorf("client hashed %s", part.Key)
					}
				}
			}},
		// i4 comes before i1 in the server's order (doc §2.5); the mask is
		// rebuilt from the bits sent.
		{name: "i4 before i1", row: agreeRow("user_id=1001", "i1=2", "i4=16"), want: wantUpdated,
			check: func(t *testing.T, p string, s *morsim.Sim, res mor.Result) {
				wantCol(t, s, 1001, "send_invoice_types", "18")
				if p != "mor11" && hashKeys(res.Hash) != "user_id i4 i1" {
					t.Errorf("hashed %q, want user_id i4 i1", hashKeys(res.Hash))
				}
			}},
		// ignore_global_monitorings is hashed by MOR 12/X3 but not by later
		// servers (doc §2.3): each era's client must sign it as its server does.
		{name: "ignore_global_monitorings", row: agreeRow("user_id=1001", "ignore_global_monitorings=1", "u17=Smith"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) {
				wantCol(t, s, 1001, "ignore_global_monitorings", "1")
			}},
		// MOR 11 crashes on a9 (address "satate", doc §7.3 #8): HTTP 500, transient.
		{name: "a9 state", row: agreeRow("user_id=1001", "a9=NY"),
			want: func(p string) agreeWant {
				if p == "mor11" {
					return agreeWant{class: mor.Transient, sentinel: mor.ErrServer, http: 500}
				}
				return wantUpdated(p)
			}},
		// Normalisations (doc §3.3-§3.5), seen through the client:
		// credit -1 is stored as 0 (unlimited needs unlimited=1).
		{name: "credit -1 stored 0", row: agreeRow("user_id=1001", "credit=-1"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) { wantCol(t, s, 1001, "credit", "0.0") }},
		// unlimited=1 (not hashed) is the way to -1.
		{name: "unlimited", row: agreeRow("user_id=1001", "unlimited=1"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) { wantCol(t, s, 1001, "credit", "-1.0") }},
		// u12: only 1 gives 1.
		{name: "u12=1", row: agreeRow("user_id=1002", "u12=1"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) {
				wantCol(t, s, 1002, "generate_invoice", "1")
			}},
		// u12=2 gives 0.
		{name: "u12=2 stored 0", row: agreeRow("user_id=1001", "u12=2"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) {
				wantCol(t, s, 1001, "generate_invoice", "0")
			}},
		// i1..i4: the mask is the sum of the bits sent, the default bit cleared.
		{name: "invoice mask", row: agreeRow("user_id=1001", "i1=2", "i2=4", "i3=0", "i4=16"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) {
				wantCol(t, s, 1001, "send_invoice_types", "22")
			}},
		// pgui/pcsv/ppdf are summed into hide_destination_end.
		{name: "privacy summed", row: agreeRow("user_id=1001", "pgui=1", "pcsv=2", "ppdf=4"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) {
				wantCol(t, s, 1001, "hide_destination_end", "7")
			}},
		// u20 is MB, stored as bytes.
		{name: "u20 MB to bytes", row: agreeRow("user_id=1001", "u20=6"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) {
				wantCol(t, s, 1001, "recording_hdd_quota", "6291456")
			}},
		// [TEST] call limit 0545 -> 545; flags > 0 -> 1.
		{name: "call limit and flags", row: agreeRow("user_id=1001", "u18=0545", "u15=5", "u25=0"), want: wantUpdated,
			check: func(t *testing.T, _ string, s *morsim.Sim, _ mor.Result) {
				wantCol(t, s, 1001, "call_limit", "545")
				wantCol(t, s, 1001, "blocked", "1")
				wantCol(t, s, 1001, "postpaid", "0")
			}},
	}
}

// checkProfileText: the era texts the client's profile documents (shown by
// doctor) are the ones the simulator of that era answers with.
func checkProfileText(t *testing.T, prof mor.Profile, sentinel error, got string) {
	t.Helper()
	var want []string
	switch sentinel {
	case mor.ErrAccessDenied:
		want = []string{prof.Texts.AccessDenied, prof.Texts.RoleDenied}
	case mor.ErrTariffNotFound:
		want = []string{prof.Texts.TariffNotFound}
	case mor.ErrNoEditRights:
		want = []string{prof.Texts.NoEditRights}
	default:
		return
	}
	if !slices.Contains(want, got) {
		t.Errorf("profile %s documents %q, the simulator answered %q", prof.Name, want, got)
	}
}

// flipMode gives the client the other hash mode than its profile's.
func flipMode(p string, c *mor.Config) {
	c.HashMode = mor.HashLegacy
	if p == "mor11" {
		c.HashMode = mor.HashFull
	}
}

func hashKeys(h mor.Hashed) string {
	keys := make([]string, len(h.Parts))
	for i, p := range h.Parts {
		keys[i] = p.Key
	}
	return strings.Join(keys, " ")
}

// TestAgree runs every case in every profile, each on its own database.
func TestAgree(t *testing.T) {
	t.Parallel()
	seed := agreeSeed(t)
	for _, p := range agreeProfiles {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			for _, tc := range agreeCases() {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					sim, base := startAgreeSim(t, p, seed, zerolog.Nop())
					if tc.setup != nil {
						if err := tc.setup(t.Context(), sim); err != nil {
							t.Fatalf("setup: %v", err)
						}
					}
					u := tc.user
					if u == "" {
						u = "admin"
					}
					var edit func(*mor.Config)
					if tc.edit != nil {
						edit = func(c *mor.Config) { tc.edit(p, c) }
					}
					c := agreeClient(t, base, p, u, edit)
					res := c.Update(t.Context(), tc.row)
					w := tc.want(p)
					checkAgree(t, res, w)
					if len(w.errs) == 1 && len(res.Response.Errors) == 1 {
						checkProfileText(t, c.Profile(), w.sentinel, res.Response.Errors[0])
					}
					if tc.check != nil {
						tc.check(t, p, sim, res)
					}
				})
			}
		})
	}
}

// TestAgreeResellerKey: which key a reseller signs with, per era (doc §2.4).
// MOR 11 knows only the global key. MOR 12 picks the key owner by u and
// SHA1(p), so a reseller signs with his own key. X3 does the same lookup:
// the x3 profile sends p when it is set, so his own key works; without p the
// owner is not found and the ADMIN key applies. X4 finds the owner by u alone
// and accepts his own key and the admin key.
func TestAgreeResellerKey(t *testing.T) {
	t.Parallel()
	seed := agreeSeed(t)
	noP := func(c *mor.Config) { c.Password = "" } // no password configured: p is not sent
	tests := []struct {
		profile string
		key     string
		edit    func(*mor.Config)
		ok      bool
	}{
		{"mor11", "key3", nil, false},   // global key only
		{"mor11", "secret", nil, true},  // the global key
		{"mor12", "key3", nil, true},    // his own key, found with p
		{"mor12", "secret", nil, false}, // the admin key is not his
		{"x3", "key3", nil, true},       // p sent: the owner is found, his own key
		{"x3", "secret", nil, false},    // the admin key is not his
		{"x3", "key3", noP, false},      // p not sent: owner not found, admin key expected
		{"x3", "secret", noP, true},     // so without p a reseller signs with the admin key
		{"x4", "key3", nil, true},       // found by u alone
		{"x4", "secret", nil, true},     // later servers also accept the admin key
	}
	for _, tc := range tests {
		name := tc.profile + " " + tc.key
		if tc.edit != nil {
			name += " without p"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sim, base := startAgreeSim(t, tc.profile, seed, zerolog.Nop())
			c := agreeClient(t, base, tc.profile, "reseller1", func(c *mor.Config) {
				c.Secret = tc.key
				if tc.edit != nil {
					tc.edit(c)
				}
			})
			res := c.Update(t.Context(), agreeRow("user_id=2001", "u17=Keyed"))
			if tc.ok {
				checkAgree(t, res, wantUpdated(tc.profile))
				wantCol(t, sim, 2001, "last_name", "Keyed")
			} else {
				checkAgree(t, res, wantHash(tc.profile))
				wantCol(t, sim, 2001, "last_name", "Client")
			}
		})
	}
	// The key rule the tests use is the one the CLI's --sim credentials use.
	if agreeKey("x3", "reseller1") != "key3" || agreeKey("mor12", "reseller1") != "key3" || agreeKey("mor11", "reseller1") != "secret" {
		t.Error("agreeKey does not follow doc §2.4")
	}
}

// agreeLogBuffer collects the simulator's log lines from its handler goroutines.
type agreeLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *agreeLogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *agreeLogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAgreeEndpoint: the client calls the era's method name (X4:
// user_details_update) and the simulator serves it; the request carries p
// only where the era checks it.
func TestAgreeEndpoint(t *testing.T) {
	t.Parallel()
	seed := agreeSeed(t)
	tests := []struct {
		profile, action string
	}{
		{"mor11", "user_update_api"},  // MOR 11 name
		{"mor12", "user_update_api"},  // MOR 12 name
		{"x3", "user_update_api"},     // X3 name
		{"x4", "user_details_update"}, // renamed in X4
	}
	for _, tc := range tests {
		t.Run(tc.profile, func(t *testing.T) {
			t.Parallel()
			var logs agreeLogBuffer
			log := zerolog.New(&logs)
			sim, base := startAgreeSim(t, tc.profile, seed, log)
			c := agreeClient(t, base, tc.profile, "admin", nil)
			if !strings.HasSuffix(c.UpdateURL(), "/billing/api/"+tc.action) {
				t.Errorf("UpdateURL %s, want .../api/%s", c.UpdateURL(), tc.action)
			}
			res := c.Update(t.Context(), agreeRow("user_id=1001", "u23=Endpoint"))
			checkAgree(t, res, wantUpdated(tc.profile))
			wantCol(t, sim, 1001, "first_name", "Endpoint")
			out := logs.String()
			if !strings.Contains(out, `"action":"`+tc.action+`"`) || !strings.Contains(out, `"outcome":"updated"`) {
				t.Errorf("simulator log does not show %s updated:\n%s", tc.action, out)
			}
			if strings.Contains(out, "admin1") {
				t.Errorf("simulator log shows the password:\n%s", out)
			}
		})
	}
}

// TestAgreeDetails: the read used by doctor (user_details, X4
// user_details_get) agrees too, including how each era answers a wrong
// password (MOR 11/12 "User was not found", X3 ignores p).
func TestAgreeDetails(t *testing.T) {
	t.Parallel()
	seed := agreeSeed(t)
	for _, p := range agreeProfiles {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, base := startAgreeSim(t, p, seed, zerolog.Nop())
			det, res := agreeClient(t, base, p, "admin", nil).Details(t.Context(), "1001")
			if res.Class != mor.Updated || res.Err != nil || !res.Response.HasDetails {
				t.Fatalf("details: class %v err %v", res.Class, res.Err)
			}
			if v, _ := det.Fields.Get("username"); v != "user1001" {
				t.Errorf("username %q", v)
			}
			wantID := "0" // MOR 11/12: the caller's id
			if p == "x3" || p == "x4" {
				wantID = "1001" // X3: the target's id
			}
			if det.UserID != wantID {
				t.Errorf("userid %q, want %q", det.UserID, wantID)
			}
			_, res = agreeClient(t, base, p, "admin", func(c *mor.Config) { c.Password = "wrong1" }).Details(t.Context(), "0")
			switch p {
			case "mor11", "mor12":
				if !errors.Is(res.Err, mor.ErrUserNotFound) {
					t.Errorf("wrong password: %v, want User was not found", res.Err)
				}
			default:
				if res.Class != mor.Updated {
					t.Errorf("wrong password ignored by %s: %v", p, res.Err)
				}
			}
		})
	}
}

// TestAgreeCoversIssue: every path issue 3 names has a case, and names are unique.
func TestAgreeCoversIssue(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, tc := range agreeCases() {
		if names[tc.name] {
			t.Errorf("duplicate case %q", tc.name)
		}
		names[tc.name] = true
	}
	for _, n := range []string{"updated", "user not found", "tariff not found", "username taken", "email must be unique",
		"accountant without rights", "simple user as caller", "accountant edits admin", "reseller sends u13=reseller",
		"bad login", "wrong secret", "hash mode mismatch", "API disabled", "GET disabled", "GET allowed",
		"no hash, checking disabled", "never-hashed parameters", "i4 before i1", "credit -1 stored 0", "u12=1",
		"invoice mask", "privacy summed", "u20 MB to bytes"} {
		if !names[n] {
			t.Errorf("no case %q", n)
		}
	}
}
