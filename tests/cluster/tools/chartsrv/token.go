package main

// A registry token server (the distribution "token" auth scheme, as used
// by Docker Hub, GHCR and others), so OCI clients are tested against the
// Bearer flow as well as against Basic auth:
//
//   - GET  REALM?service=S&scope=...   with Basic credentials -> {"token", "access_token"}
//   - POST REALM  grant_type=password, username, password, service, scope
//     (what oras does on login) -> {"access_token"}
//
// Valid credentials (checked against the htpasswd file) get every action
// they ask for; anything else gets 401. Tokens are EdDSA JWTs whose `kid`
// is the JWK thumbprint of the signing key, which the registry finds in
// its rootcertbundle (token.crt from `chartsrv pki`).

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

type tokenIssuer struct {
	key     ed25519.PrivateKey
	kid     string
	service string
	issuer  string
	users   map[string][]byte
}

func newTokenIssuer(keyFile, service, issuer string, users map[string][]byte) (*tokenIssuer, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", keyFile)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", keyFile)
	}
	// RFC 7638 thumbprint, members in lexicographic order, as the registry
	// computes it for the keys of its rootcertbundle.
	pub := key.Public().(ed25519.PublicKey)
	jwk := fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, base64.RawURLEncoding.EncodeToString(pub))
	sum := sha256.Sum256([]byte(jwk))
	return &tokenIssuer{
		key:     key,
		kid:     base64.RawURLEncoding.EncodeToString(sum[:]),
		service: service,
		issuer:  issuer,
		users:   users,
	}, nil
}

type access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// parseScopes reads docker scope strings ("repository:a/b:pull,push"),
// several per parameter (space-separated) or several parameters.
func parseScopes(values []string) []access {
	out := []access{}
	for _, v := range values {
		for _, scope := range strings.Fields(v) {
			// The name may itself contain ':' (a registry host with a port).
			first := strings.Index(scope, ":")
			last := strings.LastIndex(scope, ":")
			if first < 0 || first == last {
				continue
			}
			out = append(out, access{
				Type:    scope[:first],
				Name:    scope[first+1 : last],
				Actions: strings.Split(scope[last+1:], ","),
			})
		}
	}
	return out
}

func (t *tokenIssuer) check(user, password string) bool {
	hash, ok := t.users[user]
	return ok && bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}

func (t *tokenIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var user, password, service string
	var scopes []string
	switch r.Method {
	case http.MethodGet:
		var ok bool
		user, password, ok = r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="chartsrv-token"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"credentials required"}]}`, http.StatusUnauthorized)
			return
		}
		service = r.URL.Query().Get("service")
		scopes = r.URL.Query()["scope"]
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if g := r.PostForm.Get("grant_type"); g != "password" {
			http.Error(w, fmt.Sprintf(`{"error":"unsupported_grant_type","grant_type":%q}`, g), http.StatusBadRequest)
			return
		}
		user, password = r.PostForm.Get("username"), r.PostForm.Get("password")
		service = r.PostForm.Get("service")
		scopes = r.PostForm["scope"]
	default:
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !t.check(user, password) {
		w.Header().Set("WWW-Authenticate", `Basic realm="chartsrv-token"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"invalid credentials"}]}`, http.StatusUnauthorized)
		return
	}
	if service != t.service {
		http.Error(w, fmt.Sprintf(`{"errors":[{"code":"DENIED","message":"unknown service %q"}]}`, service), http.StatusBadRequest)
		return
	}
	token, err := t.sign(user, parseScopes(scopes))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body := map[string]any{"access_token": token, "expires_in": 300,
		"issued_at": time.Now().UTC().Format(time.RFC3339)}
	if r.Method == http.MethodGet {
		body["token"] = token
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (t *tokenIssuer) sign(user string, grants []access) (string, error) {
	now := time.Now()
	jti := make([]byte, 12)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	header, err := json.Marshal(map[string]string{"alg": "EdDSA", "typ": "JWT", "kid": t.kid})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{
		"iss": t.issuer, "sub": user, "aud": t.service,
		"exp": now.Add(5 * time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(),
		"iat": now.Unix(), "jti": hex.EncodeToString(jti), "access": grants,
	})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sig := ed25519.Sign(t.key, []byte(signing))
	return signing + "." + enc.EncodeToString(sig), nil
}
