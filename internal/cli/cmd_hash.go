package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/morbulk/morbulk/internal/mor"
	"github.com/morbulk/morbulk/internal/schema"
)

func (a *app) hashCmd() *cobra.Command {
	var mode, profile, secretFile string
	var explain bool
	cmd := &cobra.Command{
		Use:   "hash [--mode full|legacy] [--profile P] [--explain] KEY=VALUE...",
		Short: "Compute the hash of a user_update_api request, to check it by hand",
		Long: `Hash computes the SHA-1 a MOR server expects for user_update_api parameters,
exactly as given (values are not validated, only warned about). It prints the
hashed parameters in the server's order, the concatenated string with the secret
masked, and, as the last line of stdout, the 40-character hash alone.

The secret comes from MORBULK_SECRET or --secret-file, never from a flag.
--explain checks the values against the usual causes of "Incorrect hash".

` + exitStatus(map[int]string{ExitOK: "the hash was printed"}, ExitOK, ExitUsage),
		Example: `  MORBULK_SECRET=secret morbulk hash user_id=42 u23=John u17=Smith u15=1 credit=10.5 a8=john@example.com
  MORBULK_SECRET=secret morbulk hash --mode legacy user_id=3 u28=0
  morbulk hash --secret-file key.txt --explain user_id=007 pgui=1 u15=1
  # the hash alone, for a curl command
  h=$(MORBULK_SECRET=secret morbulk hash user_id=6 u15=0 u25=1 | tail -n1)`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.run(cmd)
			secret, err := credential(a.env.Getenv, secretFile, "MORBULK_SECRET", "")
			if err != nil {
				return err
			}
			if secret == "" {
				return usagef("no secret: set MORBULK_SECRET or give --secret-file")
			}
			prof, err := mor.ParseProfile(profile)
			if err != nil {
				return usageError{fmt.Errorf("--profile: %w", err)}
			}
			hm := prof.HashMode
			if mode != "" {
				if hm, err = mor.ParseHashMode(mode); err != nil {
					return usageError{fmt.Errorf("--mode: %w", err)}
				}
			}
			var ps mor.Params
			for _, arg := range args {
				k, v, ok := strings.Cut(arg, "=")
				if !ok || k == "" {
					return usagef("argument %q: write KEY=VALUE", arg)
				}
				ps = append(ps, mor.Param{Key: k, Value: v})
			}
			ps = a.codesOf(ps)
			h := mor.NewHasher().Hash(hm, prof.Hashable(ps), secret)
			out := a.env.Stdout
			fmt.Fprintf(out, "mode: %s\n", h.Mode)
			fmt.Fprintln(out, "hashed, in the server's order:")
			var concat strings.Builder
			for _, p := range h.Parts {
				v := p.Value
				if p.Key == "pswd" {
					v = mor.Mask(v)
				}
				fmt.Fprintf(out, "  %-12s %s\n", p.Key, v)
				concat.WriteString(v)
			}
			concat.WriteString(mor.Mask(secret))
			fmt.Fprintf(out, "string: %s\n", concat.String())
			if explain {
				fmt.Fprintln(out, "explain:")
				for _, line := range mor.ExplainHash(ps, hm, secret) {
					fmt.Fprintf(out, "  - %s\n", line)
				}
			}
			fmt.Fprintln(out, h.Hex)
			return nil
		},
	}
	cmd.Flags().StringVar(&mode, "mode", "", "hash mode: full (every hashed parameter) or legacy (user_id only); default: the profile's")
	cmd.Flags().StringVar(&profile, "profile", "", "server era: mor11, mor12, x3 or x4 (default: full hash)")
	cmd.Flags().StringVar(&secretFile, "secret-file", "", "file holding the API secret key (default: MORBULK_SECRET)")
	cmd.Flags().BoolVar(&explain, "explain", false, "check the values against the usual causes of Incorrect hash")
	return cmd
}

// codesOf puts each key on the wire name the server hashes: a readable
// alias becomes its code (said on stderr), and unknown or never-hashed keys
// are kept with a warning, without refusing anything.
func (a *app) codesOf(ps mor.Params) mor.Params {
	s := schema.New()
	out := make(mor.Params, len(ps))
	for i, p := range ps {
		out[i] = p
		par, ok := s.Lookup(p.Key)
		switch {
		case !ok:
			a.log.Warn().Str("key", p.Key).Msg("not a user_update_api parameter: morbulk never sends it; if the server knows the name it changes the hash (see --explain)")
		case par.Code != p.Key:
			a.log.Warn().Str("key", p.Key).Msg(p.Key + " is the readable name of " + par.Code + ": hashed as " + par.Code + ", the name sent on the wire")
			out[i].Key = par.Code
		case !par.Hashed():
			a.log.Warn().Str("key", p.Key).Msg("the server never hashes " + p.Key + " (it is sent, but left out of the hash)")
		}
	}
	return out
}
