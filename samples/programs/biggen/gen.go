//go:build ignore

// Command gen writes funcs_gen.go: the call graph that biggen walks. Go
// cannot make functions at run time, so the graph is generated as source once
// and the result is committed; building biggen needs no generation step.
//
//	go run gen.go                 # the committed file: -n 500 -seed 1
//	go run gen.go -n 800 -seed 7  # another graph
//
// Each function f000..fNNN (main.fNNN, or a method such as
// main.(*store).fNNN or main.parser.fNNN, a generic main.fNNN[...], or one
// whose work is in a closure main.fNNN.func1) has a few callees chosen at
// random among the next functions (so the graph is acyclic and paths can be
// about 30 calls deep) and one or two allocation sites: make([]byte),
// make([]uint64), strings.Repeat, bytes.Buffer growth, make(map), new(T), or
// a small inlined helper (main.fNNN (inline) frames). Each site has its own
// one to three sizes between 8 B and 64 kB, a few larger; some sites keep
// what they allocate alive (so inuse_space is not empty), the others drop it.
// The walker in main.go decides at run time which callee each call takes and
// when to stop and allocate.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"math/rand"
	"os"
	"strings"
)

type kind int

const (
	plain   kind = iota // func fNNN(w *walker)
	ptrMeth             // func (s *store) fNNN(w *walker)
	valMeth             // func (p parser) fNNN(w *walker)
	closure             // func fNNN(w *walker) { func() { ... }() }
	generic             // func fNNN[T any](w *walker)
	helper              // func fNNN(n int) []byte, inlinable, not walked
)

// ptrTypes are the pointer receivers; each has a package-level value.
var ptrTypes = []struct{ typ, val string }{
	{"store", "theStore"},
	{"codec", "theCodec"},
	{"index", "theIndex"},
}

type site struct {
	alloc  string // bytes, words, str, buffer, map, rec, helper
	sizes  []int
	vary   bool // jitter the size by up to +50%
	keep   bool // keep the allocation alive
	rec    string
	helper int
}

type fn struct {
	kind    kind
	recv    int // index into ptrTypes for ptrMeth
	noinl   bool
	callees []int
	sites   []site
	// helpers only
	hkind string // make, nest, concat
	hcall int    // nest: the helper it calls
}

var (
	n      = flag.Int("n", 500, "number of functions")
	seed   = flag.Int64("seed", 1, "random seed")
	out    = flag.String("o", "funcs_gen.go", "output file")
	nroots = flag.Int("roots", 24, "number of entry points (the first plain functions)")
	window = flag.Int("window", 24, "callees are among the next WINDOW functions")
	tail   = flag.Int("tail", 12, "the last TAIL functions call nothing")
)

var r *rand.Rand

// weighted returns i with probability w[i]/sum(w).
func weighted(w ...int) int {
	sum := 0
	for _, x := range w {
		sum += x
	}
	v := r.Intn(sum)
	for i, x := range w {
		if v < x {
			return i
		}
		v -= x
	}
	return len(w) - 1
}

// size draws one allocation size: mostly small, a few large.
func size(allowLarge bool) int {
	lo, hi := 8, 128
	switch weighted(40, 30, 20, 8, 2) {
	case 1:
		lo, hi = 128, 2048
	case 2:
		lo, hi = 2048, 16384
	case 3:
		lo, hi = 16384, 65536
	case 4:
		if allowLarge {
			lo, hi = 65536, 1<<20
		}
	}
	// Round sizes to a multiple of 8 (like most real objects), log-uniform.
	v := float64(lo)
	for v*1.0905 < float64(hi) && r.Intn(8) != 0 {
		v *= 1.0905
	}
	s := int(v) &^ 7
	if s < 8 {
		s = 8
	}
	return s
}

var recTypes = []string{"rec16", "rec48", "rec256", "rec1k", "rec8k"}

