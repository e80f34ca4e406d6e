package morsim

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Seed is the initial content of a new simulator database. It is read from
// YAML (see samples/seed.yaml); unknown keys are errors.
type Seed struct {
	Profile    string          `yaml:"profile"`
	Settings   SeedSettings    `yaml:"settings"`
	Currencies []SeedCurrency  `yaml:"currencies"`
	Tariffs    []SeedTariff    `yaml:"tariffs"`
	Directions []SeedDirection `yaml:"directions"`
	AccGroups  []SeedAccGroup  `yaml:"acc_groups"`
	// Users carry any users column, address field or tax field by its MOR
	// name, plus password (plain, stored as SHA1), password_sha1, and for
	// resellers api_secret_key, disable_hash_checking and allow_api.
	Users []SeedUser `yaml:"users"`
	// Faults, if present, are the initial fault injection settings.
	Faults *Faults `yaml:"faults"`
}

// SeedSettings are the admin's (owner 0) API settings.
type SeedSettings struct {
	AllowAPI            *bool  `yaml:"allow_api"` // default true
	AllowGETAPI         bool   `yaml:"allow_get_api"`
	APISecretKey        string `yaml:"api_secret_key"`
	DisableHashChecking bool   `yaml:"disable_hash_checking"`
	XMLAPIExtension     bool   `yaml:"xml_api_extension"`
	PasswordMinLength   int    `yaml:"password_min_length"` // X3 notice 7e; default 6
	UsernameMinLength   int    `yaml:"username_min_length"` // X3 notice 7f; default 1
	RecordingsAddon     *bool  `yaml:"recordings_addon"`    // default true
	MonitoringsAddon    *bool  `yaml:"monitorings_addon"`   // default true
}

// SeedCurrency is a currencies row.
type SeedCurrency struct {
	ID           int64   `yaml:"id"`
	Name         string  `yaml:"name"`
	FullName     string  `yaml:"full_name"`
	ExchangeRate float64 `yaml:"exchange_rate"`
}

// SeedTariff is a tariffs row; Purpose defaults to "user", Currency to "USD".
type SeedTariff struct {
	ID       int64  `yaml:"id"`
	Name     string `yaml:"name"`
	Purpose  string `yaml:"purpose"`
	OwnerID  int64  `yaml:"owner_id"`
	Currency string `yaml:"currency"`
}

// SeedDirection is a directions row (a country); used for u14 and a6.
type SeedDirection struct {
	ID   int64  `yaml:"id"`
	Name string `yaml:"name"`
	Code string `yaml:"code"`
}

// SeedAccGroup is an accountant (or reseller) group and its rights
// (right name -> 0 disabled, 1 read, 2 read/edit).
type SeedAccGroup struct {
	ID          int64          `yaml:"id"`
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	GroupType   string         `yaml:"group_type"`
	OnlyView    bool           `yaml:"only_view"`
	Rights      map[string]int `yaml:"rights"`
}

// SeedUser is one users row by MOR column name (see Seed.Users).
type SeedUser map[string]any

var seedTopKeys = []string{"profile", "settings", "currencies", "tariffs", "directions", "acc_groups", "users", "faults"}

// seedUserExtraKeys are the user keys that are not users columns.
var seedUserExtraKeys = map[string]bool{"password_sha1": true, "api_secret_key": true,
	"disable_hash_checking": true, "allow_api": true}

var validUsertypes = map[string]bool{"admin": true, "reseller": true, "accountant": true, "user": true}

// LoadSeed reads and checks a seed YAML file.
func LoadSeed(path string) (*Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read seed: %w", err)
	}
	s, err := ParseSeed(b)
	if err != nil {
		return nil, fmt.Errorf("seed %q: %w", path, err)
	}
	return s, nil
}

