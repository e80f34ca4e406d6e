package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/morbulk/morbulk/internal/morsim"
)

func (a *app) simCmd() *cobra.Command {
	var seed, db, listen, profile string
	var faults morsim.Faults
	cmd := &cobra.Command{
		Use:   "sim [--seed FILE] [--db FILE] [--listen ADDR] [--profile P]",
		Short: "Run the MOR-compatible simulator as an HTTP server",
		Long: `Sim runs a MOR-compatible server answering user_update_api (and, in the x4
profile, user_details_update and user_details_get) and user_details as MOR does in the chosen profile, with
its state in a SQLite file. It prints its base URL as the first line of stdout
and serves until Ctrl-C. An existing --db file is used as it is; the seed fills
only a new one. Fault injection flags make it fail on purpose, for rehearsals.

` + exitStatus(map[int]string{ExitOK: "the simulator stopped cleanly (Ctrl-C)"}, ExitOK, ExitError, ExitUsage),
		Example: `  morbulk sim --seed samples/seed.yaml --db reports/sim.db --listen 127.0.0.1:8080
  # in another terminal:
  h=$(MORBULK_SECRET=secret morbulk hash user_id=1001 u15=1 | tail -n1)
  curl -s -d u=admin -d p=admin1 -d user_id=1001 -d u15=1 -d hash=$h -d test=1 http://127.0.0.1:8080/billing/api/user_update_api
  # a flaky server: 50 ms latency, 10 % HTTP 503
  morbulk sim --latency 50ms --error503 0.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := a.run(cmd)
			if db == "" {
				db = "reports/sim-" + a.env.Now().Format("20060102-150405") + ".db"
			}
			sd, err := loadSeed(seed)
			if err != nil {
				return usageError{fmt.Errorf("simulator: %w", err)}
			}
			s, err := morsim.Open(ctx, morsim.Config{DBPath: db, Seed: sd, Profile: profile, Faults: faults, Logger: a.log})
			if err != nil {
				return usageError{fmt.Errorf("simulator: %w", err)}
			}
			defer s.Close()
			base, err := s.Start(ctx, listen)
			if err != nil {
				return usageError{fmt.Errorf("simulator: %w", err)}
			}
			fmt.Fprintln(a.env.Stdout, base)
			a.log.Info().Str("profile", s.Profile()).Str("db", db).Msg("simulator ready; Ctrl-C to stop")
			if a.env.Signals != nil {
				select {
				case <-a.env.Signals:
				case <-ctx.Done():
				}
			} else {
				<-ctx.Done()
			}
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return s.Shutdown(sctx)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&seed, "seed", "", "seed file used to fill a new database (default: the sample seed built in, samples/seed.yaml)")
	fl.StringVar(&db, "db", "", "SQLite file; an existing one is used as it is (default: a fresh file under reports/)")
	fl.StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on (127.0.0.1:0 for a random port)")
	fl.StringVar(&profile, "profile", "", "mor11, mor12, x3 or x4 (default: the seed's, else mor12)")
	fl.DurationVar(&faults.Latency, "latency", 0, "fixed latency added to every request")
	fl.DurationVar(&faults.Jitter, "jitter", 0, "random extra latency, up to this much")
	fl.Float64Var(&faults.Error500, "error500", 0, "share of requests answered HTTP 500 (0..1)")
	fl.Float64Var(&faults.Error502, "error502", 0, "share of requests answered HTTP 502")
	fl.Float64Var(&faults.Error503, "error503", 0, "share of requests answered HTTP 503")
	fl.Float64Var(&faults.TooMany429, "error429", 0, "share of requests answered HTTP 429 with Retry-After")
	fl.DurationVar(&faults.RetryAfter, "retry-after", 0, "the Retry-After sent with 429 and 503 (0: none)")
	fl.Float64Var(&faults.Drop, "drop", 0, "share of connections closed without an answer")
	fl.Float64Var(&faults.Hang, "hang", 0, "share of requests that never get an answer")
	return cmd
}
