package pipeline

import (
	"github.com/morbulk/morbulk/internal/source"
)

// prefetchBatch is how many rows the prefetching reader hands over at once.
const prefetchBatch = 512

// prefetched is a batch of rows read ahead, with the storage of their fields.
type prefetched struct {
	rows   []source.Row
	fields []source.Field
	err    error // the error that ended reading, after the rows
}

// prefetchReader reads rows on its own goroutine, ahead of the consumer, so
// that parsing overlaps with validation on another core. Rows are copied
// into batch-owned storage (the underlying reader reuses its Fields) and
// batches are recycled, so memory stays bounded.
type prefetchReader struct {
	source.Reader
	ch    chan prefetched
	free  chan prefetched
	quit  chan struct{}
	cur   prefetched
	i     int
	err   error
	ended bool
}

var _ source.Reader = (*prefetchReader)(nil)

// prefetch wraps r; Close stops the goroutine.
func prefetch(r source.Reader) *prefetchReader {
	p := &prefetchReader{Reader: r, ch: make(chan prefetched, 4), free: make(chan prefetched, 6), quit: make(chan struct{})}
	go p.run()
	return p
}

func (p *prefetchReader) run() {
	defer close(p.ch)
	for {
		var b prefetched
		select {
		case b = <-p.free:
			b.rows, b.fields = b.rows[:0], b.fields[:0]
		default:
			b = prefetched{rows: make([]source.Row, 0, prefetchBatch), fields: make([]source.Field, 0, prefetchBatch*12)}
		}
		for len(b.rows) < prefetchBatch {
			row, err := p.Reader.Next()
			if err != nil {
				b.err = err
				break
			}
			start := len(b.fields)
			b.fields = append(b.fields, row.Fields...)
			row.Fields = b.fields[start:len(b.fields):len(b.fields)]
			b.rows = append(b.rows, row)
		}
		// Re-point rows at the final fields storage: append may have moved it.
		off := 0
		for i := range b.rows {
			n := len(b.rows[i].Fields)
			b.rows[i].Fields = b.fields[off : off+n : off+n]
			off += n
		}
		select {
		case p.ch <- b:
		case <-p.quit:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// Next returns the next row; its Fields stay valid until the batch after it.
func (p *prefetchReader) Next() (source.Row, error) {
	for p.i >= len(p.cur.rows) {
		if p.ended {
			return source.Row{}, p.err
		}
		if p.cur.rows != nil {
			select {
			case p.free <- p.cur:
			default:
			}
		}
		b, ok := <-p.ch
		if !ok {
			p.ended = true
			continue
		}
		p.cur, p.i = b, 0
		if b.err != nil {
			p.err, p.ended = b.err, true
		}
	}
	row := p.cur.rows[p.i]
	p.i++
	return row, nil
}

// Close stops reading ahead and closes the underlying reader.
func (p *prefetchReader) Close() error {
	close(p.quit)
	for range p.ch {
	}
	return p.Reader.Close()
}
