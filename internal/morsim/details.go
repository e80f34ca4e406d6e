package morsim

import (
	"context"
	"fmt"
	"strconv"
)

// userDetails is user_details (MOR 8-X3) and, with pr.detailsGet, X4's
// user_details_get (doc §5.1). It shares the pre-checks and the hash check of
// user_update_api.
func (s *Sim) userDetails(ctx context.Context, pr *profile, p params, method string) (reply, error) {
	if rep, stop, err := s.beforeFilters(ctx, pr, method); stop || err != nil {
		return rep, err
	}
	ok, err := s.checkHash(ctx, s.db, pr, p)
	if err != nil {
		return reply{}, err
	}
	if !ok {
		return reply{body: hashError(pr), outcome: "incorrect_hash"}, nil
	}
	caller, err := login(ctx, s.db, pr, p)
	if err != nil {
		return reply{}, fmt.Errorf("login: %w", err)
	}
	if caller == nil {
		if pr.detailsBadLogin {
			return reply{body: actionError(pr, "Bad login"), outcome: "bad_login"}, nil
		}
		return reply{body: actionError(pr, "User was not found"), outcome: "not_found"}, nil
	}
	var target *UserRecord
	uid, validUID := parseUserID(p)
	name, byName := p.get("username")
	switch caller.Str("usertype") {
	case "admin":
		target, err = s.detailsTarget(ctx, pr, uid, validUID, name, byName, func(Row) bool { return true })
	case "reseller":
		cid := caller.Int("id")
		target, err = s.detailsTarget(ctx, pr, uid, validUID, name, byName, func(u Row) bool {
			return u.Int("owner_id") == cid || u.Int("id") == cid
		})
	default: // accountant and user: their own record, whatever user_id says
		target, err = loadUserRecord(ctx, s.db, caller.Int("id"))
	}
	if err != nil {
		return reply{}, err
	}
	if target == nil {
		return reply{body: actionError(pr, "User was not found"), outcome: "not_found"}, nil
	}
	body, err := s.renderDetails(ctx, pr, caller, target)
	if err != nil {
		return reply{}, err
	}
	return reply{body: body, outcome: "details"}, nil
}

// detailsTarget finds the user by user_id (or, in X4, by username) within scope.
func (s *Sim) detailsTarget(ctx context.Context, pr *profile, uid int64, validUID bool, name string, byName bool, inScope func(Row) bool) (*UserRecord, error) {
	id := uid
	if !validUID {
		if !pr.detailsGet || !byName {
			return nil, nil
		}
		u, err := findUserByName(ctx, s.db, name)
		if err != nil || u == nil {
			return nil, err
		}
		id = u.Int("id")
	}
	rec, err := loadUserRecord(ctx, s.db, id)
	if err != nil || rec == nil || !inScope(rec.User) {
		return nil, err
	}
	return rec, nil
}

func (s *Sim) renderDetails(ctx context.Context, pr *profile, caller Row, rec *UserRecord) (string, error) {
	u := rec.User
	var cur, country string
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT name FROM currencies WHERE id = 1), 'USD')`).Scan(&cur); err != nil {
		return "", fmt.Errorf("default currency: %w", err)
	}
	if !u.IsNull("taxation_country") {
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT name FROM directions WHERE id = ?), '')`,
			u.Int("taxation_country")).Scan(&country); err != nil {
			return "", fmt.Errorf("taxation country: %w", err)
		}
	}
	if r := []rune(country); len(r) > 22 {
		country = string(r[:22])
	}
	nullable := func(r Row, col string) *string {
		if r == nil || r.IsNull(col) {
			return nil
		}
		v := r.Str(col)
		return &v
	}
	account := "Prepaid"
	if u.Int("postpaid") == 1 {
		account = "Postpaid"
	}
	credit := strconv.FormatFloat(u.Float("credit"), 'f', 4, 64) // INFERENCE: 4 decimals like balance
	if u.Float("credit") == -1 {
		credit = "Unlimited"
	}
	balance := strconv.FormatFloat(u.Float("balance"), 'f', 4, 64)
	lang := u.Str("language")
	if lang == "" {
		lang = "en"
	}
	userid := caller.Int("id")
	if pr.detailsTargetID {
		userid = u.Int("id")
	}
	a := rec.Address
	x := newBuilder(pr, true)
	x.open("page")
	x.leaf("pagename", "Personal details")
	x.leaf("language", lang)
	x.leaf("userid", strconv.FormatInt(userid, 10))
	x.open("details")
	x.open("main_detail")
	x.leaf("account", account)
	x.leaf("balance", balance+" "+cur)
	if pr.balanceNumberTags {
		x.leaf("balance_number", balance)
		x.leaf("balance_currency", cur)
	}
	x.leaf("credit", credit)
	x.close("main_detail")
	x.open("other_details")
	for _, t := range [][2]string{{"username", "username"}, {"first_name", "first_name"}, {"surname", "last_name"},
		{"personalid", "clientid"}, {"agreement_number", "agreement_number"}, {"agreement_date", "agreement_date"}} {
		x.leafPtr(t[0], nullable(u, t[1]))
	}
	x.leaf("taxation_country", country)
	x.leafPtr("vat_reg_number", nullable(u, "vat_number"))
	x.leaf("vat_percent", rubyFloatS(u.Float("vat_percent")))
	x.close("other_details")
	x.open("registration")
	// reg_country holds county and reg_direction holds the e-mail: MOR's bugs.
	for _, t := range [][2]string{{"reg_address", "address"}, {"reg_postcode", "postcode"}, {"reg_city", "city"},
		{"reg_country", "county"}, {"reg_state", "state"}, {"reg_direction", "email"}, {"reg_phone", "phone"},
		{"reg_mobile", "mob_phone"}, {"reg_fax", "fax"}, {"reg_email", "email"}} {
		x.leafPtr(t[0], nullable(a, t[1]))
	}
	x.close("registration")
	x.close("details")
	x.close("page")
	return x.String(), nil
}
