// Command chartsrv is the test suite's HTTP chart repository server and
// its small toolbox, built and cached by tests/cluster/build.sh:
//
//	chartsrv serve --root DIR --log FILE --ready FILE [--listen KIND=ADDR]...
//	        [--cert F --key F] [--client-ca F] [--htpasswd F] [--stdin] [--cleanup DIR]
//	chartsrv pki --dir DIR
//	chartsrv htpasswd --user U --password P [--out FILE]
//	chartsrv supervise [--log FILE] [--cleanup DIR] [-- CMD [ARG...]]
//
// serve publishes DIR as static files (index.yaml, chart archives) on one
// or more loopback listeners. KIND is one of
//
//	plain       HTTP, no authentication
//	plain-auth  HTTP, Basic authentication against --htpasswd
//	tls-auth    HTTPS (--cert/--key), Basic authentication against --htpasswd
//	mtls        HTTPS requiring a client certificate signed by --client-ca
//	token       HTTPS: a registry token server (see token.go) instead of files
//
// An ADDR with port 0 gets a free port; once every listener is up, the
// actual addresses are written as a JSON object {KIND: "127.0.0.1:PORT"} to
// the --ready file (atomically, by rename). Every response carries a
// strong ETag (the SHA-256 of the content) and Last-Modified (the file's
// mtime), and conditional requests (If-None-Match, If-Modified-Since) are
// answered by net/http's ServeContent, so they get 304 as from a real
// server. A file NAME.status next to NAME (content: an HTTP status code)
// makes requests for NAME, and for every path under NAME, fail with that
// status, for error-path tests.
// Every request is appended to --log as one JSON line (see logEntry).
//
// With --stdin, serve and supervise stop when their standard input reaches
// end of file: the test process holds the write end of that pipe, so the
// servers stop when it exits, however it exits. --cleanup removes a
// directory on the way out.
//
// pki writes a throw-away ECDSA P-256 CA (ca.crt, ca.key), a server
// certificate for IP:127.0.0.1 and DNS:localhost (server.crt, server.key)
// and a client certificate (client.crt, client.key), all signed by the CA,
// and a self-signed Ed25519 registry-token signer (token.crt, token.key).
//
// htpasswd prints (or writes) one bcrypt htpasswd line, the only kind the
// distribution registry accepts.
//
// supervise runs a command (the OCI registry) tied to chartsrv's standard
// input: when it closes, the command gets SIGTERM, then SIGKILL after five
// seconds. The command also dies with the supervisor (PDEATHSIG), and the
// supervisor exits with the command's status if the command ends first.
// Without a command, supervise only waits for EOF and cleans up.
package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "pki":
		err = pki(os.Args[2:])
	case "htpasswd":
		err = htpasswd(os.Args[2:])
	case "supervise":
		err = supervise(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "chartsrv: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: chartsrv serve|pki|htpasswd|supervise [flags]")
	os.Exit(2)
}

// --- serve -------------------------------------------------------------------

type listenFlags []string

func (l *listenFlags) String() string     { return strings.Join(*l, ",") }
func (l *listenFlags) Set(v string) error { *l = append(*l, v); return nil }

