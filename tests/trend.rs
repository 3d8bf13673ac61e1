//! `traces-tool trend` on the heap profiles of `samples/programs/growing`
//! (six ticks a second apart): every per-snapshot value against `go tool
//! pprof -top` of that snapshot (stored in samples/trend/), from the binary
//! profiles and from their `-traces` text, flat and cum, inuse and alloc;
//! the verdicts of the four allocation sites; time order; the outputs.

mod support;

use std::collections::BTreeMap;

use support::{gunzip_text, run, stdout_ok};

const SERIES: &str = "samples/trend/series";
const TICKS: usize = 6;

fn profiles() -> Vec<String> {
    (1..=TICKS).map(|t| format!("{SERIES}/tick-{t}.pb.gz")).collect()
}

fn texts() -> Vec<String> {
    (1..=TICKS).map(|t| format!("{SERIES}/tick-{t}.exact.traces.txt.gz")).collect()
}

/// pprof's exact `-top` of each tick: per tick, function → (flat, cum) in
/// bytes, from the file regen.d/trend.sh wrote.
fn pprof_tops(file: &str) -> Vec<BTreeMap<String, (i128, i128)>> {
    let text = gunzip_text(&format!("{SERIES}/{file}"));
    let mut tops: Vec<BTreeMap<String, (i128, i128)>> = Vec::new();
    let bytes = |s: &str| -> i128 {
        if s == "0" {
            return 0;
        }
        s.strip_suffix('B').unwrap_or_else(|| panic!("not -unit=b: {s}")).parse().unwrap()
    };
    for line in text.lines() {
        if line.starts_with("==> tick-") {
            tops.push(BTreeMap::new());
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 6 || !fields[1].ends_with('%') || !fields[4].ends_with('%') {
            continue;
        }
        let name = fields[5..].join(" ");
        let name = name.strip_suffix(" (inline)").unwrap_or(&name).to_owned();
        tops.last_mut().unwrap().insert(name, (bytes(fields[0]), bytes(fields[3])));
    }
    assert_eq!(tops.len(), TICKS, "{file}: one -top per tick");
    assert!(tops.iter().all(|t| t.len() >= 5), "{file}: every tick has its functions");
    tops
}

/// `trend --format csv` (long) as key → values per position.
fn trend_values(args: &[&str], inputs: &[String]) -> BTreeMap<String, Vec<i128>> {
    let mut all: Vec<&str> = vec!["trend", "--format", "csv", "--top", "0"];
    all.extend_from_slice(args);
    all.extend(inputs.iter().map(String::as_str));
    let csv = stdout_ok(&all);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut out: BTreeMap<String, Vec<i128>> = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        let position: usize = row[col("position")].parse().unwrap();
        let series = out.entry(row[col("key")].to_owned()).or_insert_with(|| vec![0; TICKS]);
        series[position - 1] = row[col("value")].parse().unwrap();
    }
    out
}

/// Every value of `trend` equals pprof's flat (or cum) of that function in
/// that snapshot, and every function pprof shows is a row.
fn assert_matches_pprof(
    trend: &BTreeMap<String, Vec<i128>>,
    tops: &[BTreeMap<String, (i128, i128)>],
    cum: bool,
    what: &str,
) {
    for (t, top) in tops.iter().enumerate() {
        for (name, &(flat, cum_v)) in top {
            let expected = if cum { cum_v } else { flat };
            let got = trend.get(name).map_or(0, |s| s[t]);
            assert_eq!(got, expected, "{what}: {name} at tick {}", t + 1);
        }
        for (key, series) in trend {
            if series[t] != 0 {
                assert!(top.contains_key(key), "{what}: {key} at tick {} not in pprof", t + 1);
            }
        }
    }
}

