package mor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultMaxBody = 1 << 20          // bytes
	DefaultTimeout = 30 * time.Second // per request, body included
	maxRedirects   = 5
	excerptLen     = 160
)

// Config configures a Client. The password and the secret are never logged,
// never put in errors or results, and never in the URL of a POST.
type Config struct {
	BaseURL  string // the MOR GUI root, e.g. https://host/billing; /api/<method> is appended
	User     string // API user name (u): an admin, reseller or accountant
	Password string // API user's password (p); sent as the profile says
	Secret   string // API secret key, used for the hash only, never sent

	Profile  Profile  // the server era; the zero Profile means DefaultProfile()
	HashMode HashMode // overrides Profile.HashMode unless HashDefault
	NoHash   bool     // send no hash (the server has "Disable hash checking" on)
	Method   string   // "POST" (default) or "GET" (needs Allow GET API; puts p and hash in URLs and logs)

	// HTTPClient is used for the calls. nil builds one with a timeout and a
	// redirect policy that refuses another host, an https -> http downgrade
	// and a redirect that would change the method (and drop the form). An
	// injected client is copied; when its CheckRedirect is nil the same
	// policy is installed on the copy, otherwise its own policy is kept and
	// is the caller's responsibility.
	HTTPClient *http.Client
	MaxBody    int64            // body size cap in bytes; 0 means DefaultMaxBody
	Timeout    time.Duration    // per request, reading the body included; 0 means DefaultTimeout
	Now        func() time.Time // clock for latency and Retry-After dates; nil means time.Now
}

// Client calls one MOR server. It is safe for concurrent use.
type Client struct {
	http         *http.Client
	hasher       *Hasher
	profile      Profile
	updateURL    string
	detailsURL   string
	user         string
	password     string
	secret       string
	sendPassword bool
	mode         HashMode
	noHash       bool
	method       string
	maxBody      int64
	timeout      time.Duration
	now          func() time.Time
	redactor     *strings.Replacer
}

