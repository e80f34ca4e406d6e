package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/morbulk/morbulk/internal/mor"
)

func (a *app) doctorCmd() *cobra.Command {
	var conn connFlags
	var userID string
	cmd := &cobra.Command{
		Use:   "doctor [connection flags]",
		Short: "Check the server, the API settings, the login and the secret, changing nothing",
		Long: `Doctor checks, in the order the server does, that the server answers, that the
API is enabled and the method allowed, that the secret key gives the right hash
and that the login works, through the read-only call user_details. It says in
words what is wrong and what to do. It takes the same connection flags as apply.

` + exitStatus(map[int]string{ExitOK: "every check passed (warnings may be printed)", ExitStopped: "a check failed: the line marked FAIL says what to fix"}, ExitOK, ExitError, ExitUsage, ExitStopped),
		Example: `  export MORBULK_USER=api MORBULK_PASSWORD='...' MORBULK_SECRET='...'
  morbulk doctor --url https://billing.example.com/billing --profile x3
  morbulk doctor --sim
  morbulk doctor --sim --user reseller1 --user-id 2001`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := a.runInterruptible(cmd)
			defer stop()
			t, err := a.connect(ctx, &conn)
			if err != nil {
				return err
			}
			defer t.close()
			fmt.Fprintf(a.env.Stdout, "server: %s\nuser: %s, profile %s, hash %s\n", t.label, t.user, orDefault(t.client.Profile().Name), t.client.HashMode())
			failed, warned := false, 0
			checks := t.client.Doctor(ctx, userID)
			width := 0
			for _, c := range checks {
				width = max(width, len(c.Name))
			}
			for _, c := range checks {
				fmt.Fprintf(a.env.Stdout, "%-9s %-*s  %s\n", "["+c.State.String()+"]", width, c.Name, c.Detail)
				if c.Fix != "" {
					fmt.Fprintf(a.env.Stdout, "%-9s %-*s  fix: %s\n", "", width, "", c.Fix)
				}
				failed = failed || c.State == mor.CheckFail
				if c.State == mor.CheckWarn {
					warned++
				}
			}
			if failed {
				return ErrCheckFailed
			}
			if warned > 0 {
				// A warning is not a pass: on MOR 11/12 a wrong password only shows as one.
				fmt.Fprintf(a.env.Stdout, "no check failed, but %d warning(s): read the fix lines above\n", warned)
				return nil
			}
			fmt.Fprintln(a.env.Stdout, "all checks passed")
			return nil
		},
	}
	conn.register(cmd)
	cmd.Flags().StringVar(&userID, "user-id", "", "user to read (default 0, the admin; give one of yours when the API user is a reseller)")
	return cmd
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}
