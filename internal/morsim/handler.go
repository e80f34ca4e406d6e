package morsim

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"
)

// reply is the outcome of one API action.
type reply struct {
	body    string
	crash   bool   // an unhandled Ruby exception: Rails' HTTP 500 page
	outcome string // short label for logs
}

// Handler serves the API under /billing/api/:
// user_update_api (every profile), user_details_update (its X4 name, X4
// only), user_details, and user_details_get (X4 only). Any other action
// answers "Undefined method" like ApiController#method_missing.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(Prefix+"/api/", s.serveAPI)
	return mux
}

func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.requests.Add(1)
	action := strings.Trim(strings.TrimPrefix(r.URL.Path, Prefix+"/api/"), "/")
	if i := strings.IndexByte(action, '/'); i >= 0 { // Rails' :action/:id route
		action = action[:i]
	}
	pr := s.prof.Load()

	delay, kind, retryAfter := s.faults.decide()
	if delay > 0 && !s.sleep(r.Context(), delay) {
		return
	}
	if kind != faultNone && kind != faultHangAfterCommit {
		s.countFault(kind)
		s.log.Info().Str("action", action).Str("fault", faultNames[kind]).Msg("morsim: injected fault")
		s.injectFault(w, r, kind, retryAfter)
		return
	}

	p, err := readParams(r)
	if err != nil {
		s.log.Warn().Err(err).Msg("morsim: bad request body")
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var rep reply
	switch {
	case action == "user_update_api" || (action == "user_details_update" && pr.updateAlias):
		rep, err = s.userUpdate(r.Context(), pr, p, r.Method)
	case action == "user_details" || (action == "user_details_get" && pr.detailsGet):
		rep, err = s.userDetails(r.Context(), pr, p, r.Method)
	default:
		// INFERENCE: method_missing answers without running the pre-checks.
		rep = reply{body: undefinedMethod(action), outcome: "undefined_method"}
	}
	if err != nil {
		// An infrastructure failure (database) looks like a Rails crash.
		s.log.Error().Err(err).Str("action", action).Msg("morsim: request failed")
		rep = reply{crash: true, outcome: "internal_error"}
	}
	ev := s.log.Info().Str("action", action).Str("method", r.Method).Str("u", p["u"]).
		Str("user_id", p["user_id"]).Str("hash", p["hash"]).Str("outcome", rep.outcome).Dur("took", time.Since(start))
	ev.Msg("morsim: api request")

	if kind == faultHangAfterCommit {
		s.countFault(kind)
		s.hang(r.Context())
		panic(http.ErrAbortHandler)
	}
	s.write(r.Context(), w, p, rep)
}

// write sends a reply the way send_xml_data does (doc §1.4).
func (s *Sim) write(ctx context.Context, w http.ResponseWriter, p params, rep reply) {
	h := w.Header()
	if rep.crash {
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(rails500))
		return
	}
	if p["test"] == "1" {
		h.Set("Content-Type", "text/html; charset=utf-8")
	} else {
		xmlExt, err := conflineOn(ctx, s.db, ConfXMLAPIExtension, 0)
		if err != nil {
			s.log.Error().Err(err).Msg("morsim: read XML_API_Extension")
		}
		name := "mor_api_response.html"
		h.Set("Content-Type", "text/html")
		if xmlExt {
			name = "mor_api_response.xml"
			h.Set("Content-Type", "text/xml")
		}
		// INFERENCE: Rails' send_data quotes the file name.
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
		h.Set("Content-Transfer-Encoding", "binary")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(rep.body))
}

// sleep waits d; false when the client went away or the simulator closes.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

func (s *Sim) hang(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}

func (s *Sim) injectFault(w http.ResponseWriter, r *http.Request, kind faultKind, retryAfter time.Duration) {
	h := w.Header()
	switch kind {
	case faultDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case faultHang:
		// Read the body to its end first: only then does net/http watch the
		// connection and cancel r.Context() when the client gives up, so a
		// hang ends with its client instead of holding a goroutine until Shutdown.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxBody+1))
		s.hang(r.Context())
		panic(http.ErrAbortHandler) // never write a response
	case fault500:
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(rails500))
	case fault502:
		h.Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(body502))
	case fault503, fault429:
		status, body := http.StatusServiceUnavailable, body503
		if kind == fault429 {
			status, body = http.StatusTooManyRequests, body429
		}
		h.Set("Content-Type", "text/html")
		if retryAfter > 0 {
			h.Set("Retry-After", retryAfterValue(retryAfter))
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}
