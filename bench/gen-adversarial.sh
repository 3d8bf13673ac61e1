#!/usr/bin/env bash
# gen-adversarial.sh OUT_DIR: writes inputs of shapes no real report has but
# a crafted or foreign one may, to check that traces-tool stays linear in
# time and bounded in memory on them (see bench/README.md, section 4):
#
#   deep.txt       one block with a stack of DEPTH frames (default 1,000,000),
#                  all distinct (main.f0 .. main.f999999), between two small blocks
#   recursive.txt  one block of DEPTH frames cycling through 10 functions
#                  (main.r0 .. main.r9: deep recursion)
#   labels.txt     LABELS blocks (default 300,000), each with a distinct label
#                  value (request_id:  N) and a distinct leaf
#   longnames.txt  LONG blocks (default 60) whose function names are 1,000,000
#                  bytes long (under the 1 MiB line limit), all distinct
#   toolong.txt    one block whose function name is 3 MB (over the limit)
#   bomb.gz        gzip of BOMB_MIB MiB of zero bytes (default 2048)
#   bomb-text.gz   gzip of a report header and then TEXT_MIB MiB (default 512) of spaces on
#                  frame lines of one block (text that decompresses forever)
#
# Needs awk, gzip, head. About a minute and 300 MB of disk for the defaults.
set -euo pipefail

out=${1:?usage: gen-adversarial.sh OUT_DIR}
DEPTH=${DEPTH:-1000000}
LABELS=${LABELS:-300000}
LONG=${LONG:-60}
BOMB_MIB=${BOMB_MIB:-2048}
TEXT_MIB=${TEXT_MIB:-512}
mkdir -p "$out"
sep='-----------+-------------------------------------------------------'

awk -v n="$DEPTH" -v sep="$sep" 'BEGIN {
  print "Type: inuse_space"; print sep
  print "       1kB   main.small"; printf "%13smain.main\n", ""; print sep
  print "       2MB   main.f0"
  for (i = 1; i < n; i++) printf "%13smain.f%d\n", "", i
  print sep
  print "       3kB   main.small"; printf "%13smain.main\n", ""; print sep
}' >"$out/deep.txt"

awk -v n="$DEPTH" -v sep="$sep" 'BEGIN {
  print "Type: inuse_space"; print sep
  print "       2MB   main.r0"
  for (i = 1; i < n; i++) printf "%13smain.r%d\n", "", i % 10
  print sep
}' >"$out/recursive.txt"

awk -v n="$LABELS" -v sep="$sep" 'BEGIN {
  print "Type: inuse_space"; print sep
  for (i = 0; i < n; i++) {
    printf "request_id:  %d\n", i
    printf "%9dB   main.leaf%d\n", 64 + i % 1000, i
    printf "%13smain.handler\n", ""; printf "%13smain.main\n", ""
    print sep
  }
}' >"$out/labels.txt"

awk -v n="$LONG" -v sep="$sep" 'BEGIN {
  x = "x"; while (length(x) < 1000000) x = x x; x = substr(x, 1, 999990)
  print "Type: inuse_space"; print sep
  for (i = 0; i < n; i++) {
    printf "%9dkB   main.%s%d\n", 1 + i, x, i
    printf "%13smain.%s%d\n", "", x, i + 1000
    print sep
  }
}' >"$out/longnames.txt"

awk -v sep="$sep" 'BEGIN {
  x = "x"; while (length(x) < 3000000) x = x x
  print "Type: inuse_space"; print sep
  printf "       1kB   main.%s\n", x
  print sep
}' >"$out/toolong.txt"

head -c "$((BOMB_MIB << 20))" /dev/zero | gzip -1 >"$out/bomb.gz"

{
  printf 'Type: inuse_space\n%s\n       1kB   main.main\n' "$sep"
  # 2^16 spaces per line: frame lines of 13 spaces and an indented name.
  head -c "$((TEXT_MIB << 20))" /dev/zero | tr '\0' ' ' | fold -w 65536 | sed 's/$/x/'
} | gzip -1 >"$out/bomb-text.gz"

ls -l "$out"
