package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/morbulk/morbulk/internal/mor"
	"github.com/morbulk/morbulk/internal/morsim"
	"github.com/morbulk/morbulk/samples"
)

// loadSeed reads the simulator seed named by a flag, or the sample seed
// built into the binary when none is named.
func loadSeed(path string) (*morsim.Seed, error) {
	if path == "" {
		return morsim.ParseSeed(samples.Seed())
	}
	return morsim.LoadSeed(path)
}

// connFlags say which server to talk to and how; apply and doctor share them.
type connFlags struct {
	url          string
	user         string
	passwordFile string
	secretFile   string
	profile      string
	hashMode     string
	noHash       bool
	method       string
	insecure     bool
	timeout      time.Duration
	config       string
	server       string

	sim        bool
	simSeed    string
	simDB      string
	simProfile string
}

func (f *connFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "MOR base URL, e.g. https://billing.example.com/billing (or MORBULK_URL)")
	fl.StringVar(&f.user, "user", "", "API user name: an admin, reseller or accountant (or MORBULK_USER)")
	fl.StringVar(&f.passwordFile, "password-file", "", "file holding the API user's password (default: MORBULK_PASSWORD)")
	fl.StringVar(&f.secretFile, "secret-file", "", "file holding the API secret key (default: MORBULK_SECRET)")
	fl.StringVar(&f.profile, "profile", "", "server era: mor11, mor12, x3 or x4 (default: full hash, user_update_api)")
	fl.StringVar(&f.hashMode, "hash-mode", "", "hash mode: full or legacy (user_id only, the earliest MOR 11)")
	fl.BoolVar(&f.noHash, "no-hash", false, "send no hash (the server has Disable hash checking on)")
	fl.StringVar(&f.method, "method", "POST", "HTTP method: POST, or GET (needs Allow GET API; writes credentials into access logs)")
	fl.BoolVar(&f.insecure, "insecure", false, "do not verify the server's TLS certificate (dangerous)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "deadline of one request, body included")
	fl.StringVar(&f.config, "config", "", "YAML config file with named servers (or MORBULK_CONFIG)")
	fl.StringVar(&f.server, "server", "", "which server entry of the config file to use")
	fl.BoolVar(&f.sim, "sim", false, "use the built-in MOR simulator on a loopback port instead of a real server")
	fl.StringVar(&f.simSeed, "sim-seed", "", "simulator seed file, used to fill a new database (default: the sample seed built in, samples/seed.yaml)")
	fl.StringVar(&f.simDB, "sim-db", "", "simulator SQLite file; an existing file is reused as it is (default: a fresh file under reports/)")
	fl.StringVar(&f.simProfile, "sim-profile", "", "simulator profile: mor11, mor12, x3 or x4 (default: the seed's, else mor12)")
	completeWords(cmd, "profile", "mor11", "mor12", "x3", "x4")
	completeWords(cmd, "sim-profile", "mor11", "mor12", "x3", "x4")
	completeWords(cmd, "hash-mode", "full", "legacy")
	completeWords(cmd, "method", "POST", "GET")
}

// completeWords makes shell completion offer words for a flag's value.
func completeWords(cmd *cobra.Command, flag string, words ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return words, cobra.ShellCompDirectiveNoFileComp
	})
}

// target is a connected server: the client, and the simulator when --sim.
type target struct {
	client  *mor.Client
	sim     *morsim.Sim
	baseURL string
	label   string // what to show in logs and reports: the URL or "simulator (profile)"
	simDB   string // the simulator's database file, "" for a real server
	user    string
	entry   serverEntry
	close   func()
}

