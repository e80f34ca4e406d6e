package mor

import (
	"fmt"
	"slices"
	"strings"
)

// Envelope is the outer shape of an answer (doc §1.5).
type Envelope int

// The envelopes.
const (
	EnvelopeAny  Envelope = iota // not known or not checked
	EnvelopeRoot                 // root-level elements, no wrapper (MOR 11, MOR 12 before June 2012)
	EnvelopePage                 // <page>…</page> (MOR 12 from June 2012, X3, X4)
)

// String names the envelope.
func (e Envelope) String() string {
	switch e {
	case EnvelopeRoot:
		return "root"
	case EnvelopePage:
		return "page"
	default:
		return "any"
	}
}

// PasswordUse says whether the caller's password (parameter p) is sent.
type PasswordUse int

// The password policies.
const (
	// PasswordIfSet sends p when a password is configured (the default
	// profile; X3, which does not check p for the login but finds the owner
	// of the hash key by u and SHA1(p), so a reseller's own key needs it).
	PasswordIfSet PasswordUse = iota
	// PasswordRequired: the server checks p (MOR 11, MOR 12); New refuses an empty password.
	PasswordRequired
	// PasswordNotSent: the server ignores p (X4), so it is not sent at all,
	// which keeps it out of the wire, proxies and access logs. A configured
	// password is then unused.
	PasswordNotSent
)

// Texts are the English texts an era answers with for the errors whose
// wording changed between eras (doc §4). They document the era and are shown
// by doctor; classification always recognises the texts of every era, since
// a server can sit between eras.
type Texts struct {
	AccessDenied   string // caller is a simple user, or accountant on user 0 / himself
	RoleDenied     string // reseller sends u13 other than user, accountant sends u13=admin
	TariffNotFound string // u5 not a tariff of the caller's owner
	NoEditRights   string // accountant without Manage Users = 2
}

// Profile describes one MOR era (doc §0, §1.3, §1.5, §4, §7.2, §9).
type Profile struct {
	Name            string      // "mor11", "mor12", "x3", "x4"; "" for the default
	HashMode        HashMode    // the era's hash mode
	Envelope        Envelope    // the envelope of the era's update answers
	Password        PasswordUse // whether p is sent
	UpdateEndpoint  string      // API method that updates a user
	DetailsEndpoint string      // API method that reads a user (doctor)
	Texts           Texts       // the era's wording of the changing error texts; zero for the default
	// LoginByName says the server checks the login first and by user name
	// alone (X3 and later), so "User was not found" is never a wrong password.
	LoginByName bool
	// NotHashed are parameters this era's server leaves out of the Mode F
	// hash although earlier eras hash them (X4 and later: ignore_global_monitorings, doc §2.3).
	NotHashed []string
}

// Hashable is ps without the parameters the era does not hash (NotHashed);
// ps itself when it has none of them.
func (p Profile) Hashable(ps Params) Params {
	drop := func(q Param) bool { return slices.Contains(p.NotHashed, q.Key) }
	if len(p.NotHashed) == 0 || !slices.ContainsFunc(ps, drop) {
		return ps
	}
	out := make(Params, 0, len(ps))
	for _, q := range ps {
		if !drop(q) {
			out = append(out, q)
		}
	}
	return out
}

// DefaultProfile is used when no profile is given: full hash, user_update_api
// (which X4 keeps as an alias), any envelope, p sent when configured, and the
// texts of every era recognised.
func DefaultProfile() Profile {
	return Profile{
		HashMode:        HashFull,
		Envelope:        EnvelopeAny,
		Password:        PasswordIfSet,
		UpdateEndpoint:  "user_update_api",
		DetailsEndpoint: "user_details",
	}
}

// Profiles lists the named profiles, oldest era first.
func Profiles() []Profile {
	wiki11 := Texts{
		AccessDenied:   "Don't be so smart",
		RoleDenied:     "Don't be so smart...",
		TariffNotFound: "Tariff not found",
		NoEditRights:   "You do not have rights to edit this",
	}
	x3 := Texts{
		AccessDenied:   "Access Denied",
		RoleDenied:     "Access Denied",
		TariffNotFound: "Tariff was not found",
		NoEditRights:   "You do not have rights to edit this",
	}
	return []Profile{
		// MOR 11 as documented (§9): Mode L, no wrapper, password checked.
		{Name: "mor11", HashMode: HashLegacy, Envelope: EnvelopeRoot, Password: PasswordRequired,
			UpdateEndpoint: "user_update_api", DetailsEndpoint: "user_details", Texts: wiki11},
		// MOR 12: Mode F, <page> from June 2012, password checked.
		{Name: "mor12", HashMode: HashFull, Envelope: EnvelopePage, Password: PasswordRequired,
			UpdateEndpoint: "user_update_api", DetailsEndpoint: "user_details", Texts: wiki11},
		// X3: Mode F, <page>, p not checked for the login (but used to find
		// the hash key's owner), "Access Denied", "Tariff was not found".
		{Name: "x3", HashMode: HashFull, Envelope: EnvelopePage, Password: PasswordIfSet, LoginByName: true,
			UpdateEndpoint: "user_update_api", DetailsEndpoint: "user_details", Texts: x3},
		// X4: as X3 with the renamed methods (the old names stay as aliases).
		{Name: "x4", HashMode: HashFull, Envelope: EnvelopePage, Password: PasswordNotSent, LoginByName: true,
			UpdateEndpoint: "user_details_update", DetailsEndpoint: "user_details_get", Texts: x3,
			NotHashed: []string{"ignore_global_monitorings"}},
	}
}

// ParseProfile finds a profile by name (any case); "" gives DefaultProfile.
func ParseProfile(name string) (Profile, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || n == "default" {
		return DefaultProfile(), nil
	}
	names := make([]string, 0, 4)
	for _, p := range Profiles() {
		if p.Name == n {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("unknown profile %q: want one of %s", name, strings.Join(names, ", "))
}
