// Command httpheap runs a small HTTP service in-process and drives it with
// its own client, so that request handling dominates the heap the way it does
// in a typical Go service. It writes two heap profiles into the output
// directory given as the only argument:
//
//	heap-before.pb.gz  after a small load (the -diff_base baseline)
//	heap-after.pb.gz   after a larger load
//
// The allocation sites include net/textproto header parsing (requests carry
// many headers), a bearer-token middleware that base64- and JSON-decodes the
// token claims, JSON decoding of request bodies into structs and maps, a
// package-level cache that keeps request data alive (so inuse_* is not
// trivial) and small inlined helpers that allocate (so "(inline)" frames
// appear). Only the standard library is used.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memProfileRate: sample about one allocation per 512 bytes. This gives many
// samples while the profiles stay small. It is set in main once the client's
// request templates are built, so that their one-off setup allocations are
// (almost all) not sampled and do not crowd the profile.
const memProfileRate = 512

// ---------------------------------------------------------------------------
// Token middleware

// Claims is the JSON payload of a bearer token.
type Claims struct {
	Subject  string            `json:"sub"`
	Tenant   string            `json:"tenant"`
	Scopes   []string          `json:"scopes"`
	Expires  int64             `json:"exp"`
	Metadata map[string]string `json:"meta"`
}

type claimsKey struct{}

var errBadToken = errors.New("bad token")

// parseBearer extracts the token from an "Authorization: Bearer <t>" value.
func parseBearer(h string) (string, error) {
	const prefix = "Bearer "
	if !strings.HasPrefix(h, prefix) {
		return "", errBadToken
	}
	return strings.TrimSpace(h[len(prefix):]), nil
}

// decodeClaims decodes "<header>.<claims>.<sig>" (JWT-like, unsigned).
func decodeClaims(tok string) (*Claims, error) {
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

func authMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := parseBearer(r.Header.Get("Authorization"))
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		c, err := decodeClaims(tok)
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		ctx := context.WithValue(r.Context(), claimsKey{}, c)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// ---------------------------------------------------------------------------
// Handlers

// Event is the JSON body of POST /ingest.
type Event struct {
	ID         string                 `json:"id"`
	Kind       string                 `json:"kind"`
	Tags       []string               `json:"tags"`
	Attributes map[string]interface{} `json:"attributes"`
	Payload    string                 `json:"payload"`
	Values     []float64              `json:"values"`
}

// entry is what the cache keeps alive.
type entry struct {
	key     string
	tenant  string
	payload []byte
	tags    []string
	attrs   map[string]interface{}
}

// The package-level cache keeps request data alive, so inuse_space grows with
// the load. It is bounded so that the program's memory stays small.
var (
	cacheMu    sync.Mutex
	cache      = map[string]*entry{}
	cacheOrder []string
)

const cacheLimit = 1500

// cacheKey is small enough to be inlined, and allocates (string concat).
func cacheKey(tenant, id string) string {
	return tenant + "/" + id
}

// copyPayload is small enough to be inlined, and allocates. (A make+copy
// pair would be rewritten to runtime.makeslicecopy, which loses the inlined
// frame; a plain conversion keeps it.)
func copyPayload(s string) []byte {
	return []byte(s)
}

func remember(c *Claims, id string, ev *Event) {
	e := &entry{
		key:     cacheKey(c.Tenant, id),
		tenant:  c.Tenant,
		payload: copyPayload(ev.Payload),
		tags:    append([]string(nil), ev.Tags...),
		attrs:   ev.Attributes,
	}
	cacheMu.Lock()
	if _, ok := cache[e.key]; !ok {
		cacheOrder = append(cacheOrder, e.key)
	}
	cache[e.key] = e
	for len(cacheOrder) > cacheLimit {
		delete(cache, cacheOrder[0])
		cacheOrder = cacheOrder[1:]
	}
	cacheMu.Unlock()
}

func ingestHandler(w http.ResponseWriter, r *http.Request) {
	c, _ := r.Context().Value(claimsKey{}).(*Claims)
	var ev Event
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// The client numbers its requests (?n=...), so every request gets its
	// own cache entry and the cache fills up to cacheLimit.
	id := ev.ID + "." + r.URL.Query().Get("n")
	remember(c, id, &ev)
	sum := 0.0
	for _, v := range ev.Values {
		sum += v
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]interface{}{
		"id":     ev.ID,
		"n":      len(ev.Values),
		"sum":    sum,
		"stored": cacheKey(c.Tenant, id),
	})
}

func lookupHandler(w http.ResponseWriter, r *http.Request) {
	c, _ := r.Context().Value(claimsKey{}).(*Claims)
	q := r.URL.Query()
	key := cacheKey(c.Tenant, q.Get("id")+"."+q.Get("n"))
	cacheMu.Lock()
	e := cache[key]
	cacheMu.Unlock()
	if e == nil {
		http.NotFound(w, r)
		return
	}
	fmt.Fprintf(w, "%s %d %s\n", e.key, len(e.payload), strings.Join(e.tags, ","))
}

// ---------------------------------------------------------------------------
// Client side (load generator)
//
// The requests are built once, from a fixed seed, as a small set of
// templates that are serialized to HTTP/1.1 wire format and then replayed
// over one keep-alive TCP connection, each with its own request line
// (carrying the request number ?n=...); responses are read with
// http.ReadResponse. This keeps the load deterministic and keeps the client's
// own allocations (which share the heap with the server) small, so that the
// heap profile is dominated by the server side, as it would be in a service
// whose clients are other processes.

