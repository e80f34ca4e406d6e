package morsim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// openDB opens (creating if needed) the SQLite file in WAL mode with a busy
// timeout; write transactions take the lock at BEGIN.
func openDB(path string) (*sql.DB, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	return db, nil
}

// hasSchema tells whether the database already holds a simulator schema.
func hasSchema(ctx context.Context, q querier) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type='table' AND name='conflines'`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("inspect schema: %w", err)
	}
	return n > 0, nil
}

func setConfline(ctx context.Context, q querier, name string, owner int64, value string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO conflines(name,value,owner_id) VALUES(?,?,?)
		ON CONFLICT(name, owner_id) DO UPDATE SET value=excluded.value`, name, value, owner)
	if err != nil {
		return fmt.Errorf("set confline %s (owner %d): %w", name, owner, err)
	}
	return nil
}

// confline is Confline.get_value(name, owner): "" when missing.
func confline(ctx context.Context, q querier, name string, owner int64) (string, error) {
	var v sql.NullString
	err := q.QueryRowContext(ctx, `SELECT value FROM conflines WHERE name=? AND owner_id=?`, name, owner).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("get confline %s (owner %d): %w", name, owner, err)
	}
	return v.String, nil
}

// conflineOn is confline(...).to_i == 1.
func conflineOn(ctx context.Context, q querier, name string, owner int64) (bool, error) {
	v, err := confline(ctx, q, name, owner)
	return rubyToI(v) == 1, err
}

// insertRow inserts a row given by column name and returns its id.
func insertRow(ctx context.Context, q querier, table string, row map[string]any) (int64, error) {
	cols := make([]string, 0, len(row))
	for k := range row {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = row[c]
	}
	query := fmt.Sprintf("INSERT INTO %s(%s) VALUES(%s)", table, strings.Join(cols, ","),
		strings.TrimSuffix(strings.Repeat("?,", len(cols)), ","))
	if len(cols) == 0 {
		query = fmt.Sprintf("INSERT INTO %s DEFAULT VALUES", table)
	}
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("insert into %s: %w", table, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert into %s: %w", table, err)
	}
	return id, nil
}

// updateRow sets the given columns of one row.
func updateRow(ctx context.Context, q querier, table string, id int64, set map[string]any) error {
	if len(set) == 0 {
		return nil
	}
	cols := make([]string, 0, len(set))
	for k := range set {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	args := make([]any, 0, len(cols)+1)
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + "=?"
		args = append(args, set[c])
	}
	args = append(args, id)
	if _, err := q.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE id=?", table, strings.Join(parts, ",")), args...); err != nil {
		return fmt.Errorf("update %s %d: %w", table, id, err)
	}
	return nil
}

// Row is one database row by column name. Values are int64, float64, string
// or nil (NULL).
type Row map[string]any

// Int returns an integer column (0 for NULL; floats truncated).
func (r Row) Int(col string) int64 {
	switch v := r[col].(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	case string:
		return rubyToI(v)
	}
	return 0
}

// Float returns a numeric column (0 for NULL).
func (r Row) Float(col string) float64 {
	switch v := r[col].(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	case string:
		return rubyToF(v)
	}
	return 0
}

// Str returns a column as text ("" for NULL).
func (r Row) Str(col string) string {
	switch v := r[col].(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	case float64:
		return rubyFloatS(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return fmt.Sprint(r[col])
}

// IsNull tells whether the column is NULL (or absent).
func (r Row) IsNull(col string) bool { return r[col] == nil }

// loadRow reads one row; it returns nil, nil when there is none.
func loadRow(ctx context.Context, q querier, query string, args ...any) (Row, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	r := make(Row, len(cols))
	for i, c := range cols {
		if b, ok := vals[i].([]byte); ok {
			vals[i] = string(b)
		}
		r[c] = vals[i]
	}
	return r, rows.Err()
}

// UserRecord is a user with his address and tax rows (nil when he has none).
type UserRecord struct {
	User    Row
	Address Row
	Tax     Row
}

// Action is one audit row of the actions table.
type Action struct {
	ID       int64
	Date     string
	UserID   int64 // the caller, -1 for anonymous errors
	Action   string
	Data     string
	Data2    string
	TargetID int64
}

func loadUserRecord(ctx context.Context, q querier, id int64) (*UserRecord, error) {
	u, err := loadRow(ctx, q, `SELECT * FROM users WHERE id=?`, id)
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	if u == nil {
		return nil, nil
	}
	rec := &UserRecord{User: u}
	if !u.IsNull("address_id") {
		if rec.Address, err = loadRow(ctx, q, `SELECT * FROM addresses WHERE id=?`, u.Int("address_id")); err != nil {
			return nil, fmt.Errorf("load address of user %d: %w", id, err)
		}
	}
	if !u.IsNull("tax_id") {
		if rec.Tax, err = loadRow(ctx, q, `SELECT * FROM taxes WHERE id=?`, u.Int("tax_id")); err != nil {
			return nil, fmt.Errorf("load taxes of user %d: %w", id, err)
		}
	}
	return rec, nil
}

func addAction(ctx context.Context, q querier, userID int64, action, data, data2 string, target int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO actions(date,user_id,action,data,data2,target_type,target_id) VALUES(?,?,?,?,?,?,?)`,
		time.Now().UTC().Format("2006-01-02 15:04:05"), userID, action, data, data2, "user", target)
	if err != nil {
		return fmt.Errorf("add action %s: %w", action, err)
	}
	return nil
}
