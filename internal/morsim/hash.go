package morsim

import (
	"crypto/sha1"
	"encoding/hex"
	"regexp"
	"strings"
)

// hashOrderMX3 is the server's hash_param_order of MOR 12 / X3 (MX3 mor_api.rb,
// doc §2.3), including the unrelated tail keys a stray parameter can hit.
var hashOrderMX3 = strings.Fields(`user_id period_start period_end direction calltype device balance monitoring_id users block email mtype tariff_id
u0 u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12 u13 u14 u15 u16 u17 u18 u19 u20 u21 u22 u23 u24 u25 u26 u27 u28
ay am ad by bm bd pswd user_warning_email_hour pgui pcsv ppdf
recording_forced_enabled i4 tax4_enabled tax2_enabled accountant_type_invalid block_at_conditional tax3_enabled accountant_type tax1_value show_zero_calls
warning_email_active compound_tax tax4_name allow_loss_calls tax3_name tax2_name credit tax1_name total_tax_name tax2_value tax4_value ignore_global_monitorings
i1 tax3_value cyberplat_active i2 i3 recording_enabled email_warning_sent_test own_providers a0 a1 a2 a3 a4 a5 a6 a7 a8 a9
s_user s_call_type s_device s_provider s_hgc s_did s_destination order_by order_desc only_did description pin type devicegroup_id phonebook_id number name speeddial s_user_id s_from
s_till s_transaction s_completed s_username s_first_name s_last_name s_paymenttype s_amount_max s_currency s_number s_pin
p_currency paymenttype tax_in_amount amount transaction payer_email fee id quantity callerid cardgroup_id status date_from date_till s_reseller_did s_did_pattern lcr_id dst src message
server_ip device_type device_username device_password login_url login_username username first_name last_name full_name nice_balance warning_email_balance nice_warning_email_balance
currency user_email company_email company primary_device_pin login_password user_ip date auth_code transaction_id customer_name company_name url trans_id
cc_purchase_details monitoring_amount monitoring_block monitoring_users monitoring_type payment_amount payment_payer_first_name payment_payer_last_name payment_payer_email
payment_seller_email payment_receiver_email payment_date payment_free payment_currency payment_type payment_fee call_list email_name email_to_user_id caller_id device_id`)

// hashOrderLater is the order of later (X4+) servers ([SRC-LATER], doc §2.3):
// no monitoring_id or ignore_global_monitorings, more tail keys (did, state, ...).
var hashOrderLater = strings.Fields(`user_id period_start period_end direction calltype device balance users block email mtype tariff_id
u0 u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12 u13 u14 u15 u16 u17 u18 u19 u20 u21 u22 u23 u24 u25 u26 u27 u28
ay am ad by bm bd pswd user_warning_email_hour pgui pcsv ppdf
recording_forced_enabled i4 tax4_enabled tax2_enabled accountant_type_invalid block_at_conditional tax3_enabled accountant_type tax1_value show_zero_calls
warning_email_active compound_tax tax4_name allow_loss_calls tax3_name tax2_name credit tax1_name total_tax_name tax2_value tax4_value
i1 tax3_value cyberplat_active i2 i3 recording_enabled email_warning_sent_test own_providers a0 a1 a2 a3 a4 a5 a6 a7 a8 a9
s_user s_call_type s_device s_provider s_hgc s_did s_destination order_by order_desc only_did description pin type devicegroup_id phonebook_id number name
speeddial s_user_id s_from provider_id s_till s_transaction s_completed s_username s_first_name s_last_name s_paymenttype s_amount_max s_currency s_number s_pin p_currency
paymenttype tax_in_amount amount transaction payer_email fee id quantity callerid cardgroup_id status date_from date_till s_reseller_did s_did_pattern lcr_id dst src
message server_ip device_type device_username device_password login_url login_username username first_name last_name full_name nice_balance warning_email_balance
nice_warning_email_balance currency user_email company_email company primary_device_pin login_password user_ip date auth_code transaction_id customer_name company_name url
trans_id cc_purchase_details payment_amount payment_payer_first_name payment_payer_last_name payment_payer_email payment_seller_email payment_receiver_email payment_date payment_free
payment_currency payment_type payment_fee call_list email_name email_to_user_id caller_id device_id calldate source destination billsec calls_string did forward_to
callflow_action state forward_to_device external_number did_id device_calerid src_callerid custom fax_device device_location_id location_id cli_number new_service_name new_service_type service_id`)

