package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/morbulk/morbulk/internal/schema"
)

func (a *app) schemaCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "schema [--format table|json|csv|yaml]",
		Short: "Print the parameter table of user_update_api, or a template file",
		Long: `Schema prints every parameter morbulk knows: its code (what MOR expects), its
readable alias (accepted in headers and YAML keys as well), its kind, the allowed
values, the length limit, its position in the server's hash order and what it
does. Headers and keys are trimmed and matched in any case.

  --format table  the table (default)
  --format json   the table as JSON
  --format csv    an empty CSV template with every column
  --format yaml   a commented YAML example

` + exitStatus(map[int]string{ExitOK: "the table or template was printed"}, ExitOK, ExitUsage),
		Example: `  morbulk schema
  morbulk schema --format csv > template.csv
  morbulk schema --format yaml > changes.yaml
  morbulk schema --format json | jq '.[] | select(.kind=="flag") | .code'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.run(cmd)
			return writeSchema(a.env.Stdout, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json, csv or yaml")
	completeWords(cmd, "format", "table", "json", "csv", "yaml")
	return cmd
}

func writeSchema(w io.Writer, format string) error {
	t := schema.Table()
	switch format {
	case "table":
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tALIAS\tKIND\tALLOWED\tMAX LEN\tHASH\tDESCRIPTION")
		for i := range t {
			p := &t[i]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Code, dash(p.Alias), p.Kind, p.Allowed(), maxLen(p), hashPos(p), p.Desc)
		}
		return tw.Flush()
	case "json":
		type entry struct {
			Code    string   `json:"code"`
			Alias   string   `json:"alias,omitempty"`
			Kind    string   `json:"kind"`
			Allowed string   `json:"allowed"`
			Values  []string `json:"values,omitempty"`
			Min     *int64   `json:"min,omitempty"`
			Max     *int64   `json:"max,omitempty"`
			MaxLen  int      `json:"max_length,omitempty"`
			Hash    *int     `json:"hash_position"`
			Column  string   `json:"column"`
			Desc    string   `json:"description"`
		}
		out := make([]entry, 0, len(t))
		for i := range t {
			p := &t[i]
			e := entry{Code: p.Code, Alias: p.Alias, Kind: p.Kind.String(), Allowed: p.Allowed(), Values: p.Values, MaxLen: p.MaxLen, Column: p.Column, Desc: p.Desc}
			if p.Kind == schema.KindInt || p.Kind == schema.KindID {
				lo, hi := p.Min, p.Max
				e.Min = &lo
				if hi > 0 {
					e.Max = &hi
				}
			}
			if p.Hashed() {
				h := p.Hash
				e.Hash = &h
			}
			out = append(out, e)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		cw := csv.NewWriter(w)
		head := make([]string, len(t))
		for i := range t {
			head[i] = t[i].Code
		}
		cw.Write(head)
		cw.Flush()
		return cw.Error()
	case "yaml":
		var b strings.Builder
		b.WriteString("# morbulk change file: a list of items, one per user.\n")
		b.WriteString("# Keys are parameter codes or their aliases; leave a key out to keep the current value.\n")
		b.WriteString("# Quote text that YAML would read otherwise: 'No', 'Null', '0012'.\n")
		b.WriteString("- user_id: 1001        # required: the user to change\n")
		for i := range t {
			p := &t[i]
			if p.Code == "user_id" {
				continue
			}
			fmt.Fprintf(&b, "  # %s: %-8s # %s (%s; %s)\n", p.Name(), example(p), p.Desc, p.Code, p.Allowed())
		}
		b.WriteString("- user_id: 1002\n  u17: 'Smith'          # last_name\n  credit: 25.50\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	return usagef("--format %q: use table, json, csv or yaml", format)
}

func example(p *schema.Param) string {
	switch p.Kind {
	case schema.KindFlag:
		return "1"
	case schema.KindBit:
		return fmt.Sprint(p.Max)
	case schema.KindDecimal:
		return "10.50"
	case schema.KindEnum:
		return p.Values[0]
	case schema.KindYear:
		return "2027"
	case schema.KindMonth, schema.KindDay:
		return "1"
	case schema.KindEmail:
		return "ann@example.com"
	case schema.KindInt:
		return fmt.Sprint(p.Min)
	case schema.KindID:
		return "2"
	}
	return "'text'"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func maxLen(p *schema.Param) string {
	if p.MaxLen == 0 {
		return "-"
	}
	return fmt.Sprint(p.MaxLen)
}

func hashPos(p *schema.Param) string {
	if !p.Hashed() {
		return "never"
	}
	return fmt.Sprint(p.Hash)
}
