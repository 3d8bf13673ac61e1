//! Criterion benchmarks: parse throughput in MiB/s on the real reports of
//! `samples/` (and on `bench/out/100mb/traces.txt` when it has been
//! generated with `bench/gen-large.sh`), and each command end to end.
//!
//! `cargo bench --bench parse`; speeds are for comparing builds on one
//! machine, not promises (see bench/RESULTS.md for side-by-side ratios).

use std::hint::black_box;
use std::path::Path;

use clap::Parser;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use traces_tool::output::text::PlainText;
use traces_tool::read::traces::{ReaderOptions, TraceReader};

// The binary's command line, compiled into the benchmark as it is into the
// binary (the library does not carry it).
#[allow(dead_code, unused_imports)]
#[path = "../src/cli.rs"]
mod cli;
#[allow(dead_code, unused_imports)]
#[path = "../src/cmd/mod.rs"]
mod cmd;
use traces_tool::record::{Names, Record};

/// Reports to measure: a heap and a CPU sample, and the large generated
/// report when present.
fn reports() -> Vec<&'static str> {
    let mut out = vec!["samples/heap/alloc_space.traces.txt", "samples/cpu/cpu.traces.txt"];
    if Path::new("bench/out/100mb/traces.txt").exists() {
        out.push("bench/out/100mb/traces.txt");
    }
    out
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    for path in reports() {
        let bytes = std::fs::read(path).unwrap();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(path, |b| {
            b.iter(|| {
                let mut reader =
                    TraceReader::new(path, &bytes[..], ReaderOptions::default()).unwrap();
                let (mut names, mut rec) = (Names::new(), Record::new());
                let mut frames = 0usize;
                while reader.read_record(&mut rec, &mut names).unwrap() {
                    frames += rec.frames.len();
                }
                black_box(frames)
            })
        });
    }
    group.finish();
}

fn commands(c: &mut Criterion) {
    let mut group = c.benchmark_group("command");
    group.sample_size(10);
    let file = "samples/heap/alloc_space.traces.txt";
    group.throughput(Throughput::Bytes(std::fs::metadata(file).unwrap().len()));
    let runs: &[&[&str]] = &[
        &["grep", "ReadMIMEHeader", "--top", "3"],
        &["hist", "ReadMIMEHeader"],
        &["hist", "--all"],
        &["csv"],
        &["top"],
        &["peek", "json"],
        &["stacks"],
        &["summary"],
        &["blame"],
        &["folded"],
    ];
    for args in runs {
        let mut argv = vec!["traces-tool"];
        argv.extend_from_slice(args);
        argv.push(file);
        let cli = cli::Cli::try_parse_from(&argv).unwrap();
        group.bench_function(args.join(" "), |b| {
            b.iter(|| {
                let mut out = PlainText(Vec::with_capacity(1 << 20));
                black_box(cli.run_into(&mut out).unwrap());
                out.0.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse, commands);
criterion_main!(benches);
