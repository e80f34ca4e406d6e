// Command gencsv writes a realistic change file of N rows and 12 columns for
// the benchmarks: gencsv -rows 1000000 > big.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "data rows to write")
	bad := flag.Int("bad-every", 50, "make every Nth row invalid (0: none)")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	first := []string{"Anna", "Ben", "Carla", "Dmitri", "Eva", "Felix", "Greta", "Hugo", "Ines", "Jonas"}
	last := []string{"Smith", "Müller", "Dupont", "Rossi", "Nowak", "García", "Jensen", "Kowalski", "O'Brien", "Lee"}
	city := []string{"Vilnius", "Berlin", "Paris", "Rome", "Warsaw", "Madrid", "Oslo", "Dublin", "London", "Boston"}
	fmt.Fprintln(w, "user_id,u4,u5,u15,u17,u23,a1,a7,a8,credit,tax1_value,u25")
	for i := 1; i <= *rows; i++ {
		id := 100000 + i
		credit := fmt.Sprintf("%d.%02d", i%500, i%100)
		email := fmt.Sprintf("user%d@example.com", id)
		if *bad > 0 && i%*bad == 0 {
			credit = "1,5" // an unquoted decimal comma: a 13th field, which every contender must flag
		}
		fmt.Fprintf(w, "%d,%d,%d,%d,%s,%s,%s,+3706%07d,%s,%s,%d.5,%d\n",
			id, 1+i%2, 2, i%2, last[i%10], first[(i/10)%10], city[(i/100)%10], i%10000000, email, credit, i%25, i%2)
	}
}