// logEntry is one line of the request log.
type logEntry struct {
	Time     string `json:"time"`
	Listener string `json:"listener"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Query    string `json:"query"`
	Status   int    `json:"status"`
	Bytes    int64  `json:"bytes"`
	// The Authorization scheme, lower-cased ("basic", "bearer"), or "".
	Authorization string `json:"authorization"`
	// The Basic-auth user, or a token POST's form username.
	User            string `json:"user"`
	IfNoneMatch     string `json:"if_none_match"`
	IfModifiedSince string `json:"if_modified_since"`
	UserAgent       string `json:"user_agent"`
	Accept          string `json:"accept"`
	// The subject CN of a verified client certificate, or "".
	ClientCert string `json:"client_cert"`
}

type server struct {
	root     string
	listener string
	users    map[string][]byte // nil: no Basic authentication
	logMu    *sync.Mutex
	log      *os.File
	token    *tokenIssuer // non-nil: this listener is a token server
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w}
	entry := logEntry{
		Time:            time.Now().UTC().Format(time.RFC3339Nano),
		Listener:        s.listener,
		Method:          r.Method,
		Path:            r.URL.Path,
		Query:           r.URL.RawQuery,
		IfNoneMatch:     r.Header.Get("If-None-Match"),
		IfModifiedSince: r.Header.Get("If-Modified-Since"),
		UserAgent:       r.Header.Get("User-Agent"),
		Accept:          r.Header.Get("Accept"),
	}
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(a, " ")
		entry.Authorization = strings.ToLower(scheme)
	}
	if u, _, ok := r.BasicAuth(); ok {
		entry.User = u
	} else if s.token != nil && r.Method == http.MethodPost && r.ParseForm() == nil {
		// A token request by form (grant_type=password) names its user
		// there; the parsed form stays available to the token handler.
		entry.User = r.PostForm.Get("username")
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		entry.ClientCert = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	// Logged before the handler returns, hence before the client can have
	// read the whole response: a test that reads the log after its client
	// finished sees every request.
	defer func() {
		entry.Status = rec.status
		entry.Bytes = rec.bytes
		line, _ := json.Marshal(entry)
		s.logMu.Lock()
		_, _ = s.log.Write(append(line, '\n'))
		s.logMu.Unlock()
	}()
	if s.token != nil {
		s.token.ServeHTTP(rec, r)
		return
	}
	s.handle(rec, r)
}

func (s *server) handle(w http.ResponseWriter, r *http.Request) {
	if s.users != nil && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="chartsrv"`)
		http.Error(w, "401 unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	clean := path.Clean("/" + r.URL.Path)
	file := filepath.Join(s.root, filepath.FromSlash(clean))
	if code, ok := s.injectedStatus(clean); ok {
		http.Error(w, fmt.Sprintf("chartsrv: injected status %d", code), code)
		return
	}
	f, err := os.Open(file)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		http.NotFound(w, r)
		return
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("ETag", `"`+hex.EncodeToString(h.Sum(nil))+`"`)
	// Fixed types, independent of the host's /etc/mime.types.
	switch strings.ToLower(path.Ext(clean)) {
	case ".yaml", ".yml":
		w.Header().Set("Content-Type", "application/x-yaml")
	case ".tgz", ".gz":
		w.Header().Set("Content-Type", "application/x-gzip")
	case ".json":
		w.Header().Set("Content-Type", "application/json")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	http.ServeContent(w, r, path.Base(clean), info.ModTime(), f)
}

// injectedStatus looks for a status file for the URL path or one of its
// ancestors: /a/b/c is failed by a/b/c.status, a/b.status or a.status
// (the nearest wins), so a test can fail a whole subtree (an OCI
// repository under /v2/NAME/) without touching other tests' paths.
func (s *server) injectedStatus(clean string) (int, bool) {
	for p := clean; p != "/" && p != "."; p = path.Dir(p) {
		b, err := os.ReadFile(filepath.Join(s.root, filepath.FromSlash(p)) + ".status")
		if err != nil {
			continue
		}
		code, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || code < 100 || code > 999 {
			code = http.StatusInternalServerError
		}
		return code, true
	}
	return 0, false
}

func (s *server) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	hash, known := s.users[u]
	if !known {
		return false
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(p)) == nil
}

