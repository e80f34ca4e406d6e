package morsim

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testSeedYAML is a small world shaped so that the [TEST] rows and hash
// vectors of the doc (§2.5, §4) apply with the admin key "secret".
const testSeedYAML = `
profile: mor12
settings: {allow_api: true, allow_get_api: false, api_secret_key: secret, disable_hash_checking: false, xml_api_extension: false}
currencies: [{id: 1, name: USD}, {id: 2, name: EUR}]
tariffs:
  - {id: 1, name: Provider, purpose: provider, owner_id: 0}
  - {id: 2, name: Retail, purpose: user, owner_id: 0}
  - {id: 3, name: R3 Retail, owner_id: 3}
  - {id: 4, name: R30 Retail, owner_id: 30}
acc_groups:
  - {id: 1, name: All, rights: {user_manage: 2, user_create_opt_1: 2, user_create_opt_2: 2, user_create_opt_3: 2, user_create_opt_4: 2, user_create_opt_5: 2, user_create_opt_6: 2, user_create_opt_7: 2}}
  - {id: 2, name: Read, rights: {user_manage: 1, user_create_opt_4: 2}}
  - {id: 3, name: ManageOnly, rights: {user_manage: 2}}
  - {id: 4, name: OnlyView, only_view: true, rights: {user_manage: 2, user_create_opt_4: 2}}
users:
  - {id: 0, username: admin, password: admin1, usertype: admin, owner_id: 0, credit: -1}
  - {id: 2, username: user2, password: pass22, usertype: user, owner_id: 0, first_name: Ann, last_name: Lee, email: user2@example.com, tariff_id: 2, currency_id: 1, credit: 10.5, city: Vilnius}
  - {id: 3, username: reseller3, password: pass33, usertype: reseller, owner_id: 0, api_secret_key: key3, lcr_id: 7, tariff_id: 2}
  - {id: 5, username: user5, usertype: user, owner_id: 0, tariff_id: 2, email: user5@example.com}
  - {id: 6, username: user6, usertype: user, owner_id: 0, tariff_id: 2, send_invoice_types: 3}
  - {id: 12, username: acc12, password: pass12, usertype: accountant, owner_id: 0, acc_group_id: 1}
  - {id: 13, username: acc13, password: pass13, usertype: accountant, owner_id: 0, acc_group_id: 2}
  - {id: 14, username: acc14, password: pass14, usertype: accountant, owner_id: 0, acc_group_id: 3}
  - {id: 15, username: acc15, password: pass15, usertype: accountant, owner_id: 0, acc_group_id: 4}
  - {id: 16, username: acc16, password: pass16, usertype: accountant, owner_id: 0, acc_group_id: null}
  - {id: 20, username: ruser20, usertype: user, owner_id: 3, tariff_id: 3, lcr_id: 1, first_name: Rob}
  - {id: 21, username: ruser21, usertype: user, owner_id: 3, tariff_id: 3, lcr_id: 2}
  - {id: 30, username: reseller30, password: pass30, usertype: reseller, owner_id: 0, api_secret_key: key30, disable_hash_checking: true}
  - {id: 31, username: ruser31, usertype: user, owner_id: 30, tariff_id: 4}
  - {id: 40, username: taken, usertype: user, owner_id: 0, email: taken@example.com, tax1_value: 18, total_tax_name: VAT}
`

func testSeed(t testing.TB) *Seed {
	t.Helper()
	s, err := ParseSeed([]byte(testSeedYAML))
	if err != nil {
		t.Fatalf("parse test seed: %v", err)
	}
	return s
}

// startSim opens a simulator on a fresh file with the test seed and starts
// it on a loopback port; mutate may change the seed first.
func startSim(t testing.TB, profile string, mutate func(*Seed)) (*Sim, string) {
	t.Helper()
	seed := testSeed(t)
	if mutate != nil {
		mutate(seed)
	}
	return startSimSeed(t, profile, seed)
}

