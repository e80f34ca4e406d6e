package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
)

// version is stamped at build time with -ldflags "-X ...cli.version=...".
// It is the one package-level variable, because the linker can only set those.
var version = "dev"

// app holds what every command shares.
type app struct {
	env       Env
	logLevel  string
	logFormat string
	log       zerolog.Logger
	ran       bool // a command's RunE started: later errors are not usage errors
}

// Main runs morbulk with args and returns the exit status.
func Main(args []string, env Env) int {
	a := &app{env: env.withDefaults()}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(a.env.Stdin)
	root.SetOut(a.env.Stdout)
	root.SetErr(a.env.Stderr)
	cmd, err := root.ExecuteContextC(context.Background())
	if err != nil && !a.ran {
		if _, ok := err.(usageError); !ok {
			err = usageError{err}
		}
	}
	hint := ""
	if !a.ran && cmd != nil {
		hint = cmd.CommandPath()
	}
	return exitCode(err, a.env.Stderr, hint)
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "morbulk",
		Short: "Change user accounts of a Kolmisoft MOR billing server in bulk",
		Long: `morbulk reads rows of changes from CSV or YAML files, checks every row against
the full parameter schema of MOR's user_update_api, applies the valid rows
through paced concurrent workers, and reports one result per input row.

Start with 'morbulk schema' to see the columns, 'morbulk validate' to check a
file without touching any server, and 'morbulk apply --sim' to rehearse on the
built-in simulator.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(a.env.Stderr, a.logLevel, a.logFormat)
			if err != nil {
				return usageError{err}
			}
			a.log = log
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		msg := err.Error()
		if i := strings.Index(msg, "' in -"); strings.HasPrefix(msg, "unknown shorthand flag: ") && i > 0 {
			// "unknown shorthand flag: 'p' in -pSecret" would echo what
			// followed the letter, perhaps a password: name the letter only.
			msg = msg[:i+1]
		} else if !strings.Contains(msg, "flag: --") || !(strings.Contains(msg, "password") || strings.Contains(msg, "secret") || strings.HasSuffix(msg, "key")) {
			return usageError{err}
		}
		return usagef("%s: credentials are not taken on the command line (they would show in the process list): "+
			"the password comes from MORBULK_PASSWORD or --password-file, the API secret key from MORBULK_SECRET or --secret-file", msg)
	})
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&a.logFormat, "log-format", "console", "log format: console or json")
	root.AddCommand(a.validateCmd(), a.schemaCmd())
	for _, add := range a.extraCommands() {
		root.AddCommand(add())
	}
	return root
}

// run marks the start of a command's own work and returns its context.
func (a *app) run(cmd *cobra.Command) context.Context {
	a.ran = true
	return cmd.Context()
}

// runInterruptible is run for commands without a two-stage shutdown of
// their own: the first interrupt cancels the returned context (the command
// then ends with status 130). stop releases the signal watch.
func (a *app) runInterruptible(cmd *cobra.Command) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(a.run(cmd))
	if a.env.Signals == nil {
		return ctx, func() { cancel(nil) }
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-a.env.Signals:
			cancel(ErrInterrupted)
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel(nil) }
}

func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || level == "" {
		return zerolog.Nop(), fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	var out io.Writer
	switch format {
	case "console":
		out = zerolog.ConsoleWriter{Out: w, NoColor: true, TimeFormat: "15:04:05"}
	case "json":
		out = w
	default:
		return zerolog.Nop(), fmt.Errorf("--log-format %q: use console or json", format)
	}
	return zerolog.New(out).Level(lvl).With().Timestamp().Logger(), nil
}
