package morsim

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// uColumns maps u0..u28 to users columns (doc §3.1).
var uColumns = []string{"vat_number", "lcr_id", "warning_email_hour", "hide_destination_end", "currency_id",
	"tariff_id", "warning_email_balance", "spy_device_id", "language", "username", "warning_balance_call",
	"acc_group_id", "generate_invoice", "usertype", "taxation_country", "blocked", "quickforwards_rule_id",
	"last_name", "call_limit", "clientid", "recording_hdd_quota", "cyberplat_active", "recordings_email",
	"first_name", "warning_balance_sound_file_id", "postpaid", "accounting_number", "agreement_number", "hidden"}

// aColumns maps a0..a9 to addresses columns (doc §3.1).
var aColumns = []string{"address", "city", "postcode", "county", "mob_phone", "fax", "direction_id", "phone", "email", "state"}

// resellerAlways are the users columns a reseller may set on anyone he may
// edit, himself included; resellerOthers are added for his own users (doc §3.3).
var (
	resellerAlways = map[string]bool{"time_zone": true, "spy_device_id": true, "currency_id": true,
		"password": true, "warning_email_balance": true, "warning_email_hour": true, "first_name": true,
		"last_name": true, "clientid": true, "taxation_country": true, "vat_number": true, "acc_group_id": true}
	resellerOthers = map[string]bool{"accounting_number": true, "generate_invoice": true, "username": true,
		"tariff_id": true, "postpaid": true, "call_limit": true, "blocked": true, "agreement_number": true,
		"language": true, "warning_balance_sound_file_id": true, "warning_balance_call": true,
		"quickforwards_rule_id": true,
		// INFERENCE: the doc's "recording/hide_destination_end/cyberplat_active in
		// some cases" is taken as "always, for his own users".
		"recording_hdd_quota": true, "recordings_email": true, "hide_destination_end": true, "cyberplat_active": true}
	// accountantRight is the right (at value 2) an accountant needs per column;
	// without it the field is dropped silently (doc §3.3).
	accountantRight = map[string]string{"password": "user_create_opt_1", "usertype": "user_create_opt_2",
		"lcr_id": "user_create_opt_3", "tariff_id": "user_create_opt_4", "balance": "user_create_opt_5",
		"postpaid": "user_create_opt_6", "hidden": "user_create_opt_6", "call_limit": "user_create_opt_7"}
	// selfDenied are top-level parameters a reseller editing himself cannot
	// apply. INFERENCE: not in the doc; raising one's own credit or unblocking
	// oneself through the API would be a hole.
	selfDenied = map[string]bool{"credit": true, "unlimited": true, "own_providers": true, "by": true,
		"block_at_conditional": true, "block_conditional_use": true, "recording_enabled": true,
		"recording_forced_enabled": true, "pgui": true, "pcsv": true, "ppdf": true, "allow_loss_calls": true}
)

// reEmail approximates MOR's e-mail check. INFERENCE: TLDs of 2+ letters.
var reEmail = regexp.MustCompile(`^[a-zA-Z0-9_+\-]+(\.[a-zA-Z0-9_+\-]+)*@[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*\.[a-zA-Z]{2,}$`)

// correctOwner is User#get_correct_owner_id: whose API key and settings apply.
func correctOwner(u Row) int64 {
	switch u.Str("usertype") {
	case "admin", "accountant":
		return 0
	case "reseller":
		return u.Int("id")
	}
	return u.Int("owner_id")
}

func findUserByName(ctx context.Context, q querier, name string) (Row, error) {
	return loadRow(ctx, q, `SELECT * FROM users WHERE username = ? COLLATE NOCASE`, name)
}

func findUserByLogin(ctx context.Context, q querier, name, password string) (Row, error) {
	return loadRow(ctx, q, `SELECT * FROM users WHERE username = ? COLLATE NOCASE AND password = ?`, name, sha1Hex(password))
}

// checkHash is the hash check of §2 with the key choice of §2.4.
func (s *Sim) checkHash(ctx context.Context, q querier, pr *profile, p params) (bool, error) {
	var keyUser Row
	var err error
	owner := int64(0) // MOR 11: always the global key
	if pr.perOwnerKey && p["u"] != "" {
		if pr.keyNeedsPassword {
			// MOR 12 / X3 find the key's owner by u AND SHA1(p): without the
			// right p the admin's key applies, even in X3 where p is not
			// otherwise checked.
			keyUser, err = findUserByLogin(ctx, q, p["u"], p["p"])
		} else {
			keyUser, err = findUserByName(ctx, q, p["u"])
		}
		if err != nil {
			return false, fmt.Errorf("hash key owner: %w", err)
		}
		if keyUser != nil {
			owner = correctOwner(keyUser)
		}
	}
	isReseller := keyUser != nil && keyUser.Str("usertype") == "reseller"
	if pr.disableHash {
		off, err := conflineOn(ctx, q, ConfDisableHashChecking, owner)
		if err != nil {
			return false, err
		}
		if !off && pr.resellerAdminKey && isReseller {
			if off, err = conflineOn(ctx, q, ConfDisableHashChecking, 0); err != nil {
				return false, err
			}
		}
		if off {
			return true, nil
		}
	}
	got := requestHash(p)
	if got == "" {
		return false, nil
	}
	str := hashString(pr, p)
	key, err := confline(ctx, q, ConfAPISecretKey, owner)
	if err != nil {
		return false, err
	}
	if !(pr.emptyKeyFails && key == "") && sha1Hex(str+key) == got {
		return true, nil
	}
	if pr.resellerAdminKey && isReseller {
		admin, err := confline(ctx, q, ConfAPISecretKey, 0)
		if err != nil {
			return false, err
		}
		return admin != "" && sha1Hex(str+admin) == got, nil
	}
	return false, nil
}