#[test]
fn every_value_is_pprofs_top_of_that_snapshot() {
    let inuse = pprof_tops("inuse_space.top.txt.gz");
    let alloc = pprof_tops("alloc_space.top.txt.gz");
    let profiles = profiles();
    let texts = texts();
    assert_matches_pprof(&trend_values(&[], &profiles), &inuse, false, "inuse flat, binary");
    assert_matches_pprof(&trend_values(&["--cum"], &profiles), &inuse, true, "inuse cum, binary");
    assert_matches_pprof(&trend_values(&[], &texts), &inuse, false, "inuse flat, text");
    assert_matches_pprof(&trend_values(&["--cum"], &texts), &inuse, true, "inuse cum, text");
    let alloc_args = ["--sample-index", "alloc_space"];
    assert_matches_pprof(&trend_values(&alloc_args, &profiles), &alloc, false, "alloc flat");
    // The leak itself, exactly: 1 MiB more at every tick.
    let leak = &trend_values(&[], &profiles)["main.(*sessions).remember"];
    assert_eq!(leak, &(1..=TICKS as i128).map(|t| t << 20).collect::<Vec<_>>());
}

/// `trend --format json` of the binary profiles.
fn json(args: &[&str], inputs: &[String]) -> serde_json::Value {
    let mut all: Vec<&str> = vec!["trend", "--format", "json"];
    all.extend_from_slice(args);
    all.extend(inputs.iter().map(String::as_str));
    serde_json::from_str(&stdout_ok(&all)).unwrap()
}

fn row<'a>(doc: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    doc["rows"].as_array().unwrap().iter().find(|r| r["key"] == key).unwrap()
}

#[test]
fn the_four_sites_get_their_verdicts_and_the_leak_ranks_first() {
    let doc = json(&[], &profiles());
    assert_eq!(doc["rows"][0]["key"], "main.(*sessions).remember");
    for (key, verdict) in [
        ("main.(*sessions).remember", "growing"),
        ("main.loadConfig", "stable"),
        ("main.buildBatch", "transient"),
        ("main.renderReport", "new"),
    ] {
        assert_eq!(row(&doc, key)["verdict"], verdict, "{key}");
    }
    // Growth per hour: the least-squares slope over the profiles' own
    // times, which are a second apart (so about 1 MiB/s = 3.6 GiB/h).
    let times: Vec<f64> = doc["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["time_nanos"].as_i64().unwrap() as f64 / 3.6e12)
        .collect();
    assert!(times.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] < 5.0 / 3600.0), "{times:?}");
    let leak = row(&doc, "main.(*sessions).remember");
    let per_hour = leak["per_hour"].as_f64().unwrap();
    let span = times[TICKS - 1] - times[0];
    let rough = 5.0 * 1048576.0 / span;
    assert!((per_hour / rough - 1.0).abs() < 0.1, "{per_hour} vs {rough}");
    assert!(leak["fit"].as_f64().unwrap() > 0.99);
    assert_eq!(leak["change"], 5 * 1048576);
    assert!(row(&doc, "main.loadConfig")["per_hour"].as_f64().unwrap().abs() < 1e-6);
}

#[test]
fn snapshots_go_in_time_order_whatever_the_order_given() {
    let mut shuffled = profiles();
    shuffled.swap(0, 4);
    shuffled.swap(1, 3);
    let sorted = json(&[], &profiles());
    let from_shuffled = json(&[], &shuffled);
    assert_eq!(from_shuffled["rows"], sorted["rows"]);
    assert_eq!(from_shuffled["order"], "time");
    // As given, the leak is no longer a leak.
    let given = json(&["--order", "given"], &shuffled);
    assert_eq!(given["order"], "given");
    assert_ne!(row(&given, "main.(*sessions).remember")["verdict"], "growing");
    // Text reports print the time to the minute: the order given, said so.
    let r = run(&["trend", &texts()[0], &texts()[1]]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("in the order given"), "{}", r.stderr);
    assert!(r.stdout.contains("/snap"), "growth per snapshot:\n{}", r.stdout);
}