// connect resolves flags, environment and config (in that order of
// precedence), starts the simulator when asked, and builds the client.
func (a *app) connect(ctx context.Context, f *connFlags) (*target, error) {
	getenv := a.env.Getenv
	cfgPath := firstOf(f.config, getenv("MORBULK_CONFIG"))
	entry, err := loadServer(cfgPath, f.server)
	if err != nil {
		return nil, err
	}
	url := firstOf(f.url, getenv("MORBULK_URL"), entry.URL)
	if f.sim && f.url != "" {
		return nil, usagef("give either --url or --sim, not both")
	}
	if !f.sim && url == "" {
		return nil, usagef("no server: give --url BASE (or MORBULK_URL, or a config file), or --sim for the built-in simulator")
	}
	user := firstOf(f.user, getenv("MORBULK_USER"), entry.User)
	password, err := credential(getenv, f.passwordFile, "MORBULK_PASSWORD", entry.PasswordFile)
	if err != nil {
		return nil, err
	}
	secret, err := credential(getenv, f.secretFile, "MORBULK_SECRET", entry.SecretFile)
	if err != nil {
		return nil, err
	}
	if m := strings.ToUpper(f.method); m != "POST" && m != "GET" {
		return nil, usagef("--method %q: use POST (the default) or GET", f.method)
	}
	if password == "" && firstOf(f.passwordFile, getenv("MORBULK_PASSWORD"), entry.PasswordFile) != "" {
		a.log.Warn().Msg("the API password is empty: check MORBULK_PASSWORD or the password file")
	}
	t := &target{entry: entry, close: func() {}}
	profileName := firstOf(f.profile, entry.Profile)
	if f.sim {
		seed, err := loadSeed(f.simSeed)
		if err != nil {
			return nil, usageError{fmt.Errorf("--sim-seed: %w", err)}
		}
		dbPath := f.simDB
		if dbPath == "" {
			dbPath = filepath.Join("reports", "sim-"+a.env.Now().Format("20060102-150405.000")+".db")
		}
		if err := os.MkdirAll(filepath.Dir(dbPath), 0o755); err != nil {
			return nil, fmt.Errorf("create simulator folder: %w", err)
		}
		sim, err := morsim.Open(ctx, morsim.Config{DBPath: dbPath, Seed: seed, Profile: f.simProfile})
		if err != nil {
			return nil, fmt.Errorf("start simulator: %w", err)
		}
		base, err := sim.Start(ctx, "127.0.0.1:0")
		if err != nil {
			sim.Close()
			return nil, fmt.Errorf("start simulator: %w", err)
		}
		t.sim, t.baseURL, t.simDB = sim, base, dbPath
		if abs, err := filepath.Abs(dbPath); err == nil {
			t.simDB = abs // the runs file keeps it: a resume may run from another folder
		}
		t.close = func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			sim.Shutdown(sctx)
			sim.Close()
		}
		t.label = fmt.Sprintf("simulator %s (profile %s, database %s)", base, sim.Profile(), dbPath)
		if user == "" {
			user = "admin"
		}
		sp, ss := seedCredentials(seed, user, sim.Profile())
		if password == "" {
			password = sp
		}
		if secret == "" {
			secret = ss
		}
		if profileName == "" {
			profileName = sim.Profile()
		}
		url = base
	} else {
		t.baseURL, t.label = url, url
	}
	if user == "" {
		t.close()
		return nil, usagef("no API user: give --user or MORBULK_USER")
	}
	if secret == "" && !f.noHash {
		t.close()
		return nil, usagef("no API secret key: set MORBULK_SECRET or give --secret-file (or --no-hash if the server has hash checking disabled)")
	}
	prof, err := mor.ParseProfile(profileName)
	if err != nil {
		t.close()
		return nil, usageError{fmt.Errorf("--profile: %w", err)}
	}
	cfg := mor.Config{BaseURL: url, User: user, Password: password, Secret: secret, Profile: prof,
		NoHash: f.noHash, Method: strings.ToUpper(f.method), Timeout: f.timeout}
	if hm := firstOf(f.hashMode, entry.HashMode); hm != "" {
		mode, err := mor.ParseHashMode(hm)
		if err != nil {
			t.close()
			return nil, usageError{fmt.Errorf("--hash-mode: %w", err)}
		}
		cfg.HashMode = mode
		cfg.Profile.HashMode = mode
	}
	if f.insecure {
		a.log.Warn().Msg("--insecure: the server's TLS certificate is NOT verified; anyone on the path can read the credentials")
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for with --insecure
		cfg.HTTPClient = &http.Client{Transport: tr}
	}
	if strings.ToUpper(f.method) == "GET" {
		a.log.Warn().Msg("--method GET puts the password and every value into the URL, which the server writes to its access logs; use POST unless the server refuses it")
	}
	c, err := mor.New(cfg)
	if err != nil {
		t.close()
		return nil, usageError{fmt.Errorf("client: %w", err)}
	}
	t.client, t.user = c, user
	stopSim := t.close
	t.close = func() { c.CloseIdleConnections(); stopSim() } // no keep-alive connection outlives the command
	return t, nil
}

// seedCredentials finds a seed user's plain password and the API key he
// uses: his own for a reseller, the admin's for everyone else. MOR 11 knows
// only the global (admin) key (doc §2.4).
func seedCredentials(seed *morsim.Seed, user, profile string) (password, secret string) {
	secret = seed.Settings.APISecretKey
	for _, u := range seed.Users {
		if fmt.Sprint(u["username"]) != user {
			continue
		}
		if p, ok := u["password"]; ok {
			password = fmt.Sprint(p)
		}
		if fmt.Sprint(u["usertype"]) == "reseller" && profile != "mor11" {
			if k, ok := u["api_secret_key"]; ok {
				secret = fmt.Sprint(k)
			}
		}
	}
	if secret == "" {
		secret = "secret"
	}
	return password, secret
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