// ParseSeed parses and checks seed YAML. Unknown top-level keys, user keys,
// acc group rights and duplicate ids or usernames are reported by name.
func ParseSeed(b []byte) (*Seed, error) {
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("parse seed: %w", err)
	}
	var unknown []string
	for k := range top {
		if !contains(seedTopKeys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("unknown top-level seed key(s) %s (known: %s): %w",
			strings.Join(unknown, ", "), strings.Join(seedTopKeys, ", "), ErrBadSeed)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var s Seed
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse seed: %w", err)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// check validates a seed before anything is written.
func (s *Seed) check() error {
	if s.Profile != "" {
		if _, err := lookupProfile(s.Profile); err != nil {
			return fmt.Errorf("seed profile: %w", err)
		}
	}
	rightNames := map[string]bool{}
	for _, r := range accRights {
		rightNames[r.name] = true
	}
	for _, g := range s.AccGroups {
		for r, v := range g.Rights {
			if !rightNames[r] {
				return fmt.Errorf("acc_group %d: unknown right %q: %w", g.ID, r, ErrBadSeed)
			}
			if v < 0 || v > 2 {
				return fmt.Errorf("acc_group %d: right %q = %d, want 0, 1 or 2: %w", g.ID, r, v, ErrBadSeed)
			}
		}
	}
	ids := map[int64]bool{}
	names := map[string]int64{}
	for i, u := range s.Users {
		var unknown []string
		for k := range u {
			_, col := userColumnByName[k]
			_, addr := addressColumnByName[k]
			_, tax := taxColumnByName[k]
			if !col && !(addr && k != "id") && !(tax && k != "id") && !seedUserExtraKeys[k] {
				unknown = append(unknown, k)
			}
		}
		id, err := seedInt(u["id"])
		if err != nil || u["id"] == nil {
			return fmt.Errorf("seed user #%d: id is required and must be an integer: %w", i+1, ErrBadSeed)
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return fmt.Errorf("seed user %d: unknown key(s) %s: %w", id, strings.Join(unknown, ", "), ErrBadSeed)
		}
		if ids[id] {
			return fmt.Errorf("seed user %d: duplicate id: %w", id, ErrBadSeed)
		}
		ids[id] = true
		name := fmt.Sprint(u["username"])
		if u["username"] == nil || strings.TrimSpace(name) == "" {
			return fmt.Errorf("seed user %d: username is required: %w", id, ErrBadSeed)
		}
		if other, dup := names[strings.ToLower(name)]; dup {
			return fmt.Errorf("seed user %d: username %q already used by user %d: %w", id, name, other, ErrBadSeed)
		}
		names[strings.ToLower(name)] = id
		if t, ok := u["usertype"]; ok && !validUsertypes[fmt.Sprint(t)] {
			return fmt.Errorf("seed user %d: usertype %q, want admin, reseller, accountant or user: %w", id, fmt.Sprint(t), ErrBadSeed)
		}
		for k, v := range u {
			c, ok := userColumnByName[k]
			if !ok {
				if c, ok = addressColumnByName[k]; !ok {
					c, ok = taxColumnByName[k]
				}
			}
			if ok {
				if _, err := seedValue(c, v); err != nil {
					return fmt.Errorf("seed user %d: %s: %w", id, k, err)
				}
			}
		}
	}
	return nil
}

func seedInt(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		if x != math.Trunc(x) {
			return 0, fmt.Errorf("%v is not an integer: %w", x, ErrBadSeed)
		}
		return int64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer: %w", x, ErrBadSeed)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%v (%T) is not an integer: %w", v, v, ErrBadSeed)
}

// seedValue converts a YAML value to the column's SQL value (nil = NULL).
func seedValue(c column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.kind {
	case kInt:
		return seedInt(v)
	case kFloat:
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number: %w", x, ErrBadSeed)
			}
			return f, nil
		}
		return nil, fmt.Errorf("%v (%T) is not a number: %w", v, v, ErrBadSeed)
	}
	switch x := v.(type) {
	case time.Time:
		return x.Format("2006-01-02"), nil
	case string:
		return x, nil
	case bool, int, int64, float64:
		return fmt.Sprint(x), nil
	}
	return nil, fmt.Errorf("%v (%T) is not a scalar: %w", v, v, ErrBadSeed)
}

