// Command leaky is a small HTTP service with a memory leak of the kind the
// motivating example of traces-tool met in production: a middleware stores
// each request in a global map (github.com/acme/reqctx, gorilla/context
// style) and never deletes it, so every request, its headers and its
// session stay alive. The program drives itself with a client and writes two
// heap profiles into the directory given as its only argument:
//
//	heap-before.pb.gz  after a small load
//	heap-after.pb.gz   after a larger load
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
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

	"example.com/leaky/api"
	"example.com/leaky/middleware"
)

// Sample about one allocation per 2 kB: enough samples, small profiles.
const memProfileRate = 2048

func serve(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/items", api.CreateItem)
	srv := &http.Server{Handler: middleware.Auth(middleware.SessionContext(mux))}
	_ = srv.Serve(ln)
}

// requests builds n distinct raw HTTP/1.1 requests once, so that the client
// allocates almost nothing while the profile runs.
func requests(n int) [][]byte {
	rng := rand.New(rand.NewSource(1))
	out := make([][]byte, n)
	for i := range out {
		claims := fmt.Sprintf(`{"sub":"user-%d","tenant":"t%d","scopes":["read","write"]}`, rng.Intn(1000), rng.Intn(20))
		token := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + ".sig"
		body := fmt.Sprintf(`{"id":"item-%d","name":"widget %d","tags":["a","b","c"],"attrs":{"color":"red","size":"%d"}}`, i, rng.Intn(100), rng.Intn(10))
		var b bytes.Buffer
		fmt.Fprintf(&b, "POST /items HTTP/1.1\r\nHost: leaky\r\nAuthorization: Bearer %s\r\n", token)
		for h := 0; h < 16; h++ {
			fmt.Fprintf(&b, "X-Trace-%02d: %016x-%08x\r\n", h, rng.Uint64(), rng.Uint32())
		}
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		out[i] = b.Bytes()
	}
	return out
}

func load(conn net.Conn, br *bufio.Reader, reqs [][]byte, n int) {
	for i := 0; i < n; i++ {
		if _, err := conn.Write(reqs[i%len(reqs)]); err != nil {
			log.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			log.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
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
	f.Close()
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: leaky OUTDIR")
	}
	dir := os.Args[1]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go serve(ln)
	reqs := requests(64)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	br := bufio.NewReader(conn)
	runtime.MemProfileRate = memProfileRate
	load(conn, br, reqs, 300)
	writeHeap(filepath.Join(dir, "heap-before.pb.gz"))
	load(conn, br, reqs, 2700)
	writeHeap(filepath.Join(dir, "heap-after.pb.gz"))
}