// New checks cfg and builds a Client. Its errors never contain the password
// or the secret.
func New(cfg Config) (*Client, error) {
	c := &Client{
		hasher:   NewHasher(),
		profile:  cfg.Profile,
		user:     cfg.User,
		password: cfg.Password,
		secret:   cfg.Secret,
		noHash:   cfg.NoHash,
		maxBody:  cfg.MaxBody,
		timeout:  cfg.Timeout,
		now:      cfg.Now,
	}
	if c.profile.UpdateEndpoint == "" {
		c.profile = DefaultProfile()
	}
	c.mode = c.profile.HashMode
	if cfg.HashMode != HashDefault {
		c.mode = cfg.HashMode
	}
	if c.mode == HashDefault {
		c.mode = HashFull
	}
	switch strings.ToUpper(strings.TrimSpace(cfg.Method)) {
	case "", http.MethodPost:
		c.method = http.MethodPost
	case http.MethodGet:
		c.method = http.MethodGet
	default:
		return nil, fmt.Errorf("method %q: want POST or GET", cfg.Method)
	}
	if strings.TrimSpace(c.user) == "" {
		return nil, errors.New("the API user name is empty")
	}
	switch c.profile.Password {
	case PasswordRequired:
		if c.password == "" {
			return nil, fmt.Errorf("profile %s: the server checks the password, and it is empty", c.profile.Name)
		}
		c.sendPassword = true
	case PasswordIfSet:
		c.sendPassword = c.password != ""
	}
	if c.secret == "" && !c.noHash {
		return nil, errors.New("the API secret key is empty (set it, or disable the hash if the server has hash checking off)")
	}
	if c.maxBody < 0 {
		return nil, fmt.Errorf("max body %d: must not be negative", c.maxBody)
	}
	if c.maxBody == 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.timeout < 0 {
		return nil, fmt.Errorf("timeout %s: must not be negative", c.timeout)
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	var err error
	if c.updateURL, err = endpointURL(cfg.BaseURL, c.profile.UpdateEndpoint); err != nil {
		return nil, err
	}
	if c.detailsURL, err = endpointURL(cfg.BaseURL, c.profile.DetailsEndpoint); err != nil {
		return nil, err
	}
	c.http = buildHTTPClient(cfg.HTTPClient, c.timeout)
	c.redactor = newRedactor(c.password, c.secret)
	return c, nil
}

// Profile is the profile in use.
func (c *Client) Profile() Profile { return c.profile }

// HashMode is the hash mode in use (HashLegacy or HashFull).
func (c *Client) HashMode() HashMode { return c.mode }

// Method is "POST" or "GET".
func (c *Client) Method() string { return c.method }

// UpdateURL is the URL of the update method (no query, no secret).
func (c *Client) UpdateURL() string { return c.updateURL }

// Hash is what Update would hash for ps, for --explain and debug output;
// print it with Hashed.String, which masks the key.
func (c *Client) Hash(ps Params) Hashed {
	return c.hasher.Hash(c.mode, c.profile.Hashable(ps), c.secret)
}

// CloseIdleConnections closes the connections kept alive for later calls
// (and their goroutines); call it when done with the client.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// endpointURL joins base and /api/<method>, tolerating a trailing slash.
func endpointURL(base, method string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return "", fmt.Errorf("base URL: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("base URL %q: want http:// or https://", base)
	case u.Host == "":
		return "", fmt.Errorf("base URL %q: no host", base)
	case u.User != nil:
		return "", errors.New("base URL: must not carry a user or password; use the user and password settings")
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("base URL %q: must not have a query or fragment", u.Redacted())
	}
	return u.JoinPath("api", method).String(), nil
}

// buildHTTPClient returns the client to use: a copy of injected, or a new one.
func buildHTTPClient(injected *http.Client, timeout time.Duration) *http.Client {
	if injected != nil {
		cp := *injected
		if cp.CheckRedirect == nil {
			cp.CheckRedirect = checkRedirect
		}
		return &cp
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: checkRedirect}
}

// checkRedirect follows a redirect only to the same host name, without a
// downgrade to http and without a change of method (a 301/302/303 turns a
// POST into a GET and drops the form).
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	switch {
	case len(via) >= maxRedirects:
		return fmt.Errorf("%w: more than %d redirects", ErrRedirect, maxRedirects)
	case !strings.EqualFold(req.URL.Hostname(), first.URL.Hostname()):
		return fmt.Errorf("%w: the server redirects to another host, %q", ErrRedirect, req.URL.Hostname())
	case first.URL.Scheme == "https" && req.URL.Scheme != "https":
		return fmt.Errorf("%w: the server redirects from https to %s", ErrRedirect, req.URL.Scheme)
	case req.Method != first.Method:
		return fmt.Errorf("%w: the server redirects turning %s into %s, which would drop the parameters", ErrRedirect, first.Method, req.Method)
	}
	return nil
}

// Result is the outcome of one call. A failed row is a Result, not a Go error.
type Result struct {
	Class      Class         // what the outcome means
	Err        error         // nil for Updated; wraps one sentinel (errors.Is); never holds the password or secret
	Recognised bool          // the server's text is a known one; false when success was inferred from <status> alone
	Response   Response      // the parsed answer: raw status, error and message texts
	HTTPStatus int           // 0 when no HTTP answer came
	RetryAfter time.Duration // from Retry-After on 429/503 (seconds or HTTP date), else 0
	Latency    time.Duration // from sending the request to the end of the body
	Excerpt    string        // short sanitised excerpt of a body that was not a MOR answer
	Hash       Hashed        // what was hashed (the key is not in it); zero with NoHash
}

// Update sends one row to the update method and classifies the answer.
// The row's parameters are sent as given with u, p (when the profile sends
// it) and hash (unless NoHash). A row carrying u, p, hash or test, an empty
// or a repeated key is not sent: RowError wrapping ErrInvalidRow.
func (c *Client) Update(ctx context.Context, ps Params) Result {
	if err := checkRow(ps); err != nil {
		return Result{Class: RowError, Err: err}
	}
	var h Hashed
	if !c.noHash {
		h = c.hasher.Hash(c.mode, c.profile.Hashable(ps), c.secret)
	}
	return c.call(ctx, c.updateURL, ps, h)
}

