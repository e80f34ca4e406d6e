package schema

import "strings"

// warn adds the traps of mor-api.md §3 and §7.3 as warnings: what the server
// will really do with this row when it is not what the row seems to say.
func (v *Validator) warn(cells *[nParams]cell, out *Outcome) {
	get := func(code string) (string, bool) {
		c := cells[v.s.ix[code]]
		return c.value, c.set
	}
	add := func(code, msg string) {
		c := cells[v.s.ix[code]]
		name := c.name
		if name == "" {
			name = code
		}
		out.Warnings = append(out.Warnings, Problem{Column: name, Message: msg})
	}

	// Invoice bits: any i-field rebuilds the whole mask.
	var given, missing []string
	for _, code := range []string{"i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8"} {
		if _, ok := get(code); ok {
			given = append(given, code)
		} else if code <= "i4" {
			missing = append(missing, code)
		}
	}
	if len(given) > 0 && len(missing) > 0 {
		add(given[0], "MOR rebuilds the whole invoice mask from the i-fields sent: "+strings.Join(missing, ", ")+" (and i5-i8 unless given) will be turned off; give all of i1-i4 to be explicit")
	}

	// Cyberplat: u21 only triggers, cyberplat_active decides.
	u21, hasU21 := get("u21")
	cp, hasCP := get("cyberplat_active")
	switch {
	case hasU21 && !hasCP:
		add("u21", "u21 alone turns Cyberplat OFF whatever its value: MOR stores 1 only when cyberplat_active=1 is sent too")
	case hasCP && !hasU21:
		add("cyberplat_active", "cyberplat_active is ignored by MOR unless u21 is sent in the same row")
	case hasU21 && hasCP && u21 != cp:
		add("u21", "MOR stores cyberplat_active's value ("+cp+"), not u21's ("+u21+")")
	}

	// Privacy: pgui + pcsv + ppdf overwrite hide_destination_end.
	sum, anyP := 0, false
	for _, code := range []string{"pgui", "pcsv", "ppdf"} {
		if val, ok := get(code); ok {
			anyP = true
			n, _ := parseDigits(val)
			sum += int(n)
		}
	}
	if anyP {
		msg := "MOR sets hide_destination_end to pgui+pcsv+ppdf = " + itoa(int64(sum)) + " (a missing one counts as 0)"
		if _, ok := get("u3"); ok {
			msg += "; the u3 in this row is overwritten"
		}
		for _, code := range []string{"pgui", "pcsv", "ppdf"} {
			if _, ok := get(code); ok {
				add(code, msg)
				break
			}
		}
	}

	// The warning email hour is recomputed when warning_email_active is sent.
	if _, ok := get("warning_email_active"); ok {
		hour := "0"
		if h, ok := get("user_warning_email_hour"); ok {
			hour = h
		}
		if u2, ok := get("u2"); ok && u2 == "-1" {
			hour = "-1"
		}
		add("warning_email_active", "MOR recomputes the warning hour when warning_email_active is sent: it becomes "+hour+" (from u2 and user_warning_email_hour, 0 when neither is given)")
	}

	if _, ok := get("user_warning_email_hour"); ok {
		if _, act := get("warning_email_active"); !act {
			add("user_warning_email_hour", "user_warning_email_hour is only used when warning_email_active is sent in the same row")
		}
	}

	// accountant_type needs u13 accountant or reseller in the same request.
	if _, ok := get("accountant_type"); ok {
		if t, _ := get("u13"); t != "accountant" && t != "reseller" {
			add("accountant_type", "accountant_type is ignored unless u13 (usertype) is accountant or reseller in the same row")
		}
	}

	// Editing a reseller can rewrite all his users' LCR.
	if t, ok := get("u13"); ok && t == "reseller" {
		add("u13", "updating a reseller through the API resets all his users' LCR unless own_providers=1 is sent (MOR 11 to X3)")
	}
	if val, ok := get("own_providers"); ok {
		msg := "own_providers changes a reseller's whole customer base: all his users and card groups get a new LCR"
		if val == "0" {
			msg = "own_providers=0 on a reseller resets all his users' and card groups' LCR to his own and cleans his provider data"
		}
		add("own_providers", msg)
	}

	if _, ok := get("credit"); ok {
		if u, ok := get("unlimited"); ok && u == "1" {
			add("credit", "both credit and unlimited=1 are given: send one of them")
		}
	}
	if pw, ok := get("pswd"); ok && len(pw) < 6 {
		add("pswd", "passwords shorter than 6 characters are refused by MOR X3 and later")
	}
	if _, ok := get("u20"); ok {
		add("u20", "u20 is in MB: MOR stores it as bytes (x 1048576), and only with the recordings add-on")
	}
	for _, code := range []string{"accountant_type_invalid", "email_warning_sent_test"} {
		if _, ok := get(code); ok {
			add(code, code+" is a GUI form artefact: MOR ignores it (it only changes the hash)")
		}
	}
}
