#!/usr/bin/env python3
"""Writes hostile.pb, a small uncompressed heap profile (profile.proto)
whose names and labels are what a spreadsheet would misread: frames named
`=cmd`, `1e3`, `+1`, `-x`, `@SUM(A1)`, `2024-10-09` and `'quoted`, string
labels holding a formula (`=HYPERLINK(...)`), number-like words (`1e3`,
`1,234`, `12%`) and a leading `-` or `@`, numeric labels in bytes,
nanoseconds and a bare count, and inuse samples of value 0 (freed objects).

    python3 tests/data/spreadsheet/make_hostile.py tests/data/spreadsheet/hostile.pb
    go tool pprof -traces tests/data/spreadsheet/hostile.pb > tests/data/spreadsheet/hostile.traces.txt

The tests read both: the profile itself and pprof's own `-traces` text.
"""
import sys

strings = [""]


def s(text):
    if text not in strings:
        strings.append(text)
    return strings.index(text)


def varint(v):
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def vfield(field, v):
    return key(field, 0) + varint(v) if v else b""


def mfield(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


def packed(field, values):
    return mfield(field, b"".join(varint(v) for v in values)) if values else b""


def value_type(t, u):
    return vfield(1, s(t)) + vfield(2, s(u))


def label(k, str=None, num=None, unit=None):
    out = vfield(1, s(k))
    if str is not None:
        out += vfield(2, s(str))
    if num is not None:
        out += vfield(3, num)
    if unit is not None:
        out += vfield(4, s(unit))
    return out


FUNCS = ["main.main", "main.handle", "=cmd", "1e3", "+1", "-x", "@SUM(A1)", "2024-10-09",
         "'quoted", "runtime.mallocgc"]
# Location i+1 holds function i+1, one line each.
KB = 1024
SAMPLES = [
    # stack (leaf first, function numbers), [alloc_objects, alloc_space, inuse_objects,
    # inuse_space], labels
    ([3, 2, 1], [4, 4 * KB, 2, 2 * KB], [
        label("handler", str='=HYPERLINK("http://example.com/x","click")'),
        label("bytes", num=1024, unit="bytes"), label("wait", num=1500000, unit="nanoseconds"),
        label("n", num=3)]),
    ([4, 2, 1], [10, 1536 * 10, 3, 1536 * 3], [
        label("user", str="1e3"), label("bytes", num=1536, unit="bytes"), label("n", num=7)]),
    ([5, 1], [1, 21 * KB * KB + 10 * KB, 1, 21 * KB * KB + 10 * KB], [
        label("user", str="-rf"), label("handler", str="@admin"),
        label("bytes", num=21 * KB * KB + 10 * KB, unit="bytes")]),
    ([6, 2, 1], [2, 96, 0, 0], [label("user", str="+33 1 23"), label("bytes", num=48, unit="bytes")]),
    ([7, 1], [5, 5 * 4096, 0, 0], [label("bytes", num=4096, unit="bytes")]),
    ([8, 9, 1], [1, 123456, 1, 123456], [label("handler", str="2024-10-09"), label("n", num=12)]),
    ([9, 1], [3, 3 * 33, 3, 3 * 33], [label("handler", str="'quoted")]),
    ([10, 2, 1], [7, 7 * 1000, 5, 5000], [label("user", str="1,234"), label("handler", str="12%")]),
]

body = b""
for t, u in [("alloc_objects", "count"), ("alloc_space", "bytes"), ("inuse_objects", "count"),
             ("inuse_space", "bytes")]:
    body += mfield(1, value_type(t, u))
for locs, values, labels in SAMPLES:
    body += mfield(2, packed(1, locs) + packed(2, values) + b"".join(mfield(3, l) for l in labels))
body += mfield(3, vfield(1, 1) + vfield(2, 0x400000) + vfield(3, 0x500000)
               + vfield(5, s("/srv/bin/server")) + vfield(7, 1) + vfield(8, 1) + vfield(9, 1)
               + vfield(10, 1))
for i, _ in enumerate(FUNCS):
    body += mfield(4, vfield(1, i + 1) + vfield(2, 1) + vfield(3, 0x401000 + 16 * i)
                   + mfield(4, vfield(1, i + 1) + vfield(2, 10 + i)))
for i, name in enumerate(FUNCS):
    body += mfield(5, vfield(1, i + 1) + vfield(2, s(name)) + vfield(3, s(name))
                   + vfield(4, s("/src/app/main.go")))
tail = vfield(9, 1700000000123456789) + mfield(11, value_type("space", "bytes")) + vfield(12, 524288)
body += b"".join(mfield(6, t.encode()) for t in strings) + tail
with open(sys.argv[1], "wb") as f:
    f.write(body)
