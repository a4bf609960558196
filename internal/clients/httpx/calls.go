package httpx

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// PostJSON sends v, encoded as JSON, with POST to u. header may be nil.
// Every POST the platforms take carries credentials (a login, a refresh,
// a logout with the token), so the request is marked as one
// (Request.Credentials): it is repeated only after an answer that proves
// the platform did not process it.
func (c *Client) PostJSON(ctx context.Context, u string, v any, header http.Header) (*Response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		// The request bodies are the platform packages' own structs of
		// strings and booleans: this does not happen. The error is not
		// kept, so that no part of a body can reach a message.
		return nil, &platform.Error{Kind: platform.KindInvalidConfig, Detail: "the request body could not be encoded"}
	}
	return c.Do(ctx, &Request{Method: http.MethodPost, URL: u, Header: withContentType(header, "application/json"), Body: body,
		Credentials: true})
}

// PostForm sends form, URL-encoded, with POST to u. header may be nil.
// Like PostJSON, it marks the request as one that carries credentials.
func (c *Client) PostForm(ctx context.Context, u string, form url.Values, header http.Header) (*Response, error) {
	return c.Do(ctx, &Request{Method: http.MethodPost, URL: u,
		Header: withContentType(header, "application/x-www-form-urlencoded"), Body: []byte(form.Encode()), Credentials: true})
}

// Get sends a GET to u. header may be nil.
func (c *Client) Get(ctx context.Context, u string, header http.Header) (*Response, error) {
	return c.Do(ctx, &Request{Method: http.MethodGet, URL: u, Header: header})
}

// withContentType returns a copy of h (the caller's is left alone) with
// the Content-Type set.
func withContentType(h http.Header, ct string) http.Header {
	h = h.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", ct)
	return h
}

// Expect says which statuses of an endpoint's answer mean what, for Check.
type Expect struct {
	// Path is the endpoint as the platform documents it, named when it
	// answers 404.
	Path string
	// OK lists the success statuses; none means 200 only.
	OK []int
	// Refused reports whether a status means that the platform refused
	// the credentials (KindBadCredentials: never sent again). Only the
	// statuses a platform documents for a refused login belong here; nil
	// means none does.
	Refused func(status int) bool
	// Credentials names what was refused in the message; empty means
	// "user name and password".
	Credentials string
	// NotFound is added to the message of a 404, for a platform whose base
	// URL is easy to get wrong in a known way.
	NotFound string
}

// Check returns nil when the answer's status is one x expects; otherwise
// the *platform.Error it means: KindBadCredentials when x.Refused says so,
// KindNotFound for a 404 (usually a wrong base URL), and
// KindUnexpectedStatus for anything else. Retryable statuses (429, 5xx)
// never reach it: Do has already turned them into errors.
func (r *Response) Check(x Expect) error {
	ok := x.OK
	if len(ok) == 0 {
		ok = []int{http.StatusOK}
	}
	for _, s := range ok {
		if r.Status == s {
			return nil
		}
	}
	switch {
	case x.Refused != nil && x.Refused(r.Status):
		what := x.Credentials
		if what == "" {
			what = "user name and password"
		}
		return r.Error(platform.KindBadCredentials, fmt.Sprintf("the platform refused the %s (HTTP %d)", what, r.Status))
	case r.Status == http.StatusNotFound:
		detail := fmt.Sprintf("the endpoint %s was not found (HTTP 404)", x.Path)
		if x.NotFound != "" {
			detail += "; " + x.NotFound
		}
		return r.Error(platform.KindNotFound, detail)
	}
	return r.Error(platform.KindUnexpectedStatus, "")
}

// Error is an error of kind k about this answer, with its status and the
// number of attempts it took.
func (r *Response) Error(k platform.Kind, detail string) *platform.Error {
	return &platform.Error{Kind: k, Status: r.Status, Attempts: r.Attempts, Detail: detail}
}

// SessionDecoder decodes a login answer's body into a session; contentType
// is the answer's Content-Type and now the time it was received (UTC).
type SessionDecoder func(body []byte, contentType string, now time.Time) (*platform.Session, error)

// Session is the session a login answer holds: the answer's status is
// checked against x (see Check), its body decoded with decode, and the
// session's BaseURL set to base. What else the session needs (its user
// name, say) is the platform's to add.
func (r *Response) Session(x Expect, base string, decode SessionDecoder) (*platform.Session, error) {
	if err := r.Check(x); err != nil {
		return nil, err
	}
	s, err := decode(r.Body, r.Header.Get("Content-Type"), time.Now().UTC())
	if err != nil {
		return nil, err
	}
	s.BaseURL = base
	return s, nil
}
