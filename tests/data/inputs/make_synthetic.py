#!/usr/bin/env python3
"""Writes synthetic.pb, a small uncompressed pprof profile (profile.proto)
whose `go tool pprof -traces` output exercises what the loader must get
right: Merge (duplicate locations, identical samples, all-zero samples,
mapping deduplication), empty stacks, inlined lines, unsymbolized frames,
string and numeric labels with units, the demangler's clean-up, drop_frames
pruning, URL mapping files, comments, Build ID, Time and Duration.

    python3 tests/data/inputs/make_synthetic.py tests/data/inputs/synthetic.pb

The expected outputs next to it come from Go 1.19.8's pprof; see README.md.
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


def mapping(id, start, limit, offset, file, build_id=""):
    return (vfield(1, id) + vfield(2, start) + vfield(3, limit) + vfield(4, offset)
            + vfield(5, s(file)) + vfield(6, s(build_id)) + vfield(7, 1) + vfield(8, 1)
            + vfield(9, 1) + vfield(10, 1))


def function(id, name, system=None, file="/src/app/main.go"):
    return (vfield(1, id) + vfield(2, s(name)) + vfield(3, s(name if system is None else system))
            + vfield(4, s(file)))


def location(id, mapping_id, address, lines):
    out = vfield(1, id) + vfield(2, mapping_id) + vfield(3, address)
    for fid, line in lines:
        out += mfield(4, vfield(1, fid) + vfield(2, line))
    return out


def label(k, str=None, num=None, unit=None):
    out = vfield(1, s(k))
    if str is not None:
        out += vfield(2, s(str))
    if num is not None:
        out += vfield(3, num)
    if unit is not None:
        out += vfield(4, s(unit))
    return out


def sample(locs, values, labels=()):
    return packed(1, locs) + packed(2, values) + b"".join(mfield(3, l) for l in labels)


FUNCS = {
    1: ("main.main",), 2: ("main.(*Srv).Handle",), 3: ("main.helper",),
    4: ("std::vector<int>::push_back(int)",), 5: ("",), 6: ("runtime.mallocgc",),
    7: ("runtime.memclr",), 8: ("main.alloc",), 9: ("main.keep",),
    10: ("main.renamed", "main.renamed.abi0"), 11: ("main.main",),
}

LOCS = [
    # id, mapping, address, lines (function id, line): innermost first
    (1, 1, 0x401000, [(3, 10), (2, 20)]),   # helper inlined into Handle
    (2, 1, 0x402000, [(1, 30)]),            # main.main
    (3, 1, 0x401000, [(3, 10), (2, 20)]),   # same key as 1: merged
    (4, 2, 0x7F0000001234, []),             # [libfoo.so.1]
    (5, 0, 0x9999, []),                     # no mapping: <unknown>
    (6, 1, 0x403000, [(4, 5)]),             # demangled C++ name, cleaned up
    (7, 1, 0x404000, [(5, 6)]),             # empty function name: [server]
    (8, 1, 0x405000, [(7, 1)]),             # runtime.memclr (pruned)
    (9, 1, 0x406000, [(6, 2)]),             # runtime.mallocgc (dropped)
    (10, 1, 0x407000, [(8, 3)]),            # main.alloc
    (11, 3, 0x7F1000001234, []),            # libfoo again, other mapping: merged with 4
    (12, 4, 0x10, []),                      # mapping with URL file: <unknown>
    (13, 1, 0x408000, [(10, 7)]),           # name differs from system name
    (14, 1, 0x402000, [(11, 30)]),          # function 11 = function 1 by key: merged with 2
]

MB = 1 << 20
SAMPLES = [
    # objects, space, wall
    ([1, 2], [1, 1024, 1500], [
        label("alpha", str="x"), label("alpha", str="y"), label("id", str="1"),
        label("id", str="2"), label("request_kind", str="GET"), label("bytes", num=1536),
        label("bytes", num=2048), label("latency", num=1500000, unit="nanoseconds"),
        label("objects", num=3), label("empty", str=""), label("zero", num=0)]),
    ([3, 2], [2, 1, 5], [  # the same as the first after Merge: summed into it
        label("id", str="1"), label("id", str="2"), label("alpha", str="x"),
        label("alpha", str="y"), label("request_kind", str="GET"), label("bytes", num=1536),
        label("bytes", num=2048), label("latency", num=1500000, unit="nanoseconds"),
        label("objects", num=3)]),
    ([14], [0, 0, 0], []),                      # all zero: dropped
    ([], [4, 4096, 4000], [label("k", str="no stack")]),  # counted in the total, not printed
    ([4, 2], [1, 5 << 50, 999999], []),
    ([11, 2], [1, 3, 1], []),                   # merged into the one above
    ([5], [1, 1023, 5], []),
    ([6, 7, 2], [-1, -40 * 1024, -1], []),
    ([8, 9, 10, 2], [1, 3 * MB, 7200000000000], [label("", str="empty-key")]),
    ([12, 13, 2], [0, 1025, 0], [label("request", num=4096), label("alignment", num=8),
                                 label("latency", num=2500, unit="ms")]),
    ([1, 2], [1, 512, 5], [label("latency", num=1500000)]),  # no unit: another sample
    ([1, 2], [1, 0, 7], [label("shard", str="0"), label("role", str="worker")]),
]

body = b""
for t, u in [("objects", "count"), ("space", "bytes"), ("wall", "nanoseconds")]:
    body += mfield(1, value_type(t, u))
for locs, values, labels in SAMPLES:
    body += mfield(2, sample(locs, values, labels))
for m in [mapping(1, 0x400000, 0x500000, 0, "/srv/bin/server", "abc123"),
          mapping(2, 0x7F0000000000, 0x7F0000100000, 0, "/opt/none/libfoo.so.1"),
          mapping(3, 0x7F1000000000, 0x7F1000100000, 0, "/opt/none/libfoo.so.1"),
          mapping(4, 0, 0x1000, 0, "http://example.com/plugin"),
          mapping(5, 0x900000, 0x901000, 0, "/srv/bin/unused")]:
    body += mfield(3, m)
for id, m, addr, lines in LOCS:
    body += mfield(4, location(id, m, addr, lines))
for id, spec in FUNCS.items():
    body += mfield(5, function(id, *spec))
tail = (vfield(7, s("runtime\\.malloc.*")) + vfield(9, 1700000000123456789)
        + vfield(10, 2000000000) + mfield(11, value_type("space", "bytes"))
        + vfield(12, 524288) + packed(13, [s("a free-form comment"), s("#hidden"),
                                            s("a free-form comment")])
        + vfield(14, s("space")))
# The string table comes after every string is known.
body += b"".join(mfield(6, t.encode()) for t in strings) + tail
with open(sys.argv[1], "wb") as f:
    f.write(body)
