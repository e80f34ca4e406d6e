// Package pipeline runs the stages of a morbulk run: input rows are read
// and validated in order (intake), valid rows are sent by paced workers
// behind one shared rate limit, and every row ends as exactly one result,
// handed to a single writer. It declares the small interfaces it needs (a
// caller, a limiter, a sink) and knows nothing of how they are made.
package pipeline
