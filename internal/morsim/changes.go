package morsim

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// changes is everything one update will write.
type changes struct {
	caller, target Row
	user           map[string]any // users columns
	addr           map[string]any // addresses columns (nil = untouched)
	tax            map[string]any // taxes columns (nil = untouched)
	ownProviders   string         // the own_providers parameter, when applied
	ownSent        bool
}

var taxParams = []string{"tax1_value", "tax2_value", "tax3_value", "tax4_value", "tax2_enabled", "tax3_enabled",
	"tax4_enabled", "tax1_name", "tax2_name", "tax3_name", "tax4_name", "total_tax_name", "compound_tax"}

// buildChanges is validate_from_update + safe_attributtes + update_from_edit
// (doc §3.1, §3.3-§3.6): normalisation, role filters and derived values.
func (s *Sim) buildChanges(ctx context.Context, q querier, pr *profile, p params, caller, target Row) (*changes, error) {
	ctype := caller.Str("usertype")
	self := caller.Int("id") == target.Int("id")
	resellerSelf := ctype == "reseller" && self
	allowed := func(param string) bool { return !(resellerSelf && selfDenied[param]) }
	rec, err := conflineOn(ctx, q, ConfRecordingsAddon, 0)
	if err != nil {
		return nil, err
	}
	mon, err := conflineOn(ctx, q, ConfMonitoringsAddon, 0)
	if err != nil {
		return nil, err
	}

	// params[:user] from u0..u28, normalised.
	u := map[string]any{}
	for i, col := range uColumns {
		v, ok := p.get("u" + strconv.Itoa(i))
		if !ok {
			continue
		}
		switch col {
		case "vat_number", "username", "last_name", "first_name":
			u[col] = strings.TrimSpace(v)
		case "call_limit":
			n := rubyToI(strings.TrimSpace(v)) // "0545" -> 545
			if n < 0 {
				n = 0
			}
			u[col] = n
		case "warning_balance_call", "blocked", "postpaid", "hidden":
			u[col] = flag(v)
		case "generate_invoice":
			u[col] = int64(0)
			if v == "1" {
				u[col] = int64(1)
			}
		case "recording_hdd_quota":
			if rec {
				u[col] = int64(rubyToF(v) * 1048576) // MB -> bytes
			}
		case "cyberplat_active":
			// The u21 bug: its value only triggers; the top-level
			// cyberplat_active decides.
			u[col] = int64(0)
			if rubyToI(p["cyberplat_active"]) == 1 {
				u[col] = int64(1)
			}
		case "usertype":
			// INFERENCE: MOR does not validate u13 for an admin caller; the
			// simulator drops values outside the four real types.
			if validUsertypes[v] {
				u[col] = v
			}
		default:
			u[col] = castColumn(userColumnByName[col].kind, v)
		}
	}
	u13 := p["u13"]
	groupType := u13 == "accountant" || u13 == "reseller"
	if pr.accGroupWipe {
		// MOR 11 bug (doc §7.3.9): acc_group_id is rewritten on every update.
		u["acc_group_id"] = int64(0)
		if groupType {
			u["acc_group_id"] = rubyToI(p["accountant_type"])
		}
	} else if at, ok := p.get("accountant_type"); ok && groupType {
		u["acc_group_id"] = rubyToI(at)
	}
	if pw, ok := p.get("pswd"); ok && strings.TrimSpace(pw) != "" {
		u["password"] = sha1Hex(pw)
	}

	// Role filters on params[:user].
	switch ctype {
	case "reseller":
		for col := range u {
			if resellerAlways[col] || (!self && resellerOthers[col]) {
				continue
			}
			// INFERENCE: lcr_id only for a reseller allowed to use providers'
			// tariffs, taken here as own_providers = 1.
			if col == "lcr_id" && !self && caller.Int("own_providers") == 1 {
				continue
			}
			delete(u, col)
		}
	case "accountant":
		group := caller.Int("acc_group_id")
		for col := range u {
			right, ok := accountantRight[col]
			if !ok {
				continue
			}
			v, err := accRight(ctx, q, group, right)
			if err != nil {
				return nil, err
			}
			if v != 2 || (col == "password" && target.Int("id") == 0) {
				delete(u, col)
			}
		}
	}

	// Top-level parameters (update_from_edit).
	has := func(k string) bool { return p.has(k) && allowed(k) }
	if anyOf(p, "i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8") {
		var sum int64
		for i := 1; i <= 8; i++ {
			if v, ok := p.get("i" + strconv.Itoa(i)); ok {
				sum += rubyToI(v)
			}
		}
		u["send_invoice_types"] = sum
	}
	if anyOf(p, "pgui", "pcsv", "ppdf") && allowed("pgui") {
		u["hide_destination_end"] = rubyToI(p["pgui"]) + rubyToI(p["pcsv"]) + rubyToI(p["ppdf"])
	}
	if p["unlimited"] == "1" && allowed("unlimited") {
		u["credit"] = float64(-1)
	} else if has("credit") {
		c := rubyToF(p["credit"])
		if c < 0 {
			c = 0
		}
		u["credit"] = c
	}
	if p.has("ay") && p.has("am") && p.has("ad") {
		u["agreement_date"] = ymd(p["ay"], p["am"], p["ad"])
	}
	if p.has("by") && p.has("bm") && p.has("bd") && allowed("by") {
		u["block_at"] = ymd(p["by"], p["bm"], p["bd"])
	}
	if rec {
		for _, k := range []string{"recording_enabled", "recording_forced_enabled"} {
			if has(k) {
				u[k] = flag(p[k])
			}
		}
	}
	if p.has("warning_email_active") {
		u["warning_email_active"] = flag(p["warning_email_active"])
		// The hour is recomputed; missing values count as 0 (doc §3.6).
		// INFERENCE: the time-zone conversion of the setter is ignored (all
		// simulated users are on the system time zone).
		hour := int64(-1)
		if rubyToI(p["u2"]) != -1 {
			hour = rubyToI(p["user_warning_email_hour"])
		}
		u["warning_email_hour"] = hour
	}
	for param, col := range map[string]string{"allow_loss_calls": "allow_loss_calls", "show_zero_calls": "invoice_zero_calls",
		"block_at_conditional": "block_at_conditional", "block_conditional_use": "block_conditional_use"} {
		if has(param) {
			u[col] = rubyToI(p[param])
		}
	}
	if mon && p.has("ignore_global_monitorings") {
		u["ignore_global_monitorings"] = rubyToI(p["ignore_global_monitorings"])
	}
	ch := &changes{caller: caller, target: target, user: u}
	if target.Str("usertype") == "reseller" && has("own_providers") {
		u["own_providers"] = rubyToI(p["own_providers"])
		ch.ownProviders, ch.ownSent = p["own_providers"], true
	}

	if anyOf(p, taxParams...) {
		ch.tax = map[string]any{}
		for _, k := range taxParams {
			v, ok := p.get(k)
			if !ok {
				continue
			}
			switch {
			case strings.HasSuffix(k, "_value"):
				ch.tax[k] = rubyToF(v)
			case strings.HasSuffix(k, "_enabled"), k == "compound_tax":
				ch.tax[k] = rubyToI(v)
			case k == "total_tax_name":
				ch.tax[k] = v // applied even when blank; the model defaults it
			default:
				if strings.TrimSpace(v) != "" { // blank tax names are ignored
					ch.tax[k] = v
				}
			}
		}
	}
	for i, col := range aColumns {
		v, ok := p.get("a" + strconv.Itoa(i))
		if !ok {
			continue
		}
		if ch.addr == nil {
			ch.addr = map[string]any{}
		}
		v = strings.TrimSpace(v)
		switch {
		case col == "direction_id":
			ch.addr[col] = castColumn(kInt, v)
		case col == "email" && v == "" && pr.x3Rules:
			ch.addr[col] = nil // X3 stores a blank email as NULL
		default:
			ch.addr[col] = v
		}
	}
	return ch, nil
}

