#!/usr/bin/env python3
"""Regenerates tests/data/grammar/accept/real/ and the interactive captures in
tests/data/grammar/captures/: real `go tool pprof -traces` output for the
grammar's agreement test.

Two kinds of inputs:

- the profiles shipped in samples/ (goroutine, mutex, block), printed with
  options samples/regen.sh does not use (-files, -filefunctions,
  -noinlines, -unit=megabytes, -unit=s, -mean) and as interactive
  transcripts (`echo traces | go tool pprof PROFILE`, with and without 2>&1);
- small synthetic profiles written here, byte by byte, in pprof's protobuf
  format. They carry what Go runtime profiles never do: a Build ID, profile
  comments, an empty label key, label values with spaces, numeric labels with
  and without units, unsymbolized frames (`[libc.so.6]`, `<unknown>`), a C++
  name with spaces, negative values, GCU and unknown units, no header fields
  at all (pprof then prints one empty line), and samples without stacks.

Usage (from the crate root; needs `go` on PATH, offline is fine):

    python3 tests/data/grammar/regen.py            # uses `go tool pprof`
    GO=/path/to/go python3 tests/data/grammar/regen.py

Outputs depend on the profiles and the pprof version (TZ=UTC); the `Time:`
lines of reports made from samples/ follow those profiles (regenerating
samples/ changes them).
"""

import gzip
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "accept", "real")
CAPTURES = os.path.join(HERE, "captures")
GO = os.environ.get("GO", "go")


# --------------------------------------------------------------------------
# A minimal protobuf writer for profile.proto
# --------------------------------------------------------------------------

def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, n):
    return varint(num << 3) + varint(n)


def field_bytes(num, data):
    return varint((num << 3) | 2) + varint(len(data)) + data


def packed(num, values):
    return field_bytes(num, b"".join(varint(v) for v in values))


class Profile:
    def __init__(self):
        self.strings = [""]
        self.body = bytearray()

    def s(self, text):
        if text not in self.strings:
            self.strings.append(text)
        return self.strings.index(text)

    def sample_type(self, typ, unit):
        self.body += field_bytes(1, field_varint(1, self.s(typ)) + field_varint(2, self.s(unit)))

    def sample(self, locations, values, labels=(), num_labels=()):
        msg = packed(1, locations) + packed(2, values)
        for key, value in labels:
            msg += field_bytes(3, field_varint(1, self.s(key)) + field_varint(2, self.s(value)))
        for key, num, unit in num_labels:
            lab = field_varint(1, self.s(key)) + field_varint(3, num)
            if unit:
                lab += field_varint(4, self.s(unit))
            msg += field_bytes(3, lab)
        self.body += field_bytes(2, msg)

    def mapping(self, mid, start, limit, filename, build_id="", has_functions=True):
        msg = (field_varint(1, mid) + field_varint(2, start) + field_varint(3, limit)
               + field_varint(5, self.s(filename)))
        if build_id:
            msg += field_varint(6, self.s(build_id))
        if has_functions:
            msg += field_varint(7, 1) + field_varint(8, 1) + field_varint(9, 1) + field_varint(10, 1)
        self.body += field_bytes(3, msg)

    def location(self, lid, mapping_id, address, lines=()):
        msg = field_varint(1, lid)
        if mapping_id:
            msg += field_varint(2, mapping_id)
        msg += field_varint(3, address)
        for function_id, line in lines:
            msg += field_bytes(4, field_varint(1, function_id) + field_varint(2, line))
        self.body += field_bytes(4, msg)

    def function(self, fid, name, filename):
        msg = field_varint(1, fid) + field_varint(2, self.s(name)) + field_varint(3, self.s(name))
        msg += field_varint(4, self.s(filename))
        self.body += field_bytes(5, msg)

    def scalar(self, num, n):
        self.body += field_varint(num, n)

    def comment(self, text):
        self.body += field_varint(13, self.s(text))

    def encode(self):
        # The string table is referred to by index, so it is written last.
        tail = b"".join(field_bytes(6, t.encode()) for t in self.strings)
        return gzip.compress(bytes(self.body) + tail, mtime=0)


NOV_14_2023 = 1700000000 * 10**9  # Nov 14, 2023 at 10:13pm (UTC)


def synth():
    """Build ID, comments, every label shape, unsymbolized and C++ frames."""
    p = Profile()
    p.sample_type("samples", "count")
    p.sample_type("wall", "nanoseconds")
    p.sample_type("mem", "bytes")
    p.mapping(1, 0x400000, 0x500000, "/usr/local/bin/server", "abc123")
    p.mapping(2, 0x7F0000000000, 0x7F0000100000, "/lib/x86_64-linux-gnu/libc.so.6",
              has_functions=False)
    p.function(1, "main.main", "/src/server/main.go")
    p.function(2, "main.(*Srv).Handle", "/src/server/srv.go")
    p.function(3, "main.helper", "/src/server/srv.go")
    p.function(4, "std::vector<int, std::allocator<int> >::push_back",
               "/usr/include/c++/12/bits/stl_vector.h")
    p.function(5, "example.com/pkg.Map[...]", "/src/pkg/map.go")
    # helper inlined into Handle: one location, two lines, innermost first.
    p.location(1, 1, 0x4B6F95, [(3, 12), (2, 30)])
    p.location(2, 1, 0x4B7000, [(1, 40)])
    p.location(3, 1, 0x4B8000, [(4, 1187)])
    p.location(4, 2, 0x7F0000001234)
    p.location(5, 0, 0x9999)
    p.location(6, 1, 0x4B9000, [(5, 7)])
    p.comment("a free-form comment")
    p.comment("# a comment pprof does not print")
    p.scalar(9, NOV_14_2023)
    p.scalar(10, 5400 * 10**9)  # Duration: 1.50hrs
    p.sample([1, 2], [1, 7200 * 10**9, 1 << 40],
             labels=[("id", "1"), ("id", "2"), ("alpha", "x"), ("alpha", "y"),
                     ("request_kind", "GET")],
             num_labels=[("bytes", 1536, "bytes"), ("bytes", 2048, "bytes"),
                         ("latency", 1500000, "nanoseconds"), ("objects", 3, "")])
    p.sample([3, 2], [5, 90 * 10**9, 5 << 50],
             labels=[("", "empty-key"), ("note", "two words"), ("empty", ""),
                     ("key with spaces", "v"), ("pprof::mark", "true")])
    p.sample([4, 2], [2, 1500, 999])
    p.sample([5], [3, 999999, 1023])
    p.sample([6, 2], [4, 0, 1025], labels=[("a_rather_long_key", "wide")])
    p.sample([2], [1, 5, -1000])
    return p.encode()