func readHtpasswd(file string) (map[string][]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	users := map[string][]byte{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, h, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s: malformed line %q", file, line)
		}
		users[u] = []byte(h)
	}
	return users, nil
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	root := fs.String("root", "", "directory to serve")
	logFile := fs.String("log", "", "request log (JSON lines)")
	ready := fs.String("ready", "", "file to write the listeners' addresses to")
	cert := fs.String("cert", "", "server certificate (PEM)")
	key := fs.String("key", "", "server key (PEM)")
	clientCA := fs.String("client-ca", "", "CA for client certificates (mtls)")
	htpasswdFile := fs.String("htpasswd", "", "bcrypt htpasswd file (plain-auth, tls-auth)")
	tokenKey := fs.String("token-key", "", "Ed25519 key signing registry tokens (token)")
	tokenService := fs.String("token-service", "", "the registry's service name (token)")
	tokenIssuer := fs.String("token-issuer", "chartsrv", "the tokens' issuer (token)")
	useStdin := fs.Bool("stdin", false, "stop when stdin reaches EOF")
	cleanup := fs.String("cleanup", "", "directory to remove on exit")
	var listens listenFlags
	fs.Var(&listens, "listen", "KIND=ADDR (repeatable)")
	_ = fs.Parse(args)
	if *root == "" || *logFile == "" || *ready == "" || len(listens) == 0 {
		return errors.New("serve needs --root, --log, --ready and at least one --listen")
	}
	if *cleanup != "" {
		defer os.RemoveAll(*cleanup)
	}
	logF, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logF.Close()
	var users map[string][]byte
	if *htpasswdFile != "" {
		if users, err = readHtpasswd(*htpasswdFile); err != nil {
			return err
		}
	}
	var serverCert tls.Certificate
	if *cert != "" {
		if serverCert, err = tls.LoadX509KeyPair(*cert, *key); err != nil {
			return err
		}
	}
	var logMu sync.Mutex
	addrs := map[string]string{}
	var servers []*http.Server
	errs := make(chan error, len(listens))
	for _, spec := range listens {
		kind, addr, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("--listen %q: want KIND=ADDR", spec)
		}
		if _, dup := addrs[kind]; dup {
			return fmt.Errorf("--listen: %s given twice", kind)
		}
		s := &server{root: *root, listener: kind, logMu: &logMu, log: logF}
		var tlsConfig *tls.Config
		switch kind {
		case "plain":
		case "plain-auth":
			s.users = users
		case "tls-auth":
			s.users = users
			tlsConfig = &tls.Config{Certificates: []tls.Certificate{serverCert}}
		case "token":
			if users == nil || *tokenKey == "" || *tokenService == "" {
				return errors.New("token needs --htpasswd, --token-key and --token-service")
			}
			issuer, err := newTokenIssuer(*tokenKey, *tokenService, *tokenIssuer, users)
			if err != nil {
				return err
			}
			s.token = issuer
			tlsConfig = &tls.Config{Certificates: []tls.Certificate{serverCert}}
		case "mtls":
			pool := x509.NewCertPool()
			pemBytes, err := os.ReadFile(*clientCA)
			if err != nil {
				return fmt.Errorf("mtls needs --client-ca: %w", err)
			}
			if !pool.AppendCertsFromPEM(pemBytes) {
				return fmt.Errorf("%s: no certificates", *clientCA)
			}
			tlsConfig = &tls.Config{
				Certificates: []tls.Certificate{serverCert},
				ClientAuth:   tls.RequireAndVerifyClientCert,
				ClientCAs:    pool,
			}
		default:
			return fmt.Errorf("--listen: unknown kind %q", kind)
		}
		if (kind == "plain-auth" || kind == "tls-auth") && users == nil {
			return fmt.Errorf("%s needs --htpasswd", kind)
		}
		if tlsConfig != nil && *cert == "" {
			return fmt.Errorf("%s needs --cert and --key", kind)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		if tlsConfig != nil {
			ln = tls.NewListener(ln, tlsConfig)
		}
		addrs[kind] = ln.Addr().String()
		hs := &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
		servers = append(servers, hs)
		go func() { errs <- hs.Serve(ln) }()
	}
	b, _ := json.Marshal(addrs)
	if err := os.WriteFile(*ready+".tmp", b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(*ready+".tmp", *ready); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "chartsrv: serving %s on %s\n", *root, b)
	select {
	case err := <-errs:
		return err
	case <-stopSignal(*useStdin):
		for _, hs := range servers {
			_ = hs.Close()
		}
		return nil
	}
}