func main() {
	flag.Parse()
	if *n < *nroots+*tail+10 || *n > 1000 {
		log.Fatalf("-n %d: want between %d and 1000", *n, *nroots+*tail+10)
	}
	r = rand.New(rand.NewSource(*seed))
	fns := make([]fn, *n)

	// Kinds. The first nroots are plain entry points; helpers are spread out.
	var helpers []int
	for i := range fns {
		f := &fns[i]
		switch {
		case i < *nroots:
			f.kind = plain
		default:
			f.kind = []kind{plain, ptrMeth, valMeth, closure, generic, helper}[weighted(62, 15, 6, 8, 4, 5)]
		}
		f.recv = r.Intn(len(ptrTypes))
		f.noinl = true
		if f.kind == helper {
			f.noinl = false
			f.hkind = []string{"make", "nest", "concat"}[weighted(5, 3, 2)]
			if f.hkind == "nest" {
				if len(helpers) == 0 {
					f.hkind = "make"
				} else {
					f.hcall = helpers[r.Intn(len(helpers))]
				}
			}
			helpers = append(helpers, i)
		}
	}

	// Callees and allocation sites.
	for i := range fns {
		f := &fns[i]
		if f.kind == helper {
			continue
		}
		if i < *n-*tail {
			var cand []int
			for j := i + 1; j < *n && j <= i+*window; j++ {
				if fns[j].kind != helper {
					cand = append(cand, j)
				}
			}
			r.Shuffle(len(cand), func(a, b int) { cand[a], cand[b] = cand[b], cand[a] })
			k := 1 + weighted(15, 35, 30, 20)
			if k > len(cand) {
				k = len(cand)
			}
			f.callees = append(f.callees, cand[:k]...)
		}
		nsites := 1 + weighted(65, 35)
		for s := 0; s < nsites; s++ {
			st := site{alloc: []string{"bytes", "words", "str", "buffer", "map", "rec", "helper"}[weighted(30, 12, 14, 10, 8, 12, 14)]}
			if st.alloc == "helper" && len(helpers) == 0 {
				st.alloc = "bytes"
			}
			switch st.alloc {
			case "rec":
				st.rec = recTypes[weighted(30, 30, 20, 12, 8)]
			case "helper":
				st.helper = helpers[r.Intn(len(helpers))]
			}
			st.keep = r.Intn(4) == 0
			large := !st.keep && st.alloc != "str" && st.alloc != "map"
			for k := 1 + weighted(45, 35, 20); k > 0; k-- {
				st.sizes = append(st.sizes, size(large))
			}
			st.vary = r.Intn(5) == 0
			f.sites = append(f.sites, st)
		}
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by gen.go -n %d -seed %d; DO NOT EDIT.\n\n", *n, *seed)
	b.WriteString("package main\n\nimport (\n\t\"bytes\"\n\t\"strings\"\n)\n\n")
	fmt.Fprintf(&b, "// numFuncs is the number of generated functions f000..f%03d.\nconst numFuncs = %d\n\n", *n-1, *n)
	b.WriteString("// roots are the entry points the workers start their paths from.\nvar roots = [...]func(*walker){\n")
	for i := 0; i < *nroots; i++ {
		fmt.Fprintf(&b, "\tf%03d,\n", i)
	}
	b.WriteString("}\n\n")
	for i := range fns {
		writeFunc(&b, fns, i)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		os.WriteFile(*out+".broken", b.Bytes(), 0o644)
		log.Fatalf("format: %v (unformatted source in %s.broken)", err, *out)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// call is the expression that calls function j with the walker w.
func call(fns []fn, j int) string {
	switch fns[j].kind {
	case ptrMeth:
		return fmt.Sprintf("%s.f%03d(w)", ptrTypes[fns[j].recv].val, j)
	case valMeth:
		return fmt.Sprintf("parser{}.f%03d(w)", j)
	case generic:
		return fmt.Sprintf("f%03d[int](w)", j)
	}
	return fmt.Sprintf("f%03d(w)", j)
}

func sizeExpr(st site) string {
	var parts []string
	for _, s := range st.sizes {
		parts = append(parts, fmt.Sprint(s))
	}
	e := fmt.Sprintf("w.size%d(%s)", len(st.sizes), strings.Join(parts, ", "))
	if st.vary {
		e = "w.vary(" + e + ")"
	}
	return e
}

// allocStmt is the statement of one allocation site.
func allocStmt(st site) string {
	verb := "drop"
	if st.keep {
		verb = "keep"
	}
	n := sizeExpr(st)
	switch st.alloc {
	case "bytes":
		return fmt.Sprintf("%sBytes(make([]byte, %s))", verb, n)
	case "words":
		return fmt.Sprintf("%sWords(make([]uint64, %s/8))", verb, n)
	case "str":
		return fmt.Sprintf("%sString(strings.Repeat(\"x\", %s))", verb, n)
	case "buffer":
		return fmt.Sprintf("var buf bytes.Buffer\nbuf.Write(zeros[:%s])\n%sBytes(buf.Bytes())", n, verb)
	case "map":
		return fmt.Sprintf("%sAny(make(map[int32]int32, %s/16))", verb, n)
	case "rec":
		return fmt.Sprintf("%sAny(new(%s))", verb, st.rec)
	case "helper":
		return fmt.Sprintf("%sBytes(f%03d(%s))", verb, st.helper, n)
	}
	panic(st.alloc)
}

func writeFunc(b *bytes.Buffer, fns []fn, i int) {
	f := fns[i]
	name := fmt.Sprintf("f%03d", i)
	if f.kind == helper {
		fmt.Fprintf(b, "// %s is a small allocating helper, inlined into its callers.\n", name)
		switch f.hkind {
		case "make":
			fmt.Fprintf(b, "func %s(n int) []byte {\n\treturn make([]byte, n)\n}\n\n", name)
		case "nest":
			fmt.Fprintf(b, "func %s(n int) []byte {\n\treturn f%03d(n + 8)[:n]\n}\n\n", name, f.hcall)
		case "concat":
			fmt.Fprintf(b, "func %s(n int) []byte {\n\treturn []byte(strings.Repeat(\"ab\", n/2+1))\n}\n\n", name)
		}
		return
	}
	var calls []string
	for _, j := range f.callees {
		calls = append(calls, strings.Replace(call(fns, j), "(w)", "", 1))
	}
	if len(calls) > 0 {
		fmt.Fprintf(b, "// %s calls %s, or allocates.\n", name, strings.Join(calls, ", "))
	} else {
		fmt.Fprintf(b, "// %s allocates.\n", name)
	}
	if f.noinl {
		b.WriteString("//\n//go:noinline\n")
	}
	switch f.kind {
	case ptrMeth:
		fmt.Fprintf(b, "func (s *%s) %s(w *walker) {\n", ptrTypes[f.recv].typ, name)
	case valMeth:
		fmt.Fprintf(b, "func (p parser) %s(w *walker) {\n", name)
	case generic:
		fmt.Fprintf(b, "func %s[T any](w *walker) {\n", name)
	default:
		fmt.Fprintf(b, "func %s(w *walker) {\n", name)
	}
	if f.kind == closure {
		b.WriteString("func() {\n")
	}
	fmt.Fprintf(b, "switch w.next(%d) {\n", len(f.callees))
	for c, j := range f.callees {
		fmt.Fprintf(b, "case %d:\n%s\n", c, call(fns, j))
	}
	b.WriteString("default:\n")
	if len(f.sites) == 1 {
		b.WriteString(allocStmt(f.sites[0]) + "\n")
	} else {
		fmt.Fprintf(b, "switch w.site(%d) {\n", len(f.sites))
		for s, st := range f.sites {
			if s == len(f.sites)-1 {
				b.WriteString("default:\n")
			} else {
				fmt.Fprintf(b, "case %d:\n", s)
			}
			b.WriteString(allocStmt(st) + "\n")
		}
		b.WriteString("}\n")
	}
	b.WriteString("}\n")
	if f.kind == closure {
		b.WriteString("}()\n")
	}
	b.WriteString("}\n\n")
}
