// Package cli wires morbulk together: the cobra commands and their flags,
// the environment and config file, the logger, signals, and the one place
// where errors become exit codes. Each command is a thin shell around a
// plain run function that tests call in process.
package cli