// stopSignal fires on SIGINT/SIGTERM and, with useStdin, at EOF on stdin.
func stopSignal(useStdin bool) <-chan struct{} {
	stop := make(chan struct{})
	var once sync.Once
	fire := func() { once.Do(func() { close(stop) }) }
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-sigs; fire() }()
	if useStdin {
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); fire() }()
	}
	return stop
}

// --- supervise ---------------------------------------------------------------

func supervise(args []string) error {
	fs := flag.NewFlagSet("supervise", flag.ExitOnError)
	cleanup := fs.String("cleanup", "", "directory to remove on exit")
	logFile := fs.String("log", "", "file for the command's stdout and stderr")
	_ = fs.Parse(args)
	cmdArgs := fs.Args()
	if *cleanup != "" {
		defer os.RemoveAll(*cleanup)
	}
	if len(cmdArgs) == 0 {
		// Nothing to run: only wait, then clean up (a janitor). Commands
		// the test process started may still be writing into the
		// directory when it dies (killed mid-test): remove it again once
		// they had time to finish.
		<-stopSignal(true)
		if *cleanup != "" {
			_ = os.RemoveAll(*cleanup)
			time.Sleep(3 * time.Second)
		}
		return nil
	}
	// PDEATHSIG fires when the *thread* that started the child exits:
	// keep this goroutine on one thread for the supervisor's whole life.
	runtime.LockOSThread()
	cmd := exec.Command(cmdArgs[0], cmdArgs[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	cmd.Stdin = nil
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	} else {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s exited: %w", cmdArgs[0], err)
		}
		return fmt.Errorf("%s exited", cmdArgs[0])
	case <-stopSignal(true):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		return nil
	}
}

// --- htpasswd ----------------------------------------------------------------

func htpasswd(args []string) error {
	fs := flag.NewFlagSet("htpasswd", flag.ExitOnError)
	user := fs.String("user", "", "user name")
	password := fs.String("password", "", "password")
	out := fs.String("out", "", "file to append to (default: stdout)")
	_ = fs.Parse(args)
	if *user == "" || strings.Contains(*user, ":") {
		return errors.New("htpasswd needs a --user without ':'")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(*password), bcrypt.MinCost)
	if err != nil {
		return err
	}
	line := *user + ":" + string(hash) + "\n"
	if *out == "" {
		_, err = os.Stdout.WriteString(line)
		return err
	}
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(line)
	return err
}

// --- pki ---------------------------------------------------------------------

func pki(args []string) error {
	fs := flag.NewFlagSet("pki", flag.ExitOnError)
	dir := fs.String("dir", "", "output directory")
	_ = fs.Parse(args)
	if *dir == "" {
		return errors.New("pki needs --dir")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "rudder-test-servers-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	if err := writePair(*dir, "ca", caDER, caKey); err != nil {
		return err
	}
	leaf := func(name, cn string, usage x509.ExtKeyUsage, ips []net.IP, dns []string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: cn},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageDigitalSignature,
			ExtKeyUsage:           []x509.ExtKeyUsage{usage},
			IPAddresses:           ips,
			DNSNames:              dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		return writePair(*dir, name, der, key)
	}
	if err := leaf("server", "localhost", x509.ExtKeyUsageServerAuth,
		[]net.IP{net.IPv4(127, 0, 0, 1)}, []string{"localhost"}); err != nil {
		return err
	}
	if err := leaf("client", "rudder-test-client", x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return err
	}
	// The registry token signer: an Ed25519 key and a self-signed
	// certificate for the registry's rootcertbundle (the registry trusts
	// the key by its JWK thumbprint, the token header's kid).
	_, tokenKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	tokenTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "rudder-test-token-signer"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	tokenDER, err := x509.CreateCertificate(rand.Reader, tokenTmpl, tokenTmpl, tokenKey.Public(), tokenKey)
	if err != nil {
		return err
	}
	return writePair(*dir, "token", tokenDER, tokenKey)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}

func writePair(dir, name string, der []byte, key any) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), certPEM, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".key"), keyPEM, 0o600)
}
