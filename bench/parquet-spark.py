"""Spark in local mode reads `export --to parquet` and adds up what `top` does.

    python3 -m pip install pyspark        # and a JRE: apt-get install default-jre-headless
    python3 bench/parquet-spark.py target/release/traces-tool samples/heap/inuse_space.traces.txt

Exports the report to a Parquet file in a scratch folder, reads it with
Spark (`local[1]`), and compares per function the flat sums (by `leaf`) and
the cumulative sums (each function once per sample, by `explode(stack)`)
with `traces-tool top --format json --nodecount 0 --nodefraction 0`, to the
hundredth. Prints the schema Spark reads, the counts compared, the
mismatches (none expected) and the time Spark took. Exits 1 on a mismatch.
Not part of `cargo test`: Spark takes minutes to start on a small machine.
"""

import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: python3 bench/parquet-spark.py TRACES_TOOL REPORT")
    tt, report = sys.argv[1], sys.argv[2]
    scratch = tempfile.mkdtemp(prefix="parquet-spark-")
    path = f"{scratch}/samples.parquet"
    subprocess.run([tt, "export", "--to", "parquet", "-o", path, report], check=True)
    top = json.loads(
        subprocess.run(
            [tt, "top", "--format", "json", "--nodecount", "0", "--nodefraction", "0", report],
            check=True,
            capture_output=True,
            text=True,
        ).stdout,
        parse_float=Decimal,
        parse_int=Decimal,
    )
    want_flat = {n["function"]: Decimal(n["flat"]) for n in top["nodes"]}
    want_cum = {n["function"]: Decimal(n["cum"]) for n in top["nodes"]}

    t0 = time.time()
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("traces-tool-parquet")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    t1 = time.time()
    spark.read.parquet(path).createOrReplaceTempView("t")
    print(spark.table("t").schema.simpleString())
    flat = spark.sql("SELECT leaf, CAST(sum(value) AS STRING) FROM t GROUP BY leaf").collect()
    cum = spark.sql(
        "SELECT n, CAST(sum(value) AS STRING) FROM (SELECT DISTINCT input, sample, value, "
        "f.name AS n FROM (SELECT input, sample, value, explode(stack) AS f FROM t)) GROUP BY n"
    ).collect()
    total = spark.sql("SELECT count(*), CAST(sum(value) AS STRING) FROM t").collect()[0]
    t2 = time.time()
    spark.stop()

    # top lists no function whose flat and cum are 0.
    got_flat = {r[0]: Decimal(r[1]) for r in flat if r[0] is not None}
    got_cum = {r[0]: Decimal(r[1]) for r in cum}
    bad = []
    for name in set(want_cum) | set(got_cum):
        want = (want_flat.get(name, Decimal(0)), want_cum.get(name, Decimal(0)))
        got = (got_flat.get(name, Decimal(0)), got_cum.get(name, Decimal(0)))
        if want != got:
            bad.append((name, want, got))
    print(f"rows {total[0]}, sum {total[1]} (top's total {top['total']})")
    print(f"functions compared: {len(set(want_cum) | set(got_cum))}, mismatches: {len(bad)}")
    for b in bad[:10]:
        print("  ", b)
    print(f"Spark start {t1 - t0:.1f} s, queries {t2 - t1:.1f} s")
    sys.exit(1 if bad or Decimal(total[1]) != Decimal(top["total"]) else 0)


if __name__ == "__main__":
    main()
