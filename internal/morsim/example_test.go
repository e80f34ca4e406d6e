package morsim_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/morbulk/morbulk/internal/morsim"
)

// Example starts a simulator from the default seed on a random loopback port
// and updates one user the way a client would.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "morsim")
	defer os.RemoveAll(dir)
	sim, err := morsim.Open(ctx, morsim.Config{
		DBPath:   filepath.Join(dir, "mor.db"),
		SeedPath: filepath.Join("..", "..", "samples", "seed.yaml"),
		Profile:  morsim.ProfileX3,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sim.Close()
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sim.Shutdown(ctx)

	// hash = SHA1(user_id + u23 + key) in the server's order.
	form := url.Values{"u": {"admin"}, "user_id": {"1001"}, "u23": {"Jane"},
		"hash": {sha1Hex("1001Jane" + "secret")}}
	res, err := http.Post(base+"/api/user_update_api", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Print(string(body))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <page>
	//   <status>User was updated</status>
	// </page>
}

func sha1Hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}