func anyOf(p params, keys ...string) bool {
	for _, k := range keys {
		if p.has(k) {
			return true
		}
	}
	return false
}

// ymd builds "Y-M-D". INFERENCE: impossible dates are stored as sent
// (zero-padded); what MySQL would store is uncertain (doc §3.4).
func ymd(y, m, d string) string {
	return fmt.Sprintf("%04d-%02d-%02d", rubyToI(y), rubyToI(m), rubyToI(d))
}

// validate runs the model validations and returns the <message> texts.
// X3 reports address errors instead of user errors; earlier eras report user
// errors then address errors (INFERENCE).
func (c *changes) validate(ctx context.Context, q querier, pr *profile) ([]string, error) {
	var userMsgs, addrMsgs []string
	id := c.target.Int("id")
	if v, ok := c.user["username"]; ok {
		name, _ := v.(string)
		if name == "" {
			userMsgs = append(userMsgs, "Username cannot be blank")
		} else {
			var n int
			if err := q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username = ? COLLATE NOCASE AND id <> ?`, name, id).Scan(&n); err != nil {
				return nil, fmt.Errorf("check username: %w", err)
			}
			if n > 0 {
				userMsgs = append(userMsgs, "Username has already been taken")
			}
		}
	}
	if v, ok := c.user["recordings_email"].(string); ok && strings.TrimSpace(v) != "" && !reEmail.MatchString(strings.TrimSpace(v)) {
		userMsgs = append(userMsgs, "Please enter correct recordings email")
	}
	if v, ok := c.addr["email"].(string); ok && v != "" {
		if !reEmail.MatchString(v) {
			addrMsgs = append(addrMsgs, "Please enter correct email")
		} else if pr.x3Rules {
			var n int
			if err := q.QueryRowContext(ctx, `SELECT count(*) FROM addresses a JOIN users u ON u.address_id = a.id
				WHERE lower(a.email) = lower(?) AND u.id <> ?`, v, id).Scan(&n); err != nil {
				return nil, fmt.Errorf("check email: %w", err)
			}
			if n > 0 {
				addrMsgs = append(addrMsgs, "Email must be unique")
			}
		}
	}
	if pr.x3Rules && len(addrMsgs) > 0 {
		return addrMsgs, nil
	}
	return append(userMsgs, addrMsgs...), nil
}

// save writes the changes and the audit rows (doc §3.6).
func (c *changes) save(ctx context.Context, q querier, pr *profile) error {
	id, cid := c.target.Int("id"), c.caller.Int("id")
	if c.addr != nil {
		if c.target.IsNull("address_id") {
			aid, err := insertRow(ctx, q, "addresses", c.addr)
			if err != nil {
				return err
			}
			c.user["address_id"] = aid
		} else if err := updateRow(ctx, q, "addresses", c.target.Int("address_id"), c.addr); err != nil {
			return err
		}
	}
	if c.tax != nil {
		tid := c.target.Int("tax_id")
		if c.target.IsNull("tax_id") {
			var err error
			if tid, err = insertRow(ctx, q, "taxes", map[string]any{}); err != nil {
				return err
			}
			c.user["tax_id"] = tid
		}
		if err := updateRow(ctx, q, "taxes", tid, c.tax); err != nil {
			return err
		}
		// Tax model defaults: tax 1 always on, blank total name -> "TAX",
		// blank tax1_name -> total_tax_name.
		if _, err := q.ExecContext(ctx, `UPDATE taxes SET tax1_enabled = 1,
			total_tax_name = CASE WHEN trim(COALESCE(total_tax_name,'')) = '' THEN 'TAX' ELSE total_tax_name END WHERE id = ?`, tid); err != nil {
			return fmt.Errorf("tax defaults: %w", err)
		}
		if _, err := q.ExecContext(ctx, `UPDATE taxes SET tax1_name = total_tax_name
			WHERE id = ? AND trim(COALESCE(tax1_name,'')) = ''`, tid); err != nil {
			return fmt.Errorf("tax defaults: %w", err)
		}
	}
	if err := updateRow(ctx, q, "users", id, c.user); err != nil {
		return err
	}
	audit := func(action, data, data2 string) error { return addAction(ctx, q, cid, action, data, data2, id) }
	for col, action := range map[string]string{"tariff_id": "user_tariff_changed", "usertype": "user_type_change_to",
		"postpaid": "user_postpaid_changed", "credit": "user_credit_changed", "lcr_id": "user_lcr_changed"} {
		nv, ok := c.user[col]
		if !ok {
			continue
		}
		old := c.target.Str(col)
		nr := Row{col: nv}.Str(col)
		if old != nr {
			if err := audit(action, old, nr); err != nil {
				return err
			}
		}
	}
	if err := audit("user_edited", strconv.FormatInt(id, 10), ""); err != nil {
		return err
	}
	return c.resellerSideEffects(ctx, q, pr)
}

// resellerSideEffects models own_providers (doc §3.4). INFERENCE: the LCR side
// is simplified: the reseller's users get his lcr_id and an action is
// recorded; no LCR "BLANK" is created, only recorded.
func (c *changes) resellerSideEffects(ctx context.Context, q querier, pr *profile) error {
	if c.target.Str("usertype") != "reseller" {
		return nil
	}
	id, cid := c.target.Int("id"), c.caller.Int("id")
	final := c.target.Int("own_providers")
	if v, ok := c.user["own_providers"].(int64); ok {
		final = v
	}
	reset := func() error {
		lcr := c.target.Int("lcr_id")
		if v, ok := c.user["lcr_id"].(int64); ok {
			lcr = v
		}
		if _, err := q.ExecContext(ctx, `UPDATE users SET lcr_id = ? WHERE owner_id = ?`, lcr, id); err != nil {
			return fmt.Errorf("reset reseller users' lcr: %w", err)
		}
		return addAction(ctx, q, cid, "reseller_users_lcr_reset", strconv.FormatInt(lcr, 10), "", id)
	}
	if !pr.x3Rules { // MOR 11/12
		if final == 0 {
			return reset()
		}
		return nil
	}
	if c.ownSent && rubyToI(c.ownProviders) == 1 {
		if c.target.Int("own_providers") == 0 {
			return addAction(ctx, q, cid, "own_providers_blank_lcr", "BLANK", "", id)
		}
		return nil
	}
	return reset()
}
