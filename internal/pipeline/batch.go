package pipeline

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/morbulk/morbulk/internal/report"
)

// batchSize is how many records travel together between the producer and
// the writer goroutine; batchQueue bounds how many batches wait. Memory is
// therefore bounded by about batchSize*(batchQueue+2) records, whatever the input.
const (
	batchSize  = 256
	batchQueue = 8
)

// Batched runs produce and write on two goroutines, so that reading and
// validating overlap with encoding and writing. produce gets records from
// next: each call hands out a fresh record slot (emptied, with its slices'
// capacity kept) and emits the previous one, which must be filled by then.
// Records reach write in order; write must not keep them, because their
// memory is recycled. The first error stops both.
func Batched(ctx context.Context, produce func(next func() *report.Record) error, write func(*report.Record) error) error {
	g, ctx := errgroup.WithContext(ctx)
	ch := make(chan []report.Record, batchQueue)
	free := make(chan []report.Record, batchQueue+2)
	g.Go(func() error {
		defer close(ch)
		batch := make([]report.Record, 0, batchSize)
		var sendErr error
		send := func() bool {
			select {
			case ch <- batch:
			case <-ctx.Done():
				sendErr = ctx.Err()
				return false
			}
			select {
			case batch = <-free:
				batch = batch[:0]
			default:
				batch = make([]report.Record, 0, batchSize)
			}
			return true
		}
		var zero report.Record
		err := produce(func() *report.Record {
			if len(batch) == cap(batch) && !send() {
				// Stopping: hand out a throwaway slot; produce sees ctx end soon.
				return &zero
			}
			batch = batch[:len(batch)+1]
			return &batch[len(batch)-1]
		})
		if err == nil && sendErr == nil && len(batch) > 0 {
			send()
		}
		if err == nil {
			err = sendErr
		}
		return err
	})
	g.Go(func() error {
		for batch := range ch {
			for i := range batch {
				if err := write(&batch[i]); err != nil {
					return err
				}
			}
			select {
			case free <- batch:
			default:
			}
		}
		return nil
	})
	return g.Wait()
}
