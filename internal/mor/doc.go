// Package mor is the client of the Kolmisoft MOR billing API method
// user_update_api (user_details_update from MOR X4 on) and of the read-only
// user_details call used by `morbulk doctor`.
//
// It owns everything about talking to one MOR server:
//
//   - the exact parameters of one row ([Params]), sent as given, never with a
//     stray parameter added;
//   - the request hash ([Hasher]): Mode L (legacy, SHA1(user_id + key)) and
//     Mode F (full, every hashed parameter in the server's order, taken from
//     package schema, the one source of truth), with the hashed string
//     printable with the secret masked ([Mask], [Hashed.String]);
//   - the server eras as profiles ([ParseProfile]: mor11, mor12, x3, x4):
//     hash mode, endpoint names, whether the password is sent;
//   - the HTTP call ([Client.Update]): form-urlencoded POST (GET on request),
//     a hard cap on the body size, a per-request timeout, no redirect to
//     another host;
//   - the three response envelopes of the eras ([ParseResponse]) and the
//     typed classification of an answer ([Class], the sentinel errors);
//   - diagnosis: [Client.Doctor] (read-only checks of a server and a
//     configuration) and [ExplainHash] (why a server may say "Incorrect hash").
//
// A failed row is data (a [Result]), not a Go error. The password and the
// secret never appear in errors, results or URLs of POST requests.
//
// Facts and their sources: docs/mor-api.md (§ numbers in comments refer to it).
package mor