#[test]
fn text_shows_each_series_and_alloc_says_it_is_a_rate() {
    let text = stdout_ok(
        &[&["trend"][..], &profiles().iter().map(String::as_str).collect::<Vec<_>>()].concat(),
    );
    let leak = text.lines().find(|l| l.ends_with("main.(*sessions).remember")).unwrap();
    assert!(leak.starts_with("growing"), "{leak}");
    assert!(leak.contains("1MB → 2MB → 3MB → 4MB → 5MB → 6MB"), "{leak}");
    let new = text.lines().find(|l| l.ends_with("main.renderReport")).unwrap();
    assert!(new.contains("· → · → · → 515kB"), "absent shown as ·: {new}");
    let mut args = vec!["trend", "--sample-index", "alloc_space"];
    let profiles = profiles();
    args.extend(profiles.iter().map(String::as_str));
    assert!(stdout_ok(&args).contains("running totals since the program started"));
}

#[test]
fn wide_csv_has_a_column_per_snapshot_equal_to_the_long_form() {
    let mut args = vec!["trend", "--format", "csv", "--wide"];
    let profiles = profiles();
    args.extend(profiles.iter().map(String::as_str));
    let csv = stdout_ok(&args);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    for p in &profiles {
        assert!(header.iter().any(|h| h == p), "{header:?}");
    }
    let long = trend_values(&[], &profiles);
    for row in reader.records() {
        let row = row.unwrap();
        let key = &row[0];
        let values: Vec<i128> =
            (header.len() - TICKS..header.len()).map(|i| row[i].parse().unwrap()).collect();
        assert_eq!(&values, &long[key], "{key}");
        let change: i128 = row[4].parse().unwrap();
        assert_eq!(change, values[TICKS - 1] - values[0]);
    }
}

#[test]
fn by_label_and_by_stack_and_bad_arguments() {
    // Each input as a label: one series per tick, each present once.
    let mut args = vec!["trend", "--format", "json", "--by", "tick", "--input-label"];
    args.push(r"tick=(tick-\d)");
    let profiles = profiles();
    args.extend(profiles.iter().map(String::as_str));
    let doc: serde_json::Value = serde_json::from_str(&stdout_ok(&args)).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), TICKS);
    assert!(rows.iter().all(|r| r["present"] == 1));
    let stacks = json(&["--by", "stack", "--focus", "remember"], &profiles);
    let first = stacks["rows"][0]["key"].as_str().unwrap();
    assert!(first.starts_with("runtime.main;main.main;") && first.ends_with("remember"), "{first}");
    let r = run(&["trend", &profiles[0]]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("two snapshots"), "{}", r.stderr);
    let r = run(&["trend", "--sample-index", "alloc_space", &profiles[0], &texts()[1]]);
    assert_eq!(r.code, 2, "alloc_space and inuse_space are not one series: {}", r.stderr);
}

#[test]
fn every_input_kind_reads_as_a_snapshot() {
    // One `?debug=1` heap profile as the runtime wrote it and pprof's `-raw`
    // text of it: two kinds, the same total (pprof's frames are
    // `<unknown>`: it had no binary; the `?debug=1` reader names them from
    // the text's `#` lines).
    let l = "samples/legacy";
    let (debug1, raw) = (format!("{l}/heap.debug1.txt"), format!("{l}/heap.debug1.raw.txt"));
    let doc = json(&["--order", "given", "--sample-index", "inuse_space"], &[debug1, raw]);
    let rows = doc["rows"].as_array().unwrap();
    assert!(rows.len() > 3, "{doc}");
    let mut totals = [0i128; 2];
    for row in rows {
        for (t, v) in totals.iter_mut().zip(row["values"].as_array().unwrap()) {
            *t += v.to_string().parse::<i128>().unwrap();
        }
    }
    assert!(totals[0] > 0 && totals[0] == totals[1], "{totals:?}");
    // A pasted report (repaired, with a note) is a snapshot too.
    let pasted = "samples/paste/cut-end.txt";
    let r = run(&["trend", "--order", "given", pasted, pasted]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
