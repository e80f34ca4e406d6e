// Package morsim is a MOR-compatible simulator: an HTTP server that answers
// Kolmisoft MOR's user_update_api (user_details_update), user_details and
// user_details_get the way the real Ruby-on-Rails GUI does, with its state in a
// real SQLite file (modernc.org/sqlite, WAL mode).
//
// It owns the server-side model only: the server's own hash parameter order,
// the per-era profiles (mor11, mor12, x3, x4), the check order, the error texts
// and XML envelopes byte for byte, the field normalisation, the permission
// model (admin, reseller, accountant, user) and the model validations. It does
// not import the client (internal/mor) on purpose: an independent model is what
// makes client/simulator agreement tests meaningful.
//
// The reference is /work/shared/docs/mor-api.md (§1, §2, §3, §4, §5.1, §6, §8).
// Where the document marks a fact as [INFERENCE], the code says which choice it
// made in a comment tagged "INFERENCE:".
//
// A Sim is opened with Open, serves Handler under the /billing prefix, and can
// listen on a loopback port with Start. Fault injection (latency, 5xx, 429,
// dropped connections, hangs) is a test-harness feature and is off by default.
package morsim
