package morsim

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

// TestContentTypes checks send_xml_data's headers (doc §1.4).
func TestContentTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		xmlExt      bool
		test        bool
		wantType    string
		wantDisp    string
		wantEncHead string
	}{
		// Default: an HTML download.
		{"html download", false, false, "text/html", `attachment; filename="mor_api_response.html"`, "binary"},
		// XML_API_Extension: an XML download.
		{"xml download", true, false, "text/xml", `attachment; filename="mor_api_response.xml"`, "binary"},
		// test=1 renders inline whatever the setting.
		{"test inline", true, true, "text/html; charset=utf-8", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, base := startSim(t, ProfileMOR12, func(s *Seed) { s.Settings.XMLAPIExtension = tc.xmlExt })
			vals := signFull("secret", q("u=admin", "p=admin1", "user_id=5"))
			if tc.test {
				vals.Set("test", "1")
			}
			r := post(t, base, "user_update_api", vals)
			if r.status != http.StatusOK || r.body != updated {
				t.Fatalf("status %d body %q", r.status, r.body)
			}
			if got := r.header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if got := r.header.Get("Content-Disposition"); got != tc.wantDisp {
				t.Errorf("Content-Disposition = %q, want %q", got, tc.wantDisp)
			}
			if got := r.header.Get("Content-Transfer-Encoding"); got != tc.wantEncHead {
				t.Errorf("Content-Transfer-Encoding = %q, want %q", got, tc.wantEncHead)
			}
		})
	}
}

// TestParamsMerge checks that query string and form body are merged, the
// body winning, like Rails (doc §1.2).
func TestParamsMerge(t *testing.T) {
	t.Parallel()
	sim, base := startSim(t, ProfileMOR12, nil)
	// Everything in the query string of a POST, as the wiki's "HTML POST" does.
	vals := signFull("secret", q("u=admin", "p=admin1", "user_id=5", "u23=Query"))
	res, err := http.Post(base+"/api/user_update_api?"+vals.Encode(), "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != updated {
		t.Fatalf("query-only POST: %q", b)
	}
	checkCols(t, mustUser(t, sim, 5), map[string]string{"first_name": "Query"})

	// Split: auth in the query, data in the body; body overrides u23.
	body := signFull("secret", q("user_id=5", "u23=Body"))
	res, err = http.Post(base+"/api/user_update_api?u=admin&p=admin1&u23=Ignored", "application/x-www-form-urlencoded",
		strings.NewReader(body.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != updated {
		t.Fatalf("split POST: %q", b)
	}
	checkCols(t, mustUser(t, sim, 5), map[string]string{"first_name": "Body"})
	// "+" and "%20" both decode to a space before hashing.
	res, err = http.Post(base+"/api/user_update_api", "application/x-www-form-urlencoded",
		strings.NewReader("u=admin&p=admin1&user_id=5&u17=Van+der%20Berg&hash="+sha1hex("5Van der Bergsecret")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != updated {
		t.Fatalf("encoded POST: %q", b)
	}
	checkCols(t, mustUser(t, sim, 5), map[string]string{"last_name": "Van der Berg"})
	if st := sim.Stats(); st.Requests != 3 || st.Updated != 3 {
		t.Errorf("stats = %+v", st)
	}
}

// TestRuntimeSettings flips settings while running.
func TestRuntimeSettings(t *testing.T) {
	t.Parallel()
	sim, base := startSim(t, ProfileX3, nil)
	ctx := context.Background()
	if err := sim.SetConfline(ctx, ConfAllowAPI, 0, "0"); err != nil {
		t.Fatal(err)
	}
	vals := signFull("secret", q("u=admin", "user_id=5"))
	if r := post(t, base, "user_update_api", vals); r.body != statusErr("API Requests are disabled") {
		t.Errorf("disabled: %q", r.body)
	}
	if err := sim.SetConfline(ctx, ConfAllowAPI, 0, "1"); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetConfline(ctx, ConfUsernameLength, 0, "6"); err != nil {
		t.Fatal(err)
	}
	// 7f: X3 username minimum length.
	if r := post(t, base, "user_update_api", signFull("secret", q("u=admin", "user_id=5", "u9=abc"))); r.body != pageError("Username must be longer than 5 characters") {
		t.Errorf("short username: %q", r.body)
	}
	if err := sim.SetProfile(ProfileMOR12); err != nil {
		t.Fatal(err)
	}
	if sim.Profile() != ProfileMOR12 {
		t.Errorf("profile = %s", sim.Profile())
	}
	// MOR 12 checks p again.
	if r := post(t, base, "user_update_api", vals); r.body != pageError("Bad login") {
		t.Errorf("mor12 without p: %q", r.body)
	}
	if err := sim.SetProfile("mor99"); err == nil {
		t.Error("SetProfile(mor99) succeeded")
	}
}

// TestNonASCIIEscaping checks that MOR 11 (Builder 2) escapes non-ASCII text
// as numeric entities while later eras keep UTF-8, in user_details.
func TestNonASCIIEscaping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ profile, want string }{
		// Rails 2.3 / Builder 2: &#381;
		{ProfileMOR11, "<first_name>&#381;ydr&#363;n&#279;</first_name>"},
		// Rails 3: UTF-8 as is.
		{ProfileMOR12, "<first_name>Žydrūnė</first_name>"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			t.Parallel()
			_, base := startSim(t, tc.profile, func(s *Seed) { s.Users[1]["first_name"] = "Žydrūnė" })
			r := post(t, base, "user_details", q("u=admin", "p=admin1", "user_id=2", "hash="+sha1hex("2secret")))
			if !strings.Contains(r.body, tc.want) {
				t.Errorf("body %q lacks %q", r.body, tc.want)
			}
		})
	}
}

// TestLogsHideSecrets checks that p and the key never reach the log.
func TestLogsHideSecrets(t *testing.T) {
	t.Parallel()
	var buf safeBuffer
	seed := testSeed(t)
	sim, err := Open(context.Background(), Config{DBPath: t.TempDir() + "/l.db", Seed: seed, Logger: zerolog.New(&buf)})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	base, err := sim.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Shutdown(context.Background())
	post(t, base, "user_update_api", signFull("secret", q("u=admin", "p=Pa55word!", "user_id=5")))
	log := buf.String()
	if !strings.Contains(log, `"user_id":"5"`) || !strings.Contains(log, `"outcome":"bad_login"`) {
		t.Errorf("log lacks the request: %s", log)
	}
	for _, secret := range []string{"Pa55word!", `"secret"`, "key3"} {
		if strings.Contains(log, secret) {
			t.Errorf("log leaks %q: %s", secret, log)
		}
	}
}

// safeBuffer is a bytes.Buffer safe for the server goroutines.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
