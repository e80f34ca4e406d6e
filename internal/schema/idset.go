package schema

// idSet remembers user ids in little memory: a bitmap for the ids up to
// denseLimit (how real MOR ids look) and a map for the rest.
type idSet struct {
	bits   []uint64
	sparse map[uint64]struct{}
}

const denseLimit = 1 << 27 // 16 MiB of bitmap at most

// add records id and reports whether it was new.
func (s *idSet) add(id uint64) bool {
	if id < denseLimit {
		w := id / 64
		if int(w) >= len(s.bits) {
			n := max(int(w)+1, 2*len(s.bits))
			nb := make([]uint64, n)
			copy(nb, s.bits)
			s.bits = nb
		}
		m := uint64(1) << (id % 64)
		if s.bits[w]&m != 0 {
			return false
		}
		s.bits[w] |= m
		return true
	}
	if s.sparse == nil {
		s.sparse = make(map[uint64]struct{})
	}
	if _, ok := s.sparse[id]; ok {
		return false
	}
	s.sparse[id] = struct{}{}
	return true
}