def no_header():
    """No mapping, an unnamed sample type, no time: pprof prints one empty
    header line."""
    p = Profile()
    p.sample_type("", "count")
    p.function(1, "main.main", "main.go")
    p.location(1, 0, 0x1000, [(1, 3)])
    p.sample([1], [7])
    return p.encode()


def no_stacks():
    """Samples without locations (like a Go threadcreate profile): the header
    and one separator."""
    p = Profile()
    p.sample_type("threadcreate", "count")
    p.mapping(1, 0x400000, 0x500000, "/usr/local/bin/demo")
    p.scalar(9, NOV_14_2023)
    p.sample([], [4])
    return p.encode()


def gcu():
    """A GCU sample unit: values like 1.50k*GCU."""
    p = Profile()
    p.sample_type("cost", "GCU")
    p.function(1, "main.main", "main.go")
    p.function(2, "main.work", "main.go")
    p.location(1, 0, 0x1000, [(1, 3)])
    p.location(2, 0, 0x2000, [(2, 9)])
    p.sample([2, 1], [1500])
    p.sample([1], [2])
    p.sample([2], [3 * 10**6])
    return p.encode()


# --------------------------------------------------------------------------
# Running pprof
# --------------------------------------------------------------------------

def pprof(args, cwd, stdin=None, stderr_too=False):
    env = dict(os.environ, TZ="UTC", GOFLAGS="", GOPROXY="off", GOTOOLCHAIN="local")
    res = subprocess.run([GO, "tool", "pprof", "-symbolize=none"] + args, cwd=cwd, env=env,
                         input=stdin, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT if stderr_too else subprocess.PIPE,
                         check=True)
    return res.stdout


def write(name, data, folder=OUT):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    print(f"wrote {os.path.relpath(os.path.join(folder, name), HERE)} ({len(data)} bytes)")


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(CAPTURES, exist_ok=True)
    samples = os.path.join(CRATE, "samples")
    goroutine = os.path.join(samples, "goroutine", "goroutine.pb.gz")
    mutex = os.path.join(samples, "mutex", "mutex.pb.gz")
    block = os.path.join(samples, "block", "block.pb.gz")
    # Interactive mode: the report follows the prompt, and the next prompt
    # ends the capture; with 2>&1 the startup header and banner come first.
    write("interactive.goroutine.traces.txt",
          pprof([goroutine], samples, stdin=b"traces\n"), CAPTURES)
    write("interactive-stderr.goroutine.traces.txt",
          pprof([goroutine], samples, stdin=b"traces\n", stderr_too=True), CAPTURES)
    write("noinlines.goroutine.traces.txt", pprof(["-traces", "-noinlines", goroutine], samples))
    write("files.mutex.traces.txt", pprof(["-traces", "-files", mutex], samples))
    write("filefunctions.mutex.traces.txt", pprof(["-traces", "-filefunctions", mutex], samples))
    write("megabytes.mutex.traces.txt",
          pprof(["-traces", "-unit=megabytes", "-sample_index=contentions", mutex], samples))
    write("seconds.mutex.traces.txt", pprof(["-traces", "-unit=s", mutex], samples))
    write("mean.block.traces.txt", pprof(["-traces", "-mean", block], samples))
    with tempfile.TemporaryDirectory() as tmp:
        profiles = {"synth": synth(), "noheader": no_header(), "nostacks": no_stacks(),
                    "gcu": gcu()}
        for name, data in profiles.items():
            with open(os.path.join(tmp, name + ".pb.gz"), "wb") as f:
                f.write(data)
        runs = [
            ("synth.mem", ["-sample_index=mem"], "synth"),
            ("synth.wall", ["-sample_index=wall"], "synth"),
            ("synth.samples", ["-sample_index=samples"], "synth"),
            ("synth.addresses", ["-addresses", "-sample_index=wall"], "synth"),
            ("synth.lines", ["-lines"], "synth"),
            ("synth.megabytes", ["-unit=megabytes", "-sample_index=samples"], "synth"),
            ("synth.exact", ["-unit=b"], "synth"),
            ("noheader", [], "noheader"),
            ("nostacks", [], "nostacks"),
            ("gcu", [], "gcu"),
        ]
        for out, args, profile in runs:
            write(out + ".traces.txt", pprof(["-traces"] + args + [profile + ".pb.gz"], tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
