package cli

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// serverEntry is one named server in the config file.
type serverEntry struct {
	URL          string  `yaml:"url"`
	User         string  `yaml:"user"`
	Profile      string  `yaml:"profile"`
	HashMode     string  `yaml:"hash_mode"`
	Rate         float64 `yaml:"rate"`
	Workers      int     `yaml:"workers"`
	PasswordFile string  `yaml:"password_file"`
	SecretFile   string  `yaml:"secret_file"`
}

// configFile is the optional YAML config: named server entries.
type configFile struct {
	Default string                 `yaml:"default"`
	Servers map[string]serverEntry `yaml:"servers"`
}

// loadServer reads the config file and picks one entry: name, else the
// file's default, else the only entry. An empty path gives a zero entry.
func loadServer(path, name string) (serverEntry, error) {
	if path == "" {
		if name != "" {
			return serverEntry{}, usagef("--server %q needs a config file (--config or MORBULK_CONFIG)", name)
		}
		return serverEntry{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return serverEntry{}, usageError{fmt.Errorf("read config: %w", err)}
	}
	var cf configFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&cf); err != nil {
		msg := configKeyText(err.Error())
		if strings.Contains(msg, `key "password"`) || strings.Contains(msg, `key "secret`) {
			return serverEntry{}, usagef("config %s: credentials are not written in the config: name files holding them with password_file and secret_file (%s)", path, msg)
		}
		return serverEntry{}, usagef("config %s: %s", path, msg)
	}
	if name == "" {
		name = cf.Default
	}
	if name == "" && len(cf.Servers) == 1 {
		for n := range cf.Servers {
			name = n
		}
	}
	e, ok := cf.Servers[name]
	if !ok {
		names := make([]string, 0, len(cf.Servers))
		for n := range cf.Servers {
			names = append(names, n)
		}
		sort.Strings(names)
		return serverEntry{}, usagef("config %s: no server %q (it has: %s); choose one with --server", path, name, strings.Join(names, ", "))
	}
	return e, nil
}

// configKeyText turns yaml.v3's unknown-field errors into words about keys.
func configKeyText(msg string) string {
	return strings.NewReplacer(
		"yaml: unmarshal errors:\n  ", "",
		"\n  ", "; ",
		" not found in type cli.serverEntry", `" is not a server key (url, user, profile, hash_mode, rate, workers, password_file, secret_file)`,
		" not found in type cli.configFile", `" is not a top-level key (default, servers)`,
		"field ", `key "`,
	).Replace(msg)
}