// checkRow refuses what the client must not send.
func checkRow(ps Params) error {
	for i, p := range ps {
		switch {
		case p.Key == "":
			return fmt.Errorf("%w: parameter %d has no name", ErrInvalidRow, i+1)
		case isReserved(p.Key):
			return fmt.Errorf("%w: %q is set by the client, not by a row", ErrInvalidRow, p.Key)
		}
		for _, q := range ps[:i] {
			if q.Key == p.Key {
				return fmt.Errorf("%w: %q appears twice", ErrInvalidRow, p.Key)
			}
		}
	}
	return nil
}

// call performs one request and classifies the answer.
func (c *Client) call(ctx context.Context, endpoint string, ps Params, h Hashed) Result {
	res := Result{Hash: h}
	var form strings.Builder
	form.Grow(64 + 24*len(ps))
	encodeForm(&form, Params{{Key: "u", Value: c.user}})
	if c.sendPassword {
		encodeForm(&form, Params{{Key: "p", Value: c.password}})
	}
	encodeForm(&form, ps)
	if !c.noHash {
		encodeForm(&form, Params{{Key: "hash", Value: h.Hex}})
	}

	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var req *http.Request
	var err error
	if c.method == http.MethodGet {
		req, err = http.NewRequestWithContext(rctx, http.MethodGet, endpoint+"?"+form.String(), nil)
	} else {
		req, err = http.NewRequestWithContext(rctx, http.MethodPost, endpoint, strings.NewReader(form.String()))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		res.Err = fmt.Errorf("%w: build request: %w", ErrProtocol, err)
		res.Class = classOf(res.Err)
		return c.sanitise(res)
	}
	req.Header.Set("Accept", "text/xml, application/xml, text/html;q=0.5, */*;q=0.1")
	req.Header.Set("User-Agent", "morbulk")

	start := c.now()
	resp, err := c.http.Do(req)
	if err != nil {
		res.Latency = c.now().Sub(start)
		res.Err = c.transportError(ctx, rctx, endpoint, err)
		res.Class = classOf(res.Err)
		return c.sanitise(res)
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	res.Latency = c.now().Sub(start)
	res.HTTPStatus = resp.StatusCode
	code := resp.StatusCode
	rawLen := len(body)
	// The body is parsed as it came; excerpts are cut from a copy without the
	// password and secret, so that no part of an echoed secret survives a
	// truncation. (Redacting before parsing would break the XML, or turn an
	// answer into another, whenever a credential is also a word of the answer.)
	shown := body
	if c.redactor != nil {
		if red := c.redactor.Replace(string(body)); red != string(body) {
			shown = []byte(red)
		}
	}

	switch {
	case code == http.StatusTooManyRequests || code >= 500:
		if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
			res.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		}
		res.Excerpt = Excerpt(shown, excerptLen)
		sentinel := ErrServer
		if code == http.StatusTooManyRequests {
			sentinel = ErrRateLimited
		}
		res.Class, res.Err = Transient, fmt.Errorf("%w: HTTP %d: %s", sentinel, code, orDash(res.Excerpt))
		return c.sanitise(res)
	case readErr != nil:
		res.Class, res.Err = Transient, c.readError(ctx, rctx, readErr, rawLen)
		return c.sanitise(res)
	case int64(rawLen) > c.maxBody:
		res.Excerpt = Excerpt(shown, excerptLen)
		res.Class, res.Err = Protocol, fmt.Errorf("%w: response larger than %d bytes", ErrTooLarge, c.maxBody)
		return c.sanitise(res)
	case code == http.StatusRequestTimeout:
		res.Class, res.Err = Transient, fmt.Errorf("%w: HTTP 408", ErrTimeout)
		return c.sanitise(res)
	case code < 200 || code > 299:
		res.Excerpt = Excerpt(shown, excerptLen)
		res.Class, res.Err = Systemic, fmt.Errorf("%w: HTTP %d from %s: %s", ErrHTTPStatus, code, endpoint, orDash(res.Excerpt))
		return c.sanitise(res)
	}

	r, err := ParseResponse(body)
	if err != nil {
		if len(shown) != len(body) || string(shown) != string(body) {
			// The parser's message quotes the raw body: describe it from the redacted copy.
			_, err = ParseResponse(shown)
			if err == nil {
				err = fmt.Errorf("%w: the answer could not be read", ErrProtocol)
			}
		}
		res.Excerpt = Excerpt(shown, excerptLen)
		res.Class, res.Err = Protocol, err
		return c.sanitise(res)
	}
	res.Response = r
	res.Class, res.Recognised, res.Err = Classify(r)
	return c.sanitise(res)
}

