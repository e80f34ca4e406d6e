// Command morbulk changes user accounts of a Kolmisoft MOR billing server in bulk.
package main

import (
	"os"

	"github.com/morbulk/morbulk/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], cli.OSEnv())) }
