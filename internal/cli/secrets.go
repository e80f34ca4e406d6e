package cli

import (
	"fmt"
	"os"
	"strings"
)

// credential finds a password or key: in the file named by a flag, else in
// the environment variable env, else in the file named by the config entry.
// Credentials are never accepted as flag values: those show in process
// lists and shell history.
func credential(getenv func(string) string, flagFile, env, configFile string) (string, error) {
	if flagFile != "" {
		return readCredential(flagFile)
	}
	if v := getenv(env); v != "" {
		return v, nil
	}
	if configFile != "" {
		return readCredential(configFile)
	}
	return "", nil
}

// readCredential returns the first line of a file, without its line end.
func readCredential(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", usageError{fmt.Errorf("read credential file: %w", err)}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}