// login is check_user: MOR 11/12 match u and SHA1(p), X3+ only u (doc §1.3).
func login(ctx context.Context, q querier, pr *profile, p params) (Row, error) {
	if p["u"] == "" {
		return nil, nil
	}
	if pr.checkPassword {
		if p["p"] == "" {
			return nil, nil
		}
		return findUserByLogin(ctx, q, p["u"], p["p"])
	}
	return findUserByName(ctx, q, p["u"])
}

// accRight is the value (0..2) of a right for an acc group; "can only view"
// caps it at 1.
func accRight(ctx context.Context, q querier, group int64, right string) (int64, error) {
	var v, onlyView int64
	err := q.QueryRowContext(ctx, `SELECT r.value, g.only_view FROM acc_group_rights r
		JOIN acc_rights a ON a.id = r.acc_right_id JOIN acc_groups g ON g.id = r.acc_group_id
		WHERE r.acc_group_id = ? AND a.name = ?`, group, right).Scan(&v, &onlyView)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("acc right %s of group %d: %w", right, group, err)
	}
	if onlyView == 1 && v > 1 {
		v = 1
	}
	return v, nil
}

// parseUserID is user_id when it is digits only ("" counts as 0).
func parseUserID(p params) (int64, bool) {
	v, ok := p.get("user_id")
	if !ok || reNonDigit.MatchString(v) {
		return 0, false
	}
	v = digitsToS(v)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

func flag(v string) int64 {
	if rubyToI(v) > 0 {
		return 1
	}
	return 0
}

// castColumn is Rails' write cast: blank strings are NULL for numeric columns.
func castColumn(kind colKind, v string) any {
	switch kind {
	case kInt:
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return rubyToI(v)
	case kFloat:
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return rubyToF(v)
	}
	return v
}

// beforeFilters are check_allow_api and check_send_method, shared by every
// API method (doc §1.3 steps 1-2): stop is true when they answered.
func (s *Sim) beforeFilters(ctx context.Context, pr *profile, method string) (rep reply, stop bool, err error) {
	if on, err := conflineOn(ctx, s.db, ConfAllowAPI, 0); err != nil {
		return reply{}, true, err
	} else if !on {
		return reply{body: precheckError(pr, "API Requests are disabled"), outcome: "api_disabled"}, true, nil
	}
	if method == http.MethodGet || method == http.MethodHead {
		if on, err := conflineOn(ctx, s.db, ConfAllowGETAPI, 0); err != nil {
			return reply{}, true, err
		} else if !on {
			return reply{body: precheckError(pr, "GET Requests are disabled"), outcome: "get_disabled"}, true, nil
		}
	}
	return reply{}, false, nil
}

// userUpdate is ApiController#user_update_api (doc §1.3, §3, §4).
func (s *Sim) userUpdate(ctx context.Context, pr *profile, p params, method string) (reply, error) {
	// 1-2: the before_filters.
	if rep, stop, err := s.beforeFilters(ctx, pr, method); stop || err != nil {
		return rep, err
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return reply{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()

	// 3: hash.
	ok, err := s.checkHash(ctx, tx, pr, p)
	if err != nil {
		return reply{}, err
	}
	if !ok {
		if err := addAction(ctx, tx, -1, "error", "API : Incorrect hash", "", 0); err != nil {
			return reply{}, err
		}
		if err := tx.Commit(); err != nil {
			return reply{}, fmt.Errorf("commit: %w", err)
		}
		return reply{body: hashError(pr), outcome: "incorrect_hash"}, nil
	}

	// 4: login.
	caller, err := login(ctx, tx, pr, p)
	if err != nil {
		return reply{}, fmt.Errorf("login: %w", err)
	}
	if caller == nil {
		return reply{body: actionError(pr, "Bad login"), outcome: "bad_login"}, nil
	}
	ctype, cid := caller.Str("usertype"), caller.Int("id")

	// 5: role.
	uid, validUID := parseUserID(p)
	if ctype == "user" || (ctype == "accountant" && (!validUID || uid == 0)) ||
		(ctype == "accountant" && pr.accountantNoSelf && uid == cid) || !validUsertypes[ctype] {
		return reply{body: actionError(pr, pr.textSmart), outcome: "smart"}, nil
	}

	// 6: target in scope.
	var target Row
	if validUID {
		switch ctype {
		case "admin", "accountant":
			target, err = loadRow(ctx, tx, `SELECT * FROM users WHERE id = ? AND owner_id = 0`, uid)
		case "reseller":
			target, err = loadRow(ctx, tx, `SELECT * FROM users WHERE id = ? AND (owner_id = ? OR (? AND id = ?))`,
				uid, cid, pr.resellerSelf, cid)
		}
		if err != nil {
			return reply{}, fmt.Errorf("find target: %w", err)
		}
	}
	if target == nil {
		return reply{body: actionError(pr, "User was not found"), outcome: "not_found"}, nil
	}

	// 7: notices; each overwrites the previous one, the last wins.
	notice, crash, err := s.notices(ctx, tx, pr, p, caller)
	if err != nil || crash {
		return reply{crash: crash, outcome: "crash"}, err
	}
	if notice != "" {
		return reply{body: actionError(pr, notice), outcome: "notice"}, nil
	}
	if pr.stateCrash && p.has("a9") {
		// MOR 11: address[:satate] -> UnknownAttributeError -> HTTP 500.
		// INFERENCE: the real server had already saved the user part; here
		// nothing is changed.
		return reply{crash: true, outcome: "crash"}, nil
	}

	// 8: build, validate and save the changes in one transaction.
	ch, err := s.buildChanges(ctx, tx, pr, p, caller, target)
	if err != nil {
		return reply{}, err
	}
	msgs, err := ch.validate(ctx, tx, pr)
	if err != nil {
		return reply{}, err
	}
	if len(msgs) > 0 {
		// INFERENCE: the real server may have saved part of the row already
		// (doc §3.6); here a failed save changes nothing (rollback).
		return reply{body: notUpdated(pr, msgs), outcome: "not_updated"}, nil
	}
	if err := ch.save(ctx, tx, pr); err != nil {
		return reply{}, err
	}
	if err := tx.Commit(); err != nil {
		return reply{}, fmt.Errorf("commit: %w", err)
	}
	s.updated.Add(1)
	return reply{body: actionStatus(pr, "User was updated"), outcome: "updated"}, nil
}

// notices are checks 7a-7f (doc §4); crash is the HTTP 500 of an accountant
// without an acc group (doc §7.3.8).
func (s *Sim) notices(ctx context.Context, q querier, pr *profile, p params, caller Row) (string, bool, error) {
	ctype, notice := caller.Str("usertype"), ""
	if ctype == "accountant" {
		if caller.IsNull("acc_group_id") {
			return "", true, nil
		}
		v, err := accRight(ctx, q, caller.Int("acc_group_id"), "user_manage")
		if err != nil {
			return "", false, err
		}
		if v != 2 {
			notice = textNoRights // 7a
		}
	}
	if u13, ok := p.get("u13"); ok {
		if ctype == "reseller" && u13 != "user" {
			notice = pr.textSmartNotice // 7b
		}
		if ctype == "accountant" && u13 == "admin" {
			notice = pr.textSmartNotice // 7c
		}
	}
	if u5, ok := p.get("u5"); ok && strings.TrimSpace(u5) != "" {
		owner := int64(0)
		if ctype == "reseller" {
			owner = caller.Int("id")
		}
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM tariffs WHERE id = ? AND owner_id = ?`, rubyToI(u5), owner).Scan(&n); err != nil {
			return "", false, fmt.Errorf("find tariff: %w", err)
		}
		if n == 0 {
			notice = pr.textTariff // 7d
		}
	}
	if pr.x3Rules {
		// INFERENCE: blank values are left to the blank-ignore (pswd) and the
		// model validation (username) instead of these notices.
		if pw, ok := p.get("pswd"); ok && strings.TrimSpace(pw) != "" {
			min, err := confline(ctx, q, ConfPasswordLength, 0)
			if err != nil {
				return "", false, err
			}
			if n := rubyToI(min); int64(utf8.RuneCountInString(pw)) < n {
				notice = fmt.Sprintf("Password must be longer than %d characters", n-1) // 7e
			}
		}
		if un, ok := p.get("u9"); ok && strings.TrimSpace(un) != "" {
			min, err := confline(ctx, q, ConfUsernameLength, 0)
			if err != nil {
				return "", false, err
			}
			if n := rubyToI(min); int64(utf8.RuneCountInString(strings.TrimSpace(un))) < n {
				notice = fmt.Sprintf("Username must be longer than %d characters", n-1) // 7f
			}
		}
	}
	return notice, false, nil
}