func startSimSeed(t testing.TB, profile string, seed *Seed) (*Sim, string) {
	t.Helper()
	ctx := context.Background()
	sim, err := Open(ctx, Config{DBPath: filepath.Join(t.TempDir(), "mor.db"), Seed: seed, Profile: profile})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sim.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := sim.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return sim, base
}

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// testHashOrder is the part of the server's order the tests use; written
// here again on purpose, from doc §2.3, so a typo in hash.go shows up.
var testHashOrder = strings.Fields(`user_id u0 u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12 u13 u14 u15 u16 u17 u18 u19 u20
u21 u22 u23 u24 u25 u26 u27 u28 ay am ad by bm bd pswd pcsv ppdf recording_forced_enabled i4 tax4_enabled tax2_enabled
accountant_type_invalid block_at_conditional tax3_enabled accountant_type tax1_value show_zero_calls warning_email_active
compound_tax tax4_name allow_loss_calls tax3_name tax2_name credit tax1_name total_tax_name tax2_value tax4_value
ignore_global_monitorings i1 tax3_value cyberplat_active i2 i3 recording_enabled email_warning_sent_test own_providers
a0 a1 a2 a3 a4 a5 a6 a7 a8 a9`)

// signFull adds a Mode F hash of vals with key (only the keys of testHashOrder).
func signFull(key string, vals url.Values) url.Values {
	var b strings.Builder
	for _, k := range testHashOrder {
		if vals.Has(k) {
			b.WriteString(vals.Get(k))
		}
	}
	out := url.Values{}
	for k, v := range vals {
		out[k] = v
	}
	out.Set("hash", sha1hex(b.String()+key))
	return out
}

// q builds url.Values from "k=v" pairs.
func q(pairs ...string) url.Values {
	v := url.Values{}
	for _, p := range pairs {
		k, val, _ := strings.Cut(p, "=")
		v.Add(k, val)
	}
	return v
}

type resp struct {
	status int
	header http.Header
	body   string
}

// post sends vals as a form body to base/api/action.
func post(t testing.TB, base, action string, vals url.Values) resp {
	t.Helper()
	return do(t, http.MethodPost, base+"/api/"+action, vals)
}

func do(t testing.TB, method, u string, vals url.Values) resp {
	t.Helper()
	var body io.Reader
	if method == http.MethodGet {
		u += "?" + vals.Encode()
	} else {
		body = strings.NewReader(vals.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, string(b)}
}

// Expected bodies.
const decl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

func page(inner string) string   { return decl + "<page>\n" + inner + "</page>\n" }
func pageStatus(s string) string { return page("  <status>" + s + "</status>\n") }
func pageError(s string) string  { return page("  <error>" + s + "</error>\n") }
func statusErr(s string) string  { return decl + "<status>\n  <error>" + s + "</error>\n</status>\n" }
func rootStatus(s string) string { return decl + "<status>" + s + "</status>\n" }
func rootError(s string) string  { return decl + "<error>" + s + "</error>\n" }

var (
	updated11 = rootStatus("User was updated")
	updated   = pageStatus("User was updated")
)

// mustUser loads a user or fails.
func mustUser(t testing.TB, sim *Sim, id int64) *UserRecord {
	t.Helper()
	rec, err := sim.User(context.Background(), id)
	if err != nil {
		t.Fatalf("User(%d): %v", id, err)
	}
	return rec
}

// adminUpdate posts an admin update signed with the admin key.
func adminUpdate(t testing.TB, base string, vals url.Values) resp {
	t.Helper()
	vals.Set("u", "admin")
	vals.Set("p", "admin1")
	return post(t, base, "user_update_api", signFull("secret", vals))
}

// signFor signs pairs the way profile's server hashes them: Mode L (only
// user_id) for mor11, Mode F otherwise.
func signFor(profile, key string, pairs ...string) url.Values {
	vals := q(pairs...)
	if profile != ProfileMOR11 {
		return signFull(key, vals)
	}
	vals.Set("hash", sha1hex(vals.Get("user_id")+key))
	return vals
}

var allProfiles = []string{ProfileMOR11, ProfileMOR12, ProfileX3, ProfileX4}

// byProfile expands one expected body per era group: mor11, mor12, and x3/x4.
func byProfile(m11, m12, x3 string) map[string]string {
	return map[string]string{ProfileMOR11: m11, ProfileMOR12: m12, ProfileX3: x3, ProfileX4: x3}
}
