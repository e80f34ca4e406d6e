package morsim

import (
	"fmt"
	"sort"
	"strings"
)

// Profile names accepted by Config.Profile and the seed's "profile" key.
const (
	ProfileMOR11 = "mor11" // MOR 11 as of Dec 2011: legacy hash, no <page>, p checked
	ProfileMOR12 = "mor12" // MOR 12 from June 2012: full hash, <page>, per-owner keys, p checked
	ProfileX3    = "x3"    // MOR X3: hash as a before_filter, p ignored, "Access Denied"
	ProfileX4    = "x4"    // MOR X4 and later: user_details_update/user_details_get names, later hash list
)

// DefaultProfile is used when neither Config nor the seed names one.
const DefaultProfile = ProfileMOR12

// profile is everything that differs between MOR eras (doc §1.3, §1.5, §4, §7.2).
type profile struct {
	name string

	legacyHash bool     // Mode L: SHA1(user_id + key) (doc §2.2)
	hashOrder  []string // Mode F: the server's hash_param_order (doc §2.3)
	neverHash  map[string]bool

	wrapPage        bool // action answers inside <page> (MOR 12 from 2012-06 on)
	precheckPlain   bool // MOR 11: pre-check errors as <status>text</status>, no declaration
	hashErrorStatus bool // X3+: hash error as <status><error>..</error></status>
	entitiesASCII   bool // MOR 11 (Rails 2.3, Builder 2): non-ASCII text as &#NNN;

	checkPassword    bool // MOR 11/12: p must match SHA1 in users.password
	perOwnerKey      bool // MOR 12+: key of the caller's owner (doc §2.4)
	keyNeedsPassword bool // MOR 12/X3 code: the key owner is found by u AND SHA1(p)
	resellerAdminKey bool // later servers: a reseller may also use the admin key
	disableHash      bool // MOR 12+: API_Disable_hash_checking honoured
	emptyKeyFails    bool // later servers: an empty key rejects every hash

	resellerSelf      bool // MOR 12+: a reseller may edit himself
	accountantNoSelf  bool // MOR 12+: an accountant may not edit himself
	accGroupWipe      bool // MOR 11 bug: acc_group_id := accountant_type or 0 on every update (doc §7.3.9)
	stateCrash        bool // MOR 11 bug: a9 -> "satate" -> HTTP 500 (doc §7.3.8)
	x3Rules           bool // min lengths, email uniqueness, address errors first, blank email NULL
	balanceNumberTags bool // user_details has balance_number/balance_currency (Feb 2012+)
	detailsTargetID   bool // user_details <userid> is the target (X3) instead of the caller
	detailsBadLogin   bool // user_details: wrong login -> "Bad login" (X3) instead of "User was not found"
	detailsGet        bool // X4: user_details is user_details_get (user_id and/or username, u only)
	updateAlias       bool // X4: user_details_update is served beside user_update_api

	textSmart       string // check #5
	textSmartNotice string // notices 7b/7c
	textTariff      string // notice 7d
}

// textNoRights is notice 7a in every era (the wiki's "You have no editing
// permission" is not what the code prints).
const textNoRights = "You do not have rights to edit this"

func (p *profile) hashes(key string) bool { return !p.neverHash[key] }

// profiles is the table of eras. The hash orders are the server's own lists
// (doc §2.3), written out here independently of the client.
var profiles = map[string]*profile{
	ProfileMOR11: {
		name: ProfileMOR11, legacyHash: true,
		precheckPlain: true, entitiesASCII: true,
		checkPassword: true,
		accGroupWipe:  true, stateCrash: true,
		textSmart: "Don't be so smart", textSmartNotice: "Don't be so smart...", textTariff: "Tariff not found",
	},
	ProfileMOR12: {
		name: ProfileMOR12, hashOrder: hashOrderMX3, neverHash: neverHashed,
		wrapPage:      true,
		checkPassword: true, perOwnerKey: true, keyNeedsPassword: true, disableHash: true,
		resellerSelf: true, accountantNoSelf: true, balanceNumberTags: true,
		textSmart: "Don't be so smart", textSmartNotice: "Don't be so smart...", textTariff: "Tariff not found",
	},
	ProfileX3: {
		name: ProfileX3, hashOrder: hashOrderMX3, neverHash: neverHashed,
		wrapPage: true, hashErrorStatus: true,
		perOwnerKey: true, keyNeedsPassword: true, disableHash: true,
		resellerSelf: true, accountantNoSelf: true, x3Rules: true, balanceNumberTags: true,
		detailsTargetID: true, detailsBadLogin: true,
		textSmart: "Access Denied", textSmartNotice: "Access Denied", textTariff: "Tariff was not found",
	},
	ProfileX4: {
		name: ProfileX4, hashOrder: hashOrderLater, neverHash: neverHashedLater,
		wrapPage: true, hashErrorStatus: true,
		perOwnerKey: true, resellerAdminKey: true, disableHash: true, emptyKeyFails: true,
		resellerSelf: true, accountantNoSelf: true, x3Rules: true, balanceNumberTags: true,
		detailsTargetID: true, detailsBadLogin: true, detailsGet: true, updateAlias: true,
		textSmart: "Access Denied", textSmartNotice: "Access Denied", textTariff: "Tariff was not found",
	},
}

// Profiles lists the accepted profile names, sorted.
func Profiles() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupProfile(name string) (*profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	p, ok := profiles[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown profile %q (known: %s): %w", name, strings.Join(Profiles(), ", "), ErrUnknownProfile)
	}
	return p, nil
}
