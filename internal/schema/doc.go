// Package schema owns the parameters of MOR's user_update_api: the one table
// that says, for every parameter, its code, readable alias, kind, allowed
// values, length limit, position in the server's hash order and meaning.
// Validation of a row, `morbulk schema`, the templates, the hash order and the
// documentation are all derived from that table.
package schema