// defaultSeed is used for a new database when no seed is given: the admin
// (admin/admin1, key "secret") and the stock currencies.
func defaultSeed() *Seed {
	return &Seed{
		Settings:   SeedSettings{APISecretKey: "secret"},
		Currencies: []SeedCurrency{{ID: 1, Name: "USD", FullName: "United States dollar"}, {ID: 2, Name: "EUR", FullName: "Euro"}},
		Users:      []SeedUser{{"id": 0, "username": "admin", "password": "admin1", "usertype": "admin"}},
	}
}

// defaultDirections is a realistic subset of MOR's directions (alphabetical
// countries with ISO-3 codes and the stock ids, doc §3.3 u14).
var defaultDirections = []SeedDirection{
	{1, "Afghanistan", "AFG"}, {2, "Albania", "ALB"}, {3, "Algeria", "DZA"}, {10, "Argentina", "ARG"},
	{13, "Australia", "AUS"}, {14, "Austria", "AUT"}, {18, "Bangladesh", "BGD"}, {21, "Belgium", "BEL"},
	{30, "Brazil", "BRA"}, {38, "Canada", "CAN"}, {44, "China", "CHN"}, {58, "Denmark", "DNK"},
	{68, "Estonia", "EST"}, {73, "Finland", "FIN"}, {74, "France", "FRA"}, {80, "Germany", "DEU"},
	{98, "India", "IND"}, {104, "Ireland", "IRL"}, {106, "Italy", "ITA"}, {107, "Japan", "JPN"},
	{120, "Latvia", "LVA"}, {123, "Lithuania", "LTU"}, {140, "Mexico", "MEX"}, {151, "Netherlands", "NLD"},
	{160, "Norway", "NOR"}, {172, "Poland", "POL"}, {173, "Portugal", "PRT"}, {177, "Russian Federation", "RUS"},
	{199, "Spain", "ESP"}, {205, "Sweden", "SWE"}, {206, "Switzerland", "CHE"}, {219, "Turkey", "TUR"},
	{223, "United Arab Emirates", "ARE"}, {224, "United Kingdom", "GBR"}, {225, "United States", "USA"},
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func boolDefault(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// apply writes the seed into a freshly created schema.
func (s *Seed) apply(ctx context.Context, tx *sql.Tx, profileName string) error {
	st := s.Settings
	pwLen, unLen := st.PasswordMinLength, st.UsernameMinLength
	if pwLen == 0 {
		pwLen = 6
	}
	if unLen == 0 {
		unLen = 1
	}
	conf := map[string]string{
		ConfAllowAPI:            boolStr(boolDefault(st.AllowAPI, true)),
		ConfAllowGETAPI:         boolStr(st.AllowGETAPI),
		ConfAPISecretKey:        st.APISecretKey,
		ConfDisableHashChecking: boolStr(st.DisableHashChecking),
		ConfXMLAPIExtension:     boolStr(st.XMLAPIExtension),
		ConfPasswordLength:      strconv.Itoa(pwLen),
		ConfUsernameLength:      strconv.Itoa(unLen),
		ConfRecordingsAddon:     boolStr(boolDefault(st.RecordingsAddon, true)),
		ConfMonitoringsAddon:    boolStr(boolDefault(st.MonitoringsAddon, true)),
		ConfProfile:             profileName,
	}
	for k, v := range conf {
		if err := setConfline(ctx, tx, k, 0, v); err != nil {
			return err
		}
	}
	currencies := s.Currencies
	if len(currencies) == 0 {
		currencies = defaultSeed().Currencies
	}
	for _, c := range currencies {
		rate := c.ExchangeRate
		if rate == 0 {
			rate = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO currencies(id,name,full_name,exchange_rate,active) VALUES(?,?,?,?,1)`,
			c.ID, c.Name, c.FullName, rate); err != nil {
			return fmt.Errorf("seed currency %d: %w", c.ID, err)
		}
	}
	dirs := s.Directions
	if len(dirs) == 0 {
		dirs = defaultDirections
	}
	for _, d := range dirs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO directions(id,name,code) VALUES(?,?,?)`, d.ID, d.Name, d.Code); err != nil {
			return fmt.Errorf("seed direction %d: %w", d.ID, err)
		}
	}
	for _, t := range s.Tariffs {
		purpose, cur := t.Purpose, t.Currency
		if purpose == "" {
			purpose = "user"
		}
		if cur == "" {
			cur = "USD"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tariffs(id,name,purpose,owner_id,currency) VALUES(?,?,?,?,?)`,
			t.ID, t.Name, purpose, t.OwnerID, cur); err != nil {
			return fmt.Errorf("seed tariff %d: %w", t.ID, err)
		}
	}
	rightID := map[string]int{}
	for i, r := range accRights {
		rightID[r.name] = i + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO acc_rights(id,name,nice_name) VALUES(?,?,?)`, i+1, r.name, r.nice); err != nil {
			return fmt.Errorf("seed acc_right %s: %w", r.name, err)
		}
	}
	for _, g := range s.AccGroups {
		gt := g.GroupType
		if gt == "" {
			gt = "accountant"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO acc_groups(id,name,description,group_type,only_view) VALUES(?,?,?,?,?)`,
			g.ID, g.Name, g.Description, gt, boolStr(g.OnlyView)); err != nil {
			return fmt.Errorf("seed acc_group %d: %w", g.ID, err)
		}
		for r, v := range g.Rights {
			if _, err := tx.ExecContext(ctx, `INSERT INTO acc_group_rights(acc_group_id,acc_right_id,value) VALUES(?,?,?)`,
				g.ID, rightID[r], v); err != nil {
				return fmt.Errorf("seed acc_group %d right %s: %w", g.ID, r, err)
			}
		}
	}
	for _, u := range s.Users {
		if err := u.insert(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// insert writes one seed user with its address, tax row and per-owner settings.
func (u SeedUser) insert(ctx context.Context, tx *sql.Tx) error {
	id, _ := seedInt(u["id"])
	user := map[string]any{}
	addr := map[string]any{}
	tax := map[string]any{}
	for k, v := range u {
		if c, ok := userColumnByName[k]; ok {
			val, err := seedValue(c, v)
			if err != nil {
				return fmt.Errorf("seed user %d: %s: %w", id, k, err)
			}
			user[k] = val
			continue
		}
		if c, ok := addressColumnByName[k]; ok {
			val, _ := seedValue(c, v)
			addr[k] = val
			continue
		}
		if c, ok := taxColumnByName[k]; ok {
			val, _ := seedValue(c, v)
			tax[k] = val
		}
	}
	if pw, ok := user["password"].(string); ok {
		user["password"] = sha1Hex(pw)
	}
	if h, ok := u["password_sha1"]; ok {
		user["password"] = strings.ToLower(fmt.Sprint(h))
	}
	if _, ok := user["uniquehash"]; !ok {
		user["uniquehash"] = sha1Hex(fmt.Sprintf("uniquehash-%d", id))[:10]
	}
	if len(addr) > 0 {
		aid, err := insertRow(ctx, tx, "addresses", addr)
		if err != nil {
			return fmt.Errorf("seed user %d address: %w", id, err)
		}
		user["address_id"] = aid
	}
	if len(tax) > 0 {
		tid, err := insertRow(ctx, tx, "taxes", tax)
		if err != nil {
			return fmt.Errorf("seed user %d taxes: %w", id, err)
		}
		user["tax_id"] = tid
	}
	if _, err := insertRow(ctx, tx, "users", user); err != nil {
		return fmt.Errorf("seed user %d: %w", id, err)
	}
	for key, conf := range map[string]string{"api_secret_key": ConfAPISecretKey,
		"disable_hash_checking": ConfDisableHashChecking, "allow_api": ConfAllowAPI} {
		v, ok := u[key]
		if !ok {
			continue
		}
		val := fmt.Sprint(v)
		if b, isBool := v.(bool); isBool {
			val = boolStr(b)
		}
		if err := setConfline(ctx, tx, conf, id, val); err != nil {
			return fmt.Errorf("seed user %d: %w", id, err)
		}
	}
	return nil
}
