package mor

import (
	"crypto/sha1" //nolint:gosec // the MOR API is defined with SHA-1.
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/morbulk/morbulk/internal/schema"
)

// HashMode selects how the request hash is built (doc §2).
type HashMode int

// The hash modes.
const (
	// HashDefault means "take the mode from the profile" in a Config; given to
	// Hasher.Hash directly it means HashFull.
	HashDefault HashMode = iota
	// HashLegacy is Mode L (MOR 11 as documented, Dec 2011): SHA1(user_id + key).
	HashLegacy
	// HashFull is Mode F (late MOR 11, MOR 12, X3 and later): every hashed
	// parameter present, in the server's order, then the key.
	HashFull
)

// String is the name used by --hash-mode.
func (m HashMode) String() string {
	switch m {
	case HashLegacy:
		return "legacy"
	case HashFull:
		return "full"
	default:
		return "default"
	}
}

// ParseHashMode reads "legacy" or "full" (any case); "" gives HashDefault.
func ParseHashMode(s string) (HashMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return HashDefault, nil
	case "legacy", "l":
		return HashLegacy, nil
	case "full", "f":
		return HashFull, nil
	}
	return HashDefault, fmt.Errorf("unknown hash mode %q: want legacy or full", s)
}

// Hashed is a computed hash with what went into it.
type Hashed struct {
	Mode  HashMode // HashLegacy or HashFull
	Parts Params   // the values concatenated, in order, user_id normalised; empty values and the key left out (pswd in clear: print with String)
	Hex   string   // lowercase hex SHA-1, 40 characters
}

// String is the hashed string with a space between parts and the key shown
// as "****", e.g. "42 1 Smith John 10.5 john@example.com ****". A new
// password (pswd) is masked too.
func (h Hashed) String() string {
	var b strings.Builder
	for _, p := range h.Parts {
		if p.Key == "pswd" {
			b.WriteString(Mask(p.Value))
		} else {
			b.WriteString(p.Value)
		}
		b.WriteByte(' ')
	}
	b.WriteString(Mask("secret"))
	return b.String()
}

// Mask hides a secret for printing: "****" for any non-empty s, "" for "".
// The length of the secret is not revealed.
func Mask(s string) string {
	if s == "" {
		return ""
	}
	return "****"
}

// Hasher computes request hashes in the server's order. Build it once with
// NewHasher; it is safe for concurrent use.
type Hasher struct {
	pos map[string]int // hashed code -> position in the server's order
}

// NewHasher builds a Hasher over the hash order of package schema, the one
// source of truth (user_id, u0..u28, ay..bd, pswd, pcsv, ppdf, ..., a0..a9;
// user_warning_email_hour and pgui are never hashed, doc §2.3).
func NewHasher() *Hasher {
	order := schema.New().HashOrder()
	pos := make(map[string]int, len(order))
	for i, code := range order {
		pos[code] = i
	}
	return &Hasher{pos: pos}
}

// hashes reports whether the server includes key in the user_update_api hash.
func (h *Hasher) hashes(key string) bool {
	_, ok := h.pos[key]
	return ok
}

// NormalizeUserID is the server's treatment of user_id (doc §2.3): it counts
// only if it is digits only (no sign, no spaces), and then it is to_i.to_s:
// "007" -> "7", "" -> "0". ok is false when the server drops it.
func NormalizeUserID(v string) (norm string, ok bool) {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return "", false
		}
	}
	v = strings.TrimLeft(v, "0")
	if v == "" {
		return "0", true
	}
	return v, true
}

// Hash computes the hash of ps with secret in the given mode. Parameters the
// server does not hash (u, p, unlimited, i5..i8, pgui, user_warning_email_hour,
// unknown names) are left out; a repeated key counts once, with its last value.
func (h *Hasher) Hash(mode HashMode, ps Params, secret string) Hashed {
	if mode != HashLegacy {
		mode = HashFull
	}
	type slot struct {
		pos      int
		key, val string
	}
	slots := make([]slot, 0, len(ps))
	for _, p := range ps {
		if mode == HashLegacy && p.Key != "user_id" {
			continue
		}
		pos, ok := h.pos[p.Key]
		if !ok {
			continue
		}
		val := p.Value
		if p.Key == "user_id" {
			if val, ok = NormalizeUserID(val); !ok {
				continue
			}
		}
		// Insertion sort by position; a repeated key replaces the earlier value.
		i := len(slots)
		dup := false
		for j := range slots {
			if slots[j].pos == pos {
				slots[j].val, dup = val, true
				break
			}
		}
		if dup {
			continue
		}
		slots = append(slots, slot{pos, p.Key, val})
		for ; i > 0 && slots[i-1].pos > pos; i-- {
			slots[i], slots[i-1] = slots[i-1], slots[i]
		}
	}
	sum := sha1.New() //nolint:gosec // protocol-defined.
	parts := make(Params, 0, len(slots))
	for _, s := range slots {
		if s.val == "" {
			continue // an empty value contributes nothing
		}
		_, _ = io.WriteString(sum, s.val)
		parts = append(parts, Param{Key: s.key, Value: s.val})
	}
	_, _ = io.WriteString(sum, secret)
	return Hashed{Mode: mode, Parts: parts, Hex: hex.EncodeToString(sum.Sum(nil))}
}
