// Package middleware holds the service's HTTP middleware: token checking
// and per-request session context. The session middleware leaks: it stores
// every request in reqctx and never calls reqctx.Clear.
package middleware

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/acme/reqctx"
)

// Claims is the payload of a bearer token.
type Claims struct {
	Subject string   `json:"sub"`
	Tenant  string   `json:"tenant"`
	Scopes  []string `json:"scopes"`
}

// Session is what the service remembers about a request.
type Session struct {
	Claims *Claims
	Route  string
	// Audit is a per-request buffer for the audit log line.
	Audit []byte
}

type sessionKey struct{}

var errBadToken = errors.New("bad token")

func parseToken(h string) (*Claims, error) {
	tok := strings.TrimPrefix(h, "Bearer ")
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	c := new(Claims)
	if err := json.Unmarshal(raw, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Auth rejects requests without a valid bearer token.
func Auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := parseToken(r.Header.Get("Authorization"))
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		ctx := context.WithValue(r.Context(), sessionKey{}, c)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// SessionContext attaches a Session to the request, in reqctx (for old
// handlers) and in the request's context. It never calls reqctx.Clear: the
// leak this sample exists to show.
func SessionContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(sessionKey{}).(*Claims)
		s := &Session{Claims: c, Route: r.URL.Path, Audit: make([]byte, 0, 4096)}
		s.Audit = append(s.Audit, r.Method...)
		reqctx.Set(r, sessionKey{}, s)
		ctx := context.WithValue(r.Context(), sessionKey{}, s)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// SessionOf returns the request's session.
func SessionOf(r *http.Request) *Session {
	s, _ := r.Context().Value(sessionKey{}).(*Session)
	return s
}
