package flinkapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
)

// A JobManager, a proxy before it or an OAuth 2 token endpoint may repeat
// what it was sent in its error (a hostile one will): the Authorization
// header, a header read from a file, the client secret in a token request.
// The client never passes such an echo on to its caller, who logs it.

// plainHeaders are request headers whose values carry no secret and may
// be repeated in an error.
var plainHeaders = map[string]bool{
	"Accept":          true,
	"Accept-Encoding": true,
	"User-Agent":      true,
	"Content-Type":    true,
	"Content-Length":  true,
}

// minRedacted is the shortest sent value hidden in an error: a shorter one
// would garble every message it happens to occur in.
const minRedacted = 4

// sentSecrets lists the values sent in the headers of req that an answer
// must not echo back into an error: every header but plainHeaders, and for
// an Authorization header its credentials alone and, for basic auth, the
// decoded user:password and password.
func sentSecrets(req *http.Request) []string {
	if req == nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if len(s) >= minRedacted {
			out = append(out, s)
		}
	}
	for name, values := range req.Header {
		if plainHeaders[http.CanonicalHeaderKey(name)] {
			continue
		}
		for _, v := range values {
			add(v)
			scheme, cred, ok := strings.Cut(v, " ")
			if !ok {
				continue
			}
			add(cred)
			if !strings.EqualFold(scheme, "Basic") {
				continue
			}
			if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
				add(string(dec))
				if _, pw, ok := strings.Cut(string(dec), ":"); ok {
					add(pw)
				}
			}
		}
	}
	return out
}

// redactedError is an error whose text hides what the request sent; it
// still unwraps to the original for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactSent hides the values req sent from err: in the messages of an
// *APIError (whose text others may build from them) and in err's text.
func redactSent(err error, req *http.Request) error {
	if err == nil {
		return nil
	}
	secrets := sentSecrets(req)
	if len(secrets) == 0 {
		return err
	}
	hide := func(s string) string {
		for _, secret := range secrets {
			s = strings.ReplaceAll(s, secret, "<secret>")
		}
		return s
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		for i, m := range apiErr.Messages {
			apiErr.Messages[i] = hide(m)
		}
	}
	if msg := hide(err.Error()); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

// oauth2ErrorCodes are RFC 6749's error codes (section 5.2): a token
// endpoint's error is reported by its status and one of these, never by
// its description or body, which may echo the client secret.
var oauth2ErrorCodes = map[string]bool{
	"invalid_request":        true,
	"invalid_client":         true,
	"invalid_grant":          true,
	"unauthorized_client":    true,
	"unsupported_grant_type": true,
	"invalid_scope":          true,
}

// redactTokenError replaces an OAuth 2 token endpoint's error by its HTTP
// status and standard error code.
func redactTokenError(err error) error {
	var rerr *oauth2.RetrieveError
	if !errors.As(err, &rerr) {
		return err
	}
	msg := "oauth2: the token endpoint refused the token request"
	if rerr.Response != nil {
		msg += fmt.Sprintf(": HTTP %d", rerr.Response.StatusCode)
	}
	if oauth2ErrorCodes[rerr.ErrorCode] {
		msg += " " + rerr.ErrorCode
	}
	return errors.New(msg)
}
