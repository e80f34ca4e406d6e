package schema

import "strings"

// warn adds the traps of mor-api.md §3 and §7.3 as warnings: what the server
// will really do with this row when it is not what the row seems to say.
func (v *Validator) warn(cells *[nParams]cell, out *Outcome) {
	get := func(k int) (string, bool) {
		c := &cells[v.specIdx[k]]
		return c.value, c.set
	}
	add := func(k int, msg string) {
		name := cells[v.specIdx[k]].name
		if name == "" {
			name = specialCodes[k]
		}
		out.Warnings = append(out.Warnings, Problem{Column: name, Message: msg})
	}

	// Invoice bits: any i-field rebuilds the whole mask.
	var given, missing []int
	for k := spI1; k <= spI8; k++ {
		if _, ok := get(k); ok {
			given = append(given, k)
		} else if k <= spI4 {
			missing = append(missing, k)
		}
	}
	if len(given) > 0 && len(missing) > 0 {
		names := make([]string, len(missing))
		for i, k := range missing {
			names[i] = specialCodes[k]
		}
		add(given[0], "MOR rebuilds the whole invoice mask from the i-fields sent: "+strings.Join(names, ", ")+" (and i5-i8 unless given) will be turned off; give all of i1-i4 to be explicit")
	}

	// Cyberplat: u21 only triggers, cyberplat_active decides.
	u21, hasU21 := get(spU21)
	cp, hasCP := get(spCyberplat)
	switch {
	case hasU21 && !hasCP:
		add(spU21, "u21 alone turns Cyberplat OFF whatever its value: MOR stores 1 only when cyberplat_active=1 is sent too")
	case hasCP && !hasU21:
		add(spCyberplat, "cyberplat_active is ignored by MOR unless u21 is sent in the same row")
	case hasU21 && hasCP && u21 != cp:
		add(spU21, "MOR stores cyberplat_active's value ("+cp+"), not u21's ("+u21+")")
	}

	// Privacy: pgui + pcsv + ppdf overwrite hide_destination_end.
	sum, anyP := 0, false
	for k := spPGUI; k <= spPPDF; k++ {
		if val, ok := get(k); ok {
			anyP = true
			n, _ := parseDigits(val)
			sum += int(n)
		}
	}
	if anyP {
		msg := "MOR sets hide_destination_end to pgui+pcsv+ppdf = " + itoa(int64(sum)) + " (a missing one counts as 0)"
		if _, ok := get(spU3); ok {
			msg += "; the u3 in this row is overwritten"
		}
		for k := spPGUI; k <= spPPDF; k++ {
			if _, ok := get(k); ok {
				add(k, msg)
				break
			}
		}
	}

	// The warning email hour is recomputed when warning_email_active is sent.
	if _, ok := get(spWarnActive); ok {
		hour := "0"
		if h, ok := get(spWarnHour); ok {
			hour = h
		}
		if u2, ok := get(spU2); ok && u2 == "-1" {
			hour = "-1"
		}
		add(spWarnActive, "MOR recomputes the warning hour when warning_email_active is sent: it becomes "+hour+" (from u2 and user_warning_email_hour, 0 when neither is given)")
	}

	if _, ok := get(spWarnHour); ok {
		if _, act := get(spWarnActive); !act {
			add(spWarnHour, "user_warning_email_hour is only used when warning_email_active is sent in the same row")
		}
	}

	// accountant_type needs u13 accountant or reseller in the same request.
	if _, ok := get(spAccountantType); ok {
		if t, _ := get(spU13); t != "accountant" && t != "reseller" {
			add(spAccountantType, "accountant_type is ignored unless u13 (usertype) is accountant or reseller in the same row")
		}
	}

	// Editing a reseller can rewrite all his users' LCR.
	if t, ok := get(spU13); ok && t == "reseller" {
		add(spU13, "updating a reseller through the API resets all his users' LCR unless own_providers=1 is sent (MOR 11 to X3)")
	}
	if val, ok := get(spOwnProviders); ok {
		msg := "own_providers changes a reseller's whole customer base: all his users and card groups get a new LCR"
		if val == "0" {
			msg = "own_providers=0 on a reseller resets all his users' and card groups' LCR to his own and cleans his provider data"
		}
		add(spOwnProviders, msg)
	}

	if _, ok := get(spCredit); ok {
		if u, ok := get(spUnlimited); ok && u == "1" {
			add(spCredit, "both credit and unlimited=1 are given: send one of them")
		}
	}
	if pw, ok := get(spPswd); ok && len(pw) < 6 {
		add(spPswd, "passwords shorter than 6 characters are refused by MOR X3 and later")
	}
	if _, ok := get(spU20); ok {
		add(spU20, "u20 is in MB: MOR stores it as bytes (x 1048576), and only with the recordings add-on")
	}
	for _, k := range []int{spATInvalid, spEWST} {
		if _, ok := get(k); ok {
			add(k, specialCodes[k]+" is a GUI form artefact: MOR ignores it (it only changes the hash)")
		}
	}
}
