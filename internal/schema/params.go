package schema

import (
	"sort"
	"strings"
)

// Kind is the kind of value a parameter takes.
type Kind int

// The kinds of parameter values.
const (
	KindID      Kind = iota // decimal whole number, no sign, leading zeros dropped
	KindInt                 // decimal whole number within [Min, Max], optionally with extra allowed values
	KindFlag                // 0 or 1
	KindBit                 // 0 or one power of two (Max), e.g. i1 is 0 or 2
	KindDecimal             // finite decimal number with '.' as the point
	KindText                // one line of text
	KindEmail               // an email address
	KindEnum                // one of Values
	KindYear                // 4-digit year of a split date
	KindMonth               // month 1-12 of a split date
	KindDay                 // day 1-31 of a split date
	KindSecret              // a password: text that is never echoed
)

var kindNames = [...]string{"id", "int", "flag", "bit", "decimal", "text", "email", "enum", "year", "month", "day", "password"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Param describes one parameter of user_update_api.
type Param struct {
	Code     string   // the name MOR expects on the wire, e.g. "u5"
	Alias    string   // readable name accepted in headers and YAML keys, e.g. "tariff_id"; "" when the code is readable
	Kind     Kind     // what values it takes
	Min, Max int64    // range for KindInt and KindID (Max 0 = none); the bit value for KindBit
	Extra    []int64  // values allowed besides [Min, Max] for KindInt (u2 allows -1)
	Values   []string // allowed values for KindEnum
	Negative bool     // KindDecimal: negative values allowed
	MaxLen   int      // maximum length in characters for texts (0 = none)
	Hash     int      // position in the server's hash order; -1 when the server never hashes it
	Column   string   // where MOR stores it: users column, addresses column, taxes column, or effect
	Desc     string   // one-line description
}

// Name is the alias if the parameter has one, else its code.
func (p *Param) Name() string {
	if p.Alias != "" {
		return p.Alias
	}
	return p.Code
}

// Hashed reports whether the server includes the parameter in the hash.
func (p *Param) Hashed() bool { return p.Hash >= 0 }

// Allowed describes the allowed values in words, for the table and messages.
func (p *Param) Allowed() string {
	switch p.Kind {
	case KindFlag:
		return "0 or 1"
	case KindBit:
		return "0 or " + itoa(p.Max)
	case KindEnum:
		return strings.Join(p.Values, ", ")
	case KindID:
		if p.Min > 0 {
			return "whole number >= " + itoa(p.Min)
		}
		return "whole number >= 0"
	case KindInt:
		s := itoa(p.Min) + ".." + itoa(p.Max)
		for _, x := range p.Extra {
			s = itoa(x) + " or " + s
		}
		return s
	case KindDecimal:
		if p.Negative {
			return "decimal number"
		}
		return "decimal number >= 0"
	case KindYear:
		return "4-digit year"
	case KindMonth:
		return "1..12"
	case KindDay:
		return "1..31"
	case KindEmail:
		return "email address"
	default:
		if p.MaxLen > 0 {
			return "text, at most " + itoa(int64(p.MaxLen)) + " characters"
		}
		return "text"
	}
}

// The hash positions follow the server's hash_param_order (mor-api.md §2.3):
// user_id, then u0..u28, ay..bd, pswd, user_warning_email_hour and pgui
// (listed but never hashed because of a missing comma in the server), pcsv,
// ppdf, then the long tail in the server's own order, then a0..a9.
const notHashed = -1

// table is the single source of truth. Keep it in the server's hash order.
var table = []Param{
	{Code: "user_id", Kind: KindID, Min: 1, Hash: 0, Column: "users.id", Desc: "id of the user to change (required; 0 is the admin and is refused here)"},

	{Code: "u0", Alias: "vat_number", Kind: KindText, MaxLen: 30, Hash: 1, Column: "users.vat_number", Desc: "VAT / tax registration number"},
	{Code: "u1", Alias: "lcr_id", Kind: KindID, Hash: 2, Column: "users.lcr_id", Desc: "LCR (routing table) id; a reseller's is applied only if he may use providers' tariffs"},
	{Code: "u2", Alias: "warning_email_hour", Kind: KindInt, Min: 0, Max: 23, Extra: []int64{-1}, Hash: 3, Column: "users.warning_email_hour", Desc: "low-balance warning email: -1 once when the balance drops, 0..23 every day at that hour"},
	{Code: "u3", Alias: "hide_destination_end", Kind: KindInt, Min: 0, Max: 7, Extra: []int64{-1}, Hash: 4, Column: "users.hide_destination_end", Desc: "privacy bitmask 1 GUI, 2 CSV, 4 PDF; -1 follows the global setting (overwritten by pgui/pcsv/ppdf)"},
	{Code: "u4", Alias: "currency_id", Kind: KindID, Min: 1, Hash: 5, Column: "users.currency_id", Desc: "currency id (not checked by the server)"},
	{Code: "u5", Alias: "tariff_id", Kind: KindID, Min: 1, Hash: 6, Column: "users.tariff_id", Desc: "tariff id; must belong to the caller's owner, else Tariff not found"},
	{Code: "u6", Alias: "warning_email_balance", Kind: KindDecimal, Negative: true, Hash: 7, Column: "users.warning_email_balance", Desc: "balance that triggers the warning email"},
	{Code: "u7", Alias: "spy_device_id", Kind: KindID, Hash: 8, Column: "users.spy_device_id", Desc: "device used for call spying; 0 = none"},
	{Code: "u8", Alias: "language", Kind: KindText, MaxLen: 10, Hash: 9, Column: "users.language", Desc: "GUI language short code (en, de, fr, ...), not checked by the server"},
	{Code: "u9", Alias: "username", Kind: KindText, MaxLen: 30, Hash: 10, Column: "users.username", Desc: "login name; must be unique and not blank"},
	{Code: "u10", Alias: "warning_balance_call", Kind: KindFlag, Hash: 11, Column: "users.warning_balance_call", Desc: "play a sound before calls while the balance is below the warning balance"},
	{Code: "u11", Alias: "acc_group_id", Kind: KindID, Hash: 12, Column: "users.acc_group_id", Desc: "permission group of an accountant or reseller"},
	{Code: "u12", Alias: "generate_invoice", Kind: KindFlag, Hash: 13, Column: "users.generate_invoice", Desc: "generate invoices for this user (the server stores 0 for anything but 1)"},
	{Code: "u13", Alias: "usertype", Kind: KindEnum, Values: []string{"user", "reseller", "accountant", "admin"}, Hash: 14, Column: "users.usertype", Desc: "user type"},
	{Code: "u14", Alias: "taxation_country", Kind: KindID, Min: 1, Hash: 15, Column: "users.taxation_country", Desc: "taxation country (directions.id)"},
	{Code: "u15", Alias: "blocked", Kind: KindFlag, Hash: 16, Column: "users.blocked", Desc: "1 = blocked, cannot call"},
	{Code: "u16", Alias: "quickforwards_rule_id", Kind: KindID, Hash: 17, Column: "users.quickforwards_rule_id", Desc: "quick-forwards rule; 0 = none"},
	{Code: "u17", Alias: "last_name", Kind: KindText, MaxLen: 255, Hash: 18, Column: "users.last_name", Desc: "last name"},
	{Code: "u18", Alias: "call_limit", Kind: KindInt, Min: 0, Max: 1_000_000, Hash: 19, Column: "users.call_limit", Desc: "simultaneous-call limit; 0 = unlimited"},
	{Code: "u19", Alias: "clientid", Kind: KindText, MaxLen: 30, Hash: 20, Column: "users.clientid", Desc: "company or personal id"},
	{Code: "u20", Alias: "recording_hdd_quota", Kind: KindInt, Min: 0, Max: 8_000_000, Hash: 21, Column: "users.recording_hdd_quota", Desc: "recording quota in MB (stored in bytes; needs the recordings add-on)"},
	{Code: "u21", Alias: "cyberplat", Kind: KindFlag, Hash: 22, Column: "users.cyberplat_active", Desc: "triggers the Cyberplat update; the value stored is cyberplat_active's"},
	{Code: "u22", Alias: "recordings_email", Kind: KindEmail, MaxLen: 50, Hash: 23, Column: "users.recordings_email", Desc: "email for call recordings"},
	{Code: "u23", Alias: "first_name", Kind: KindText, MaxLen: 255, Hash: 24, Column: "users.first_name", Desc: "first name"},
	{Code: "u24", Alias: "warning_balance_sound_file_id", Kind: KindID, Hash: 25, Column: "users.warning_balance_sound_file_id", Desc: "IVR sound file played when u10 = 1"},
	{Code: "u25", Alias: "postpaid", Kind: KindFlag, Hash: 26, Column: "users.postpaid", Desc: "1 = postpaid, 0 = prepaid"},
	{Code: "u26", Alias: "accounting_number", Kind: KindText, MaxLen: 30, Hash: 27, Column: "users.accounting_number", Desc: "accounting number"},
	{Code: "u27", Alias: "agreement_number", Kind: KindText, MaxLen: 20, Hash: 28, Column: "users.agreement_number", Desc: "agreement number"},
	{Code: "u28", Alias: "hidden", Kind: KindFlag, Hash: 29, Column: "users.hidden", Desc: "1 = hidden from GUI lists, keeps working"},

	{Code: "ay", Alias: "agreement_year", Kind: KindYear, Hash: 30, Column: "users.agreement_date", Desc: "agreement date: year (ay, am, ad together)"},
	{Code: "am", Alias: "agreement_month", Kind: KindMonth, Hash: 31, Column: "users.agreement_date", Desc: "agreement date: month"},
	{Code: "ad", Alias: "agreement_day", Kind: KindDay, Hash: 32, Column: "users.agreement_date", Desc: "agreement date: day"},
	{Code: "by", Alias: "block_at_year", Kind: KindYear, Hash: 33, Column: "users.block_at", Desc: "block-at date: year (by, bm, bd together; the nightly job blocks on that day)"},
	{Code: "bm", Alias: "block_at_month", Kind: KindMonth, Hash: 34, Column: "users.block_at", Desc: "block-at date: month"},
	{Code: "bd", Alias: "block_at_day", Kind: KindDay, Hash: 35, Column: "users.block_at", Desc: "block-at date: day"},
	{Code: "pswd", Alias: "password", Kind: KindSecret, MaxLen: 255, Hash: 36, Column: "users.password", Desc: "new login password (stored as SHA-1; never shown in reports)"},
	{Code: "user_warning_email_hour", Kind: KindInt, Min: 0, Max: 23, Hash: notHashed, Column: "users.warning_email_hour", Desc: "hour for the daily warning email; never hashed (server bug)"},
	{Code: "pgui", Alias: "privacy_gui", Kind: KindBit, Max: 1, Hash: notHashed, Column: "users.hide_destination_end", Desc: "privacy: hide number ends in the GUI (1); never hashed (server bug)"},
	{Code: "pcsv", Alias: "privacy_csv", Kind: KindBit, Max: 2, Hash: 39, Column: "users.hide_destination_end", Desc: "privacy: hide number ends in CSV exports (2)"},
	{Code: "ppdf", Alias: "privacy_pdf", Kind: KindBit, Max: 4, Hash: 40, Column: "users.hide_destination_end", Desc: "privacy: hide number ends in PDF exports (4)"},

	{Code: "recording_forced_enabled", Kind: KindFlag, Hash: 41, Column: "users.recording_forced_enabled", Desc: "force recording of all calls (recordings add-on)"},
	{Code: "i4", Alias: "invoice_detailed_csv", Kind: KindBit, Max: 16, Hash: 42, Column: "users.send_invoice_types", Desc: "send detailed CSV invoices (16)"},
	{Code: "tax4_enabled", Kind: KindFlag, Hash: 43, Column: "taxes.tax4_enabled", Desc: "enable tax 4"},
	{Code: "tax2_enabled", Kind: KindFlag, Hash: 44, Column: "taxes.tax2_enabled", Desc: "enable tax 2"},
	{Code: "accountant_type_invalid", Kind: KindText, MaxLen: 255, Hash: 45, Column: "(ignored)", Desc: "GUI form artefact: ignored by the server but hashed"},
	{Code: "block_at_conditional", Kind: KindInt, Min: 1, Max: 31, Hash: 46, Column: "users.block_at_conditional", Desc: "day of month for the conditional block (with block_conditional_use=1)"},
	{Code: "tax3_enabled", Kind: KindFlag, Hash: 47, Column: "taxes.tax3_enabled", Desc: "enable tax 3"},
	{Code: "accountant_type", Kind: KindID, Hash: 48, Column: "users.acc_group_id", Desc: "permission group id; applied only with u13 accountant or reseller in the same row"},
	{Code: "tax1_value", Kind: KindDecimal, Hash: 49, Column: "taxes.tax1_value", Desc: "tax 1 percentage"},
	{Code: "show_zero_calls", Kind: KindFlag, Hash: 50, Column: "users.invoice_zero_calls", Desc: "show zero-priced calls on invoices"},
	{Code: "warning_email_active", Kind: KindFlag, Hash: 51, Column: "users.warning_email_active", Desc: "low-balance warning email on/off (rewrites the warning hour)"},
	{Code: "compound_tax", Kind: KindFlag, Hash: 52, Column: "taxes.compound_tax", Desc: "0 = simple, 1 = compound taxes"},
	{Code: "tax4_name", Kind: KindText, MaxLen: 255, Hash: 53, Column: "taxes.tax4_name", Desc: "label of tax 4"},
	{Code: "allow_loss_calls", Kind: KindFlag, Hash: 54, Column: "users.allow_loss_calls", Desc: "allow selling below cost"},
	{Code: "tax3_name", Kind: KindText, MaxLen: 255, Hash: 55, Column: "taxes.tax3_name", Desc: "label of tax 3"},
	{Code: "tax2_name", Kind: KindText, MaxLen: 255, Hash: 56, Column: "taxes.tax2_name", Desc: "label of tax 2"},
	{Code: "credit", Kind: KindDecimal, Hash: 57, Column: "users.credit", Desc: "credit limit of a postpaid user (absolute, not a top-up)"},
	{Code: "tax1_name", Kind: KindText, MaxLen: 255, Hash: 58, Column: "taxes.tax1_name", Desc: "label of tax 1"},
	{Code: "total_tax_name", Kind: KindText, MaxLen: 255, Hash: 59, Column: "taxes.total_tax_name", Desc: "label of the total tax"},
	{Code: "tax2_value", Kind: KindDecimal, Hash: 60, Column: "taxes.tax2_value", Desc: "tax 2 percentage"},
	{Code: "tax4_value", Kind: KindDecimal, Hash: 61, Column: "taxes.tax4_value", Desc: "tax 4 percentage"},
	{Code: "ignore_global_monitorings", Kind: KindFlag, Hash: 62, Column: "users.ignore_global_monitorings", Desc: "exclude from global monitorings (monitorings add-on)"},
	{Code: "i1", Alias: "invoice_pdf", Kind: KindBit, Max: 2, Hash: 63, Column: "users.send_invoice_types", Desc: "send PDF invoices (2)"},
	{Code: "tax3_value", Kind: KindDecimal, Hash: 64, Column: "taxes.tax3_value", Desc: "tax 3 percentage"},
	{Code: "cyberplat_active", Kind: KindFlag, Hash: 65, Column: "users.cyberplat_active", Desc: "Cyberplat on/off; applied only together with u21"},
	{Code: "i2", Alias: "invoice_csv", Kind: KindBit, Max: 4, Hash: 66, Column: "users.send_invoice_types", Desc: "send CSV invoices (4)"},
	{Code: "i3", Alias: "invoice_detailed_pdf", Kind: KindBit, Max: 8, Hash: 67, Column: "users.send_invoice_types", Desc: "send detailed PDF invoices (8)"},
	{Code: "recording_enabled", Kind: KindFlag, Hash: 68, Column: "users.recording_enabled", Desc: "recording allowed (recordings add-on)"},
	{Code: "email_warning_sent_test", Kind: KindText, MaxLen: 255, Hash: 69, Column: "(ignored)", Desc: "GUI form artefact: ignored by the server but hashed"},
	{Code: "own_providers", Kind: KindFlag, Hash: 70, Column: "users.own_providers", Desc: "reseller PRO: own providers (only for a reseller target; big side effects)"},

	{Code: "a0", Alias: "address", Kind: KindText, MaxLen: 255, Hash: 71, Column: "addresses.address", Desc: "street address"},
	{Code: "a1", Alias: "city", Kind: KindText, MaxLen: 255, Hash: 72, Column: "addresses.city", Desc: "city"},
	{Code: "a2", Alias: "postcode", Kind: KindText, MaxLen: 255, Hash: 73, Column: "addresses.postcode", Desc: "postcode"},
	{Code: "a3", Alias: "county", Kind: KindText, MaxLen: 255, Hash: 74, Column: "addresses.county", Desc: "county"},
	{Code: "a4", Alias: "mob_phone", Kind: KindText, MaxLen: 255, Hash: 75, Column: "addresses.mob_phone", Desc: "mobile phone, kept as text"},
	{Code: "a5", Alias: "fax", Kind: KindText, MaxLen: 255, Hash: 76, Column: "addresses.fax", Desc: "fax, kept as text"},
	{Code: "a6", Alias: "direction_id", Kind: KindID, Min: 1, Hash: 77, Column: "addresses.direction_id", Desc: "country of the address (directions.id)"},
	{Code: "a7", Alias: "phone", Kind: KindText, MaxLen: 255, Hash: 78, Column: "addresses.phone", Desc: "phone, kept as text exactly as written"},
	{Code: "a8", Alias: "email", Kind: KindEmail, MaxLen: 255, Hash: 79, Column: "addresses.email", Desc: "email address (unique from MOR X3)"},
	{Code: "a9", Alias: "state", Kind: KindText, MaxLen: 255, Hash: 80, Column: "addresses.state", Desc: "state (crashes the earliest MOR 11 with HTTP 500)"},

	{Code: "unlimited", Kind: KindFlag, Hash: notHashed, Column: "users.credit", Desc: "1 = unlimited credit (stored as -1); not hashed"},
	{Code: "block_conditional_use", Kind: KindFlag, Hash: notHashed, Column: "users.block_conditional_use", Desc: "enable the conditional block on block_at_conditional; not hashed"},
	{Code: "i5", Alias: "invoice_callerid_pdf", Kind: KindBit, Max: 32, Hash: notHashed, Column: "users.send_invoice_types", Desc: "send by-CallerID PDF invoices (32); not hashed"},
	{Code: "i6", Alias: "invoice_destinations_csv", Kind: KindBit, Max: 64, Hash: notHashed, Column: "users.send_invoice_types", Desc: "send by-destinations CSV invoices (64); not hashed"},
	{Code: "i7", Alias: "invoice_callerid_csv", Kind: KindBit, Max: 128, Hash: notHashed, Column: "users.send_invoice_types", Desc: "send by-CallerID CSV invoices (128); not hashed"},
	{Code: "i8", Alias: "invoice_calls_csv", Kind: KindBit, Max: 256, Hash: notHashed, Column: "users.send_invoice_types", Desc: "send calls CSV invoices (256); not hashed"},
}

// Table is the parameter table, in the server's hash order. The result must not be modified.
func Table() []Param { return table }

// index maps a lower-case code or alias to its position in table.
type index map[string]int

func buildIndex() index {
	ix := make(index, 2*len(table))
	for i := range table {
		ix[strings.ToLower(table[i].Code)] = i
		if table[i].Alias != "" {
			ix[strings.ToLower(table[i].Alias)] = i
		}
	}
	return ix
}

// Schema answers questions about the table. It is safe for concurrent use.
type Schema struct {
	ix    index
	order []string
}

// New builds the lookup structures over the table.
func New() *Schema {
	s := &Schema{ix: buildIndex()}
	hashed := make([]*Param, 0, len(table))
	for i := range table {
		if table[i].Hashed() {
			hashed = append(hashed, &table[i])
		}
	}
	sort.SliceStable(hashed, func(a, b int) bool { return hashed[a].Hash < hashed[b].Hash })
	for _, p := range hashed {
		s.order = append(s.order, p.Code)
	}
	return s
}

// Lookup finds a parameter by code or alias, trimmed and in any case.
func (s *Schema) Lookup(name string) (*Param, bool) {
	i, ok := s.ix[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, false
	}
	return &table[i], true
}

// IsColumn tells whether name is a known code or alias.
func (s *Schema) IsColumn(name string) bool {
	_, ok := s.Lookup(name)
	return ok
}

// HashOrder lists the codes the server hashes, in its order.
func (s *Schema) HashOrder() []string { return s.order }

// Suggest proposes the closest known name to an unknown one, or "".
func (s *Schema) Suggest(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	best, bestD := "", 3
	for i := range table {
		for _, cand := range []string{table[i].Code, table[i].Alias} {
			if cand == "" {
				continue
			}
			if d := distance(name, cand); d < bestD || (d == bestD && best != "" && len(cand) < len(best)) {
				best, bestD = cand, d
			}
		}
	}
	if bestD > 2 || (bestD == 2 && len(name) < 5) {
		return ""
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
