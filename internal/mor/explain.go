package mor

import (
	"fmt"
	"strings"
)

// serverHashedExtras are names the server puts in its big hash list
// (hash_param_order, doc §2.3) that are not user_update_api parameters. Sent
// by mistake, each silently changes the hash the server expects.
func serverHashedExtras(key string) bool {
	switch key {
	case "period_start", "period_end", "direction", "calltype", "device", "balance", "monitoring_id",
		"users", "block", "email", "mtype", "tariff_id", "s_user", "number", "name", "type",
		"description", "id", "status", "amount", "username", "first_name", "last_name", "currency",
		"date", "message", "state", "did":
		return true
	}
	return false
}

// neverHashed are listed by the wiki as hashed but never hashed by the server
// (the missing comma, doc §2.3).
func neverHashed(key string) bool { return key == "user_warning_email_hour" || key == "pgui" }

// ExplainHash lists, in plain words, what in params may explain an
// "Incorrect hash" answer (doc §7.3 #1, #2, #5, #6 and §2.3), then shows the
// hashed string and hash in both modes, the key masked. mode is the mode in
// use (HashDefault counts as HashFull).
func ExplainHash(params Params, mode HashMode, secret string) []string {
	if mode != HashLegacy {
		mode = HashFull
	}
	h := NewHasher()
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }

	seen := map[string]bool{}
	for _, p := range params {
		k, v := p.Key, p.Value
		if seen[k] {
			add("%s appears more than once: the server keeps the last value; send it once", k)
		}
		seen[k] = true
		switch {
		case k == "hash":
			add("the row carries a hash parameter: morbulk computes it; remove it")
			if v != strings.ToLower(v) {
				add("the hash %q has upper-case letters: the server compares lower-case hex only", v)
			}
			continue
		case isReserved(k):
			add("the row carries %s, which the client sets itself; remove it", k)
			continue
		case neverHashed(k):
			add("%s is sent but the server never hashes it (a server bug, although the wiki lists it); morbulk leaves it out too, a client following the wiki would not", k)
		case serverHashedExtras(k):
			add("%s is not a user_update_api parameter but the server hashes it (its big hash list), and morbulk does not: remove it from the row", k)
		case !h.hashes(k) && !isUnhashedParam(k):
			add("%s is not a user_update_api parameter: the server ignores it (not hashed); check the column name", k)
		}
		if k == "user_id" {
			explainUserID(v, add)
			continue
		}
		if v == "" {
			add("%s is empty: it adds nothing to the hash, but the server still writes an empty value for most fields", k)
		} else if strings.TrimSpace(v) != v {
			add("%s=%q has surrounding spaces: hashed as sent, but the server strips them when it saves; remove them", k, v)
		}
	}
	if !seen["user_id"] {
		add("user_id is missing: the server answers User was not found")
	}

	full := h.Hash(HashFull, params, secret)
	legacy := h.Hash(HashLegacy, params, secret)
	add("mode in use: %s", mode)
	add("full (MOR 12, X3, X4; late MOR 11):   %q -> %s", full.String(), full.Hex)
	add("legacy (MOR 11 as documented):        %q -> %s", legacy.String(), legacy.Hex)
	if full.Hex != legacy.Hex {
		other := HashFull
		if mode == HashFull {
			other = HashLegacy
		}
		add("the two modes differ for this row: if the server says Incorrect hash, try --hash-mode %s", other)
	}
	add("the hash is sent as lower-case hex; the key is the admin's, or from MOR 12 on the reseller's own when the API user is a reseller " +
		"(MOR 11 knows only the admin's; X3 finds a reseller's key by user name and password, and morbulk does not send the password to X3, so there he signs with the admin's)")
	return out
}

// isUnhashedParam: user_update_api parameters the server applies but never hashes.
func isUnhashedParam(key string) bool {
	switch key {
	case "unlimited", "block_conditional_use", "i5", "i6", "i7", "i8", "user_warning_email_hour", "pgui":
		return true
	}
	return false
}

// explainUserID reports how the server will read user_id (doc §2.3, §7.3 #6).
func explainUserID(v string, add func(string, ...any)) {
	norm, ok := NormalizeUserID(v)
	switch {
	case !ok:
		add("user_id %q is not digits only (sign, spaces or other characters): the server drops it from the hash and the lookup, and answers User was not found", v)
	case v == "":
		add("user_id is empty: the server hashes it as 0 and answers User was not found")
	case norm != v:
		add("user_id %q has leading zeros: the server hashes it as %s", v, norm)
	}
}