func orDash(s string) string {
	if s == "" {
		return "(empty body)"
	}
	return s
}

// transportError maps an error of http.Client.Do to a sentinel, with the URL
// stripped of its query (a GET carries p and hash there).
func (c *Client) transportError(parent, rctx context.Context, endpoint string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: endpoint, Err: ue.Err}
	}
	var (
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		recordErr  tls.RecordHeaderError
		netErr     net.Error
	)
	switch {
	case errors.Is(err, ErrRedirect):
		return err
	case parent.Err() != nil && errors.Is(parent.Err(), context.Canceled):
		return fmt.Errorf("%w: %w", ErrCanceled, err)
	case parent.Err() != nil || rctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout()):
		return fmt.Errorf("%w after %s: %w", ErrTimeout, c.timeout, err)
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalidErr),
		errors.As(err, &verifyErr), errors.As(err, &recordErr):
		return fmt.Errorf("%w: %w", ErrTLS, err)
	}
	return fmt.Errorf("%w: %w", ErrNetwork, err)
}

// readError maps an error while reading the body.
func (c *Client) readError(parent, rctx context.Context, err error, got int) error {
	switch {
	case parent.Err() != nil && errors.Is(parent.Err(), context.Canceled):
		return fmt.Errorf("%w while reading the answer: %w", ErrCanceled, err)
	case parent.Err() != nil || rctx.Err() != nil:
		return fmt.Errorf("%w after %s while reading the answer (%d bytes read): %w", ErrTimeout, c.timeout, got, err)
	}
	return fmt.Errorf("%w after %d bytes: %w", ErrTruncated, got, err)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, 24*time.Hour).Round(time.Second)
		}
	}
	return 0
}

// newRedactor replaces the password and the secret, raw and URL-escaped.
func newRedactor(secrets ...string) *strings.Replacer {
	var pairs []string
	seen := map[string]bool{}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), html.EscapeString(s)} {
			if !seen[form] {
				seen[form] = true
				pairs = append(pairs, form, Mask(s))
			}
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	return strings.NewReplacer(pairs...)
}

// redact removes the password and secret from s.
func (c *Client) redact(s string) string {
	if c.redactor == nil {
		return s
	}
	return c.redactor.Replace(s)
}

// redactedError keeps errors.Is/As working while its text is redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// sentinels lists every sentinel, for sentinelOf.
func sentinels() []error {
	return []error{
		ErrBadLogin, ErrIncorrectHash, ErrAPIDisabled, ErrGETDisabled, ErrUndefinedMethod, ErrRedirect, ErrTLS, ErrHTTPStatus,
		ErrUserNotFound, ErrTariffNotFound, ErrNoEditRights, ErrAccessDenied, ErrNotUpdated, ErrTooShort, ErrRejected, ErrInvalidRow,
		ErrServer, ErrRateLimited, ErrNetwork, ErrTimeout, ErrTruncated, ErrCanceled,
		ErrProtocol, ErrTooLarge,
	}
}

// sentinelOf finds the sentinel err wraps, or nil.
func sentinelOf(err error) error {
	for _, s := range sentinels() {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

// sanitise removes the password and the secret from every text of res.
func (c *Client) sanitise(res Result) Result {
	if res.Err != nil {
		if msg := res.Err.Error(); c.redact(msg) != msg {
			// Only the sentinel stays reachable: the inner errors hold the secret.
			res.Err = &redactedError{msg: c.redact(msg), err: sentinelOf(res.Err)}
		}
	}
	res.Excerpt = c.redact(res.Excerpt)
	r := &res.Response
	r.Status = c.redact(r.Status)
	r.UndefinedMethod = c.redact(r.UndefinedMethod)
	for i := range r.Errors {
		r.Errors[i] = c.redact(r.Errors[i])
	}
	for i := range r.Messages {
		r.Messages[i] = c.redact(r.Messages[i])
	}
	for i := range r.Details {
		r.Details[i].Value = c.redact(r.Details[i].Value)
	}
	return res
}
