package report

// Ordered hands records to a writer in input order (by Seq), although they
// arrive in the order they finish: a record waits until every earlier one
// has been written. At most Max records wait; beyond that the earliest
// waiting one is written even though an earlier one is still missing (a row
// held by long retries), so memory stays bounded. Records without a Seq go
// straight through.
type Ordered struct {
	w       Writer
	max     int
	next    int // the Seq written next
	waiting map[int]*Record
}

// NewOrdered puts records in input order before w; max bounds the records held.
func NewOrdered(w Writer, max int) *Ordered {
	return &Ordered{w: w, max: max, next: 1, waiting: make(map[int]*Record)}
}

// Write holds r until the records before it are written. r must not be
// changed afterwards.
func (o *Ordered) Write(r *Record) error {
	if r.Seq <= 0 || r.Seq < o.next {
		return o.w.Write(r) // no order to keep, or too late to keep it
	}
	o.waiting[r.Seq] = r
	for len(o.waiting) > 0 {
		rec, ok := o.waiting[o.next]
		if !ok {
			if len(o.waiting) <= o.max {
				return nil
			}
			o.skipToEarliest()
			continue
		}
		delete(o.waiting, o.next)
		o.next++
		if err := o.w.Write(rec); err != nil {
			return err
		}
	}
	return nil
}

// skipToEarliest gives up waiting for the missing record: the next one
// written is the earliest that is there.
func (o *Ordered) skipToEarliest() {
	first := 0
	for seq := range o.waiting {
		if first == 0 || seq < first {
			first = seq
		}
	}
	o.next = first
}

// Close writes what still waits, in order, and closes the writer.
func (o *Ordered) Close() error {
	var err error
	for len(o.waiting) > 0 {
		if _, ok := o.waiting[o.next]; !ok {
			o.skipToEarliest()
		}
		rec := o.waiting[o.next]
		delete(o.waiting, o.next)
		o.next++
		if werr := o.w.Write(rec); err == nil {
			err = werr
		}
	}
	if cerr := o.w.Close(); err == nil {
		err = cerr
	}
	return err
}