// wireRequest is a serialized request without its request line.
type wireRequest struct {
	method string // "POST"
	path   string // "/ingest?n=": the request number is appended
	rest   []byte // the headers and body
}

type template struct {
	ingest wireRequest
	lookup wireRequest
}

type client struct {
	conn      net.Conn
	br        *bufio.Reader
	templates []template
	seq       int
}

func makeToken(rng *rand.Rand, i int) string {
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	meta := map[string]string{}
	for j := 0; j < 4+rng.Intn(6); j++ {
		meta["k"+strconv.Itoa(j)] = strings.Repeat("v", 8+rng.Intn(40))
	}
	body, _ := json.Marshal(Claims{
		Subject:  "user-" + strconv.Itoa(i),
		Tenant:   "tenant-" + strconv.Itoa(i%7),
		Scopes:   []string{"read", "write", "ingest", "admin"}[:1+rng.Intn(4)],
		Expires:  1900000000,
		Metadata: meta,
	})
	return hdr + "." + base64.RawURLEncoding.EncodeToString(body) + ".sig"
}

func makeEvent(rng *rand.Rand, i int) []byte {
	ev := Event{
		ID:         "ev-" + strconv.Itoa(i),
		Kind:       []string{"click", "view", "purchase", "error"}[rng.Intn(4)],
		Attributes: map[string]interface{}{},
		Payload:    strings.Repeat("x", 64+rng.Intn(4096)),
	}
	for j := 0; j < 1+rng.Intn(8); j++ {
		ev.Tags = append(ev.Tags, "tag"+strconv.Itoa(rng.Intn(50)))
	}
	for j := 0; j < rng.Intn(12); j++ {
		ev.Attributes["attr"+strconv.Itoa(j)] = map[string]interface{}{
			"n": rng.Intn(1000), "s": strings.Repeat("a", rng.Intn(200)),
		}
	}
	for j := 0; j < rng.Intn(64); j++ {
		ev.Values = append(ev.Values, rng.Float64()*100)
	}
	b, _ := json.Marshal(ev)
	return b
}

// makeHeader builds many headers, so that the server's ReadMIMEHeader
// allocates.
func makeHeader(rng *rand.Rand, token string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	h.Set("User-Agent", "httpheap-loadgen/1.0")
	h.Set("Accept", "application/json")
	h.Set("Content-Type", "application/json")
	// Three header counts only: each distinct count is a distinct allocation
	// size, hence a distinct heap profile sample, in several places.
	n := []int{16, 24, 32}[rng.Intn(3)]
	for j := 0; j < n; j++ {
		h.Set("X-Custom-Header-"+strconv.Itoa(j), strings.Repeat("h", 10+rng.Intn(90)))
	}
	return h
}

func serialize(method, path, host string, h http.Header, body []byte) wireRequest {
	req, err := http.NewRequest(method, "http://"+host+path, bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	req.Header = h
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		log.Fatal(err)
	}
	wire := buf.Bytes()
	eol := bytes.Index(wire, []byte("\r\n"))
	return wireRequest{method: method, path: path, rest: wire[eol+2:]}
}

func newClient(addr string, seed int64, n int) *client {
	rng := rand.New(rand.NewSource(seed))
	var tokens []string
	for i := 0; i < 16; i++ {
		tokens = append(tokens, makeToken(rng, i))
	}
	cl := &client{}
	for i := 0; i < n; i++ {
		h := makeHeader(rng, tokens[i%len(tokens)])
		cl.templates = append(cl.templates, template{
			ingest: serialize("POST", "/ingest?n=", addr, h, makeEvent(rng, i)),
			lookup: serialize("GET", "/lookup?id=ev-"+strconv.Itoa(i)+"&n=", addr, h, nil),
		})
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	cl.conn = conn
	cl.br = bufio.NewReader(conn)
	return cl
}

func (cl *client) roundTrip(w *wireRequest, n int) {
	line := w.method + " " + w.path + strconv.Itoa(n) + " HTTP/1.1\r\n"
	bufs := net.Buffers{[]byte(line), w.rest}
	if _, err := bufs.WriteTo(cl.conn); err != nil {
		log.Fatal(err)
	}
	resp, err := http.ReadResponse(cl.br, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		log.Fatalf("%s %s%d: unexpected status %s", w.method, w.path, n, resp.Status)
	}
}

func (cl *client) load(n int) {
	for i := 0; i < n; i++ {
		cl.seq++
		t := &cl.templates[cl.seq%len(cl.templates)]
		cl.roundTrip(&t.ingest, cl.seq)
		if i%5 == 0 {
			cl.roundTrip(&t.lookup, cl.seq)
		}
	}
}

func writeHeap(path string) {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: httpheap OUTDIR")
		os.Exit(2)
	}
	out := os.Args[1]

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ingest", authMiddleware(http.HandlerFunc(ingestHandler)))
	mux.Handle("/lookup", authMiddleware(http.HandlerFunc(lookupHandler)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)

	cl := newClient(ln.Addr().String(), 1, numTemplates)
	runtime.MemProfileRate = memProfileRate

	cl.load(smallLoad)
	writeHeap(filepath.Join(out, "heap-before.pb.gz"))
	cl.load(largeLoad)
	writeHeap(filepath.Join(out, "heap-after.pb.gz"))

	cl.conn.Close()
	srv.Close()
}

const (
	numTemplates = 24
	smallLoad    = 200
	largeLoad    = 3000
)
