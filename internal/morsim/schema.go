package morsim

import (
	"fmt"
	"strings"
)

// colKind is the SQL type family of a column.
type colKind int

const (
	kInt colKind = iota
	kFloat
	kText
)

func (k colKind) sql() string {
	switch k {
	case kInt:
		return "INTEGER"
	case kFloat:
		return "REAL"
	}
	return "TEXT"
}

// column is one column of a MOR table: name, type and stock default (SQL literal, "" = NULL).
type column struct {
	name string
	kind colKind
	def  string
}

// userColumns mirrors MOR's users table (doc §8) with the stock defaults seen
// in MOR's test dump (credit -1, block_at 2008-01-01, block_at_conditional 15, ...).
var userColumns = []column{
	{"id", kInt, ""}, {"username", kText, "''"}, {"password", kText, "''"}, {"usertype", kText, "'user'"},
	{"logged", kInt, "0"}, {"first_name", kText, "''"}, {"last_name", kText, "''"},
	{"calltime_normative", kFloat, "3"}, {"show_in_realtime_stats", kInt, "0"},
	{"balance", kFloat, "0"}, {"frozen_balance", kFloat, "0"}, {"lcr_id", kInt, "1"},
	{"postpaid", kInt, "1"}, {"blocked", kInt, "0"}, {"tariff_id", kInt, ""},
	{"month_plan_perc", kFloat, "0"}, {"month_plan_updated", kText, ""},
	{"sales_this_month", kInt, "0"}, {"sales_this_month_planned", kInt, "0"}, {"show_billing_info", kInt, "1"},
	{"primary_device_id", kInt, "0"}, {"credit", kFloat, "-1"}, {"clientid", kText, "''"},
	{"agreement_number", kText, "''"}, {"agreement_date", kText, ""}, {"language", kText, "''"},
	{"taxation_country", kInt, ""}, {"vat_number", kText, "''"}, {"vat_percent", kFloat, "0"},
	{"address_id", kInt, ""}, {"accounting_number", kText, "''"}, {"owner_id", kInt, "0"},
	{"hidden", kInt, "0"}, {"allow_loss_calls", kInt, "0"}, {"vouchers_disabled_till", kText, ""},
	{"uniquehash", kText, ""}, {"temporary_id", kInt, ""}, {"send_invoice_types", kInt, "1"},
	{"call_limit", kInt, "0"}, {"sms_tariff_id", kInt, ""}, {"sms_lcr_id", kInt, ""},
	{"sms_service_active", kInt, "0"}, {"cyberplat_active", kInt, "0"}, {"call_center_agent", kInt, "0"},
	{"generate_invoice", kInt, "1"}, {"tax_1", kFloat, "0"}, {"tax_2", kFloat, "0"}, {"tax_3", kFloat, "0"},
	{"tax_4", kFloat, "0"}, {"block_at", kText, "'2008-01-01'"}, {"block_at_conditional", kInt, "15"},
	{"block_conditional_use", kInt, "0"}, {"recording_enabled", kInt, "0"},
	{"recording_forced_enabled", kInt, "0"}, {"recordings_email", kText, ""},
	{"recording_hdd_quota", kInt, "100"}, {"warning_email_active", kInt, "0"},
	{"warning_email_balance", kFloat, "0"}, {"warning_email_sent", kInt, "0"}, {"tax_id", kInt, ""},
	{"invoice_zero_calls", kInt, "1"}, {"acc_group_id", kInt, "0"}, {"hide_destination_end", kInt, "-1"},
	{"warning_email_hour", kInt, "-1"}, {"warning_balance_call", kInt, "0"},
	{"warning_balance_sound_file_id", kInt, "0"}, {"own_providers", kInt, "0"},
	{"ignore_global_monitorings", kInt, "0"}, {"currency_id", kInt, "1"},
	{"quickforwards_rule_id", kInt, "0"}, {"spy_device_id", kInt, "0"}, {"time_zone", kText, "''"},
	{"minimal_charge", kInt, "0"}, {"minimal_charge_start_at", kText, ""},
}

// addressColumns mirrors MOR's addresses table (users.address_id).
var addressColumns = []column{
	{"id", kInt, ""}, {"direction_id", kInt, ""}, {"address", kText, ""}, {"city", kText, ""},
	{"postcode", kText, ""}, {"state", kText, ""}, {"county", kText, ""}, {"phone", kText, ""},
	{"mob_phone", kText, ""}, {"fax", kText, ""}, {"email", kText, ""},
}

// taxColumns mirrors MOR's taxes table (users.tax_id).
var taxColumns = []column{
	{"id", kInt, ""}, {"tax1_enabled", kInt, "1"}, {"tax2_enabled", kInt, "0"}, {"tax3_enabled", kInt, "0"},
	{"tax4_enabled", kInt, "0"}, {"tax1_name", kText, "'TAX'"}, {"tax2_name", kText, "''"},
	{"tax3_name", kText, "''"}, {"tax4_name", kText, "''"}, {"total_tax_name", kText, "'TAX'"},
	{"tax1_value", kFloat, "0"}, {"tax2_value", kFloat, "0"}, {"tax3_value", kFloat, "0"},
	{"tax4_value", kFloat, "0"}, {"compound_tax", kInt, "1"},
}