// neverHashed are keys listed in hash_param_order whose value the server never
// collects: the missing comma in 'user_warning_email_hour' 'pgui' makes Ruby
// collect the single key "user_warning_email_hourpgui" instead (doc §2.3).
var neverHashed = map[string]bool{"user_warning_email_hour": true, "pgui": true}

// neverHashedLater adds the later list's typo: the order says device_calerid,
// the collector stores device_callerid, so neither is ever hashed.
var neverHashedLater = map[string]bool{"user_warning_email_hour": true, "pgui": true, "device_calerid": true}

// legacyOrder is Mode L (MOR 11, API::check_params_with_key, doc §2.2).
var legacyOrder = []string{"user_id", "period_start", "period_end", "direction", "calltype", "device",
	"balance", "monitoring_id", "users", "block", "email", "mtype"}

var (
	reNonDigit  = regexp.MustCompile(`[^0-9]`)
	reNonAmount = regexp.MustCompile(`[^0-9.\-+]`)
	// Ruby's ^ and $ are line anchors, hence (?m).
	reUsers     = regexp.MustCompile(`(?m)^postpaid$|^prepaid$|^all$|^[0-9,]+$`)
	reTrueFalse = regexp.MustCompile(`true|false`)
	callTypes   = map[string]bool{"all": true, "answered": true, "busy": true, "no_answer": true, "failed": true,
		"missed": true, "missed_inc": true, "missed_inc_all": true, "missed_not_processed_inc": true}
)

// digitsToS is Ruby's value.to_i.to_s for a string already known to hold only
// digits ("" -> "0", "007" -> "7"), without overflowing on long inputs.
func digitsToS(v string) string {
	v = strings.TrimLeft(v, "0")
	if v == "" {
		return "0"
	}
	return v
}

// hashValue is the value the server collects for key, and whether it collects
// one at all. legacy selects the Mode L well-formedness rules.
func hashValue(key string, p params, legacy bool) (string, bool) {
	v, ok := p.get(key)
	if !ok {
		return "", false
	}
	digits := !reNonDigit.MatchString(v)
	switch key {
	case "user_id", "period_start", "period_end", "tariff_id", "only_did":
		if !digits {
			return "", false
		}
		return digitsToS(v), true
	case "direction":
		return v, v == "outgoing" || v == "incoming"
	case "calltype":
		return v, callTypes[v]
	case "device", "s_device", "s_provider", "s_hgc", "s_did":
		return v, digits || v == "all"
	case "balance":
		return v, !reNonAmount.MatchString(v)
	case "monitoring_id", "mtype", "s_user", "s_user_id", "s_from", "s_till":
		return v, digits
	case "users":
		return v, reUsers.MatchString(v)
	case "block":
		return v, reTrueFalse.MatchString(v)
	case "email":
		if legacy {
			return v, reTrueFalse.MatchString(v)
		}
		return v, true
	}
	return v, true
}

// hashString is the string the server hashes, without the key.
func hashString(pr *profile, p params) string {
	var b strings.Builder
	order, legacy := pr.hashOrder, pr.legacyHash
	if legacy {
		order = legacyOrder
	}
	for _, k := range order {
		if !legacy && !pr.hashes(k) {
			continue
		}
		if v, ok := hashValue(k, p, legacy); ok {
			b.WriteString(v)
		}
	}
	return b.String()
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// requestHash is params[:hash] when it is exactly 40 characters long; the
// comparison is exact, so an uppercase hex string never matches.
func requestHash(p params) string {
	h, _ := p.get("hash")
	if len(h) != 40 {
		return ""
	}
	return h
}
