package cli

import "github.com/spf13/cobra"

// extraCommands lists the commands beyond validate and schema.
func (a *app) extraCommands() []func() *cobra.Command {
	return []func() *cobra.Command{a.applyCmd, a.simCmd, a.hashCmd, a.doctorCmd, a.reportCmd}
}