func columnMap(cols []column) map[string]column {
	m := make(map[string]column, len(cols))
	for _, c := range cols {
		m[c.name] = c
	}
	return m
}

var (
	userColumnByName    = columnMap(userColumns)
	addressColumnByName = columnMap(addressColumns)
	taxColumnByName     = columnMap(taxColumns)
)

func createTable(name string, cols []column, extra ...string) string {
	parts := make([]string, 0, len(cols)+len(extra))
	for _, c := range cols {
		s := c.name + " " + c.kind.sql()
		if c.name == "id" {
			s += " PRIMARY KEY"
		} else if c.def != "" {
			s += " DEFAULT " + c.def
		}
		parts = append(parts, s)
	}
	parts = append(parts, extra...)
	return fmt.Sprintf("CREATE TABLE %s (\n  %s\n)", name, strings.Join(parts, ",\n  "))
}

// schemaDDL creates every table of a new simulator database (doc §8).
func schemaDDL() []string {
	return []string{
		createTable("users", userColumns),
		// MySQL's default collation is case-insensitive, so is MOR's username lookup.
		`CREATE UNIQUE INDEX users_username ON users(username COLLATE NOCASE)`,
		`CREATE INDEX users_owner ON users(owner_id)`,
		createTable("addresses", addressColumns),
		createTable("taxes", taxColumns),
		`CREATE TABLE currencies (id INTEGER PRIMARY KEY, name TEXT NOT NULL, full_name TEXT DEFAULT '',
		  exchange_rate REAL DEFAULT 1, active INTEGER DEFAULT 1)`,
		`CREATE TABLE tariffs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, purpose TEXT DEFAULT 'user',
		  owner_id INTEGER DEFAULT 0, currency TEXT DEFAULT 'USD')`,
		`CREATE TABLE directions (id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT DEFAULT '')`,
		`CREATE TABLE acc_groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT DEFAULT '',
		  group_type TEXT DEFAULT 'accountant', only_view INTEGER DEFAULT 0)`,
		`CREATE TABLE acc_rights (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, nice_name TEXT DEFAULT '',
		  permission_group TEXT DEFAULT '', right_type TEXT DEFAULT 'accountant')`,
		`CREATE TABLE acc_group_rights (id INTEGER PRIMARY KEY, acc_group_id INTEGER NOT NULL,
		  acc_right_id INTEGER NOT NULL, value INTEGER DEFAULT 0, UNIQUE(acc_group_id, acc_right_id))`,
		`CREATE TABLE conflines (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT, value2 TEXT,
		  owner_id INTEGER NOT NULL DEFAULT 0, UNIQUE(name, owner_id))`,
		`CREATE TABLE actions (id INTEGER PRIMARY KEY, date TEXT NOT NULL, user_id INTEGER, action TEXT NOT NULL,
		  data TEXT DEFAULT '', data2 TEXT DEFAULT '', target_type TEXT DEFAULT '', target_id INTEGER)`,
	}
}

// accRights are the accountant rights the API consults, with their GUI names
// (doc §3.3, §6); seeds may grant only these.
var accRights = []struct{ name, nice string }{
	{"user_manage", "Manage_Users"},
	{"user_create_opt_1", "User_Password"},
	{"user_create_opt_2", "User_Type"},
	{"user_create_opt_3", "User_Lrc"},
	{"user_create_opt_4", "User_Tariff"},
	{"user_create_opt_5", "User_Balance"},
	{"user_create_opt_6", "User_Payment_type"},
	{"user_create_opt_7", "User_Call_limit"},
	{"see_financial_data", "See_Financial_Data"},
	{"invoices_manage", "Manage_Invoices"},
	{"payments_manage", "Manage_Payments"},
}

// Confline names the simulator reads (doc §7.1); owner 0 is the admin's.
const (
	ConfAllowAPI            = "Allow_API"
	ConfAllowGETAPI         = "Allow_GET_API"
	ConfAPISecretKey        = "API_Secret_Key"
	ConfDisableHashChecking = "API_Disable_hash_checking"
	ConfXMLAPIExtension     = "XML_API_Extension"
	// ConfPasswordLength is Default_User_password_length (X3 notice 7e).
	ConfPasswordLength = "Default_User_password_length"
	// ConfUsernameLength is Default_User_username_length (X3 notice 7f).
	ConfUsernameLength = "Default_User_username_length"
	// ConfRecordingsAddon and ConfMonitoringsAddon switch the add-ons whose
	// parameters (u20, recording_*, ignore_global_monitorings) are applied.
	ConfRecordingsAddon  = "REC_Active"
	ConfMonitoringsAddon = "MA_Active"
	// ConfProfile is the simulator's own setting: the profile chosen at seeding.
	ConfProfile = "Sim_Profile"
)
