//! `traces-tool fleet` on the four pods of `samples/programs/growing`
//! (api-4 leaks four times as fast): each pod's value against `go tool
//! pprof -top` of that pod, the outlier found by function and by total,
//! and a thousand inputs in one run.

mod support;

use std::collections::BTreeMap;

use support::{gunzip_text, run, stdout_ok};

const FLEET: &str = "samples/trend/fleet";

fn pods() -> Vec<String> {
    (1..=4).map(|n| format!("{FLEET}/heap-api-{n}.pb.gz")).collect()
}

/// pprof's exact `-top` flat values of each pod, in order.
fn pprof_flat() -> Vec<BTreeMap<String, i128>> {
    let text = gunzip_text(&format!("{FLEET}/inuse_space.top.txt.gz"));
    let mut tops: Vec<BTreeMap<String, i128>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("==> ") {
            tops.push(BTreeMap::new());
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 6 || !f[1].ends_with('%') || !f[4].ends_with('%') {
            continue;
        }
        let flat = if f[0] == "0" { 0 } else { f[0].trim_end_matches('B').parse().unwrap() };
        let name = f[5..].join(" ");
        let name = name.strip_suffix(" (inline)").unwrap_or(&name).to_owned();
        tops.last_mut().unwrap().insert(name, flat);
    }
    assert_eq!(tops.len(), 4);
    tops
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["fleet", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&stdout_ok(&all)).unwrap()
}

#[test]
fn min_median_max_and_sum_are_pprofs_values_of_the_pods() {
    let pods = pods();
    let mut args: Vec<&str> = pods.iter().map(String::as_str).collect();
    let doc = json(&args);
    let tops = pprof_flat();
    let rows = doc["rows"].as_array().unwrap();
    let functions: std::collections::BTreeSet<&String> =
        tops.iter().flat_map(|t| t.keys()).collect();
    for name in functions {
        let mut values: Vec<i128> =
            tops.iter().map(|t| t.get(name).copied().unwrap_or(0)).collect();
        if values.iter().all(|&v| v == 0) {
            continue;
        }
        let row =
            rows.iter().find(|r| r["key"] == name.as_str()).unwrap_or_else(|| panic!("{name}"));
        let sum: i128 = values.iter().sum();
        values.sort();
        let n = |k: &str| row[k].to_string().parse::<i128>().unwrap();
        assert_eq!(n("sum"), sum, "{name}");
        assert_eq!(n("min"), values[0], "{name}");
        assert_eq!(n("median"), values[1], "{name}: the lower middle of four");
        assert_eq!(n("max"), values[3], "{name}");
    }
    // The leak's outlier, first.
    assert_eq!(rows[0]["key"], "main.(*sessions).remember");
    assert_eq!(rows[0]["outliers"], serde_json::json!([pods[3]]));
    let odd: Vec<&serde_json::Value> =
        doc["inputs"].as_array().unwrap().iter().filter(|i| i["outlier"] == true).collect();
    assert_eq!(odd.len(), 1);
    assert_eq!(odd[0]["name"], pods[3].as_str());
    // A higher factor: nobody is an outlier.
    args.extend(["--factor", "5"]);
    let doc = json(&args);
    assert!(doc["inputs"].as_array().unwrap().iter().all(|i| i["outlier"] == false));
}

#[test]
fn a_thousand_inputs_in_one_run() {
    let pods = pods();
    let mut args: Vec<&str> = vec!["--top", "1"];
    for i in 0..1000 {
        args.push(if i == 500 { &pods[3] } else { &pods[i % 3] });
    }
    let doc = json(&args);
    assert_eq!(doc["inputs"].as_array().unwrap().len(), 1000);
    let row = &doc["rows"][0];
    assert_eq!(row["key"], "main.(*sessions).remember");
    assert_eq!(row["inputs"], 1000);
    assert_eq!(row["outliers"], serde_json::json!([pods[3]]));
    assert_eq!(row["sum"], 999 * 6291456i64 + 25165824);
}

#[test]
fn text_and_csv_name_the_outlier_and_bad_factors_are_refused() {
    let pods = pods();
    let mut args: Vec<&str> = vec!["fleet"];
    args.extend(pods.iter().map(String::as_str));
    let text = stdout_ok(&args);
    let leak = text.lines().find(|l| l.ends_with("main.(*sessions).remember")).unwrap();
    assert!(leak.contains("4/4") && leak.contains("24MB") && leak.contains("heap-api-4"), "{leak}");
    let odd = text.lines().find(|l| l.ends_with("outlier")).unwrap();
    assert!(odd.contains("heap-api-4.pb.gz"), "{text}");
    args.extend(["--format", "csv"]);
    let csv = stdout_ok(&args);
    assert!(csv.starts_with("key,inputs,of,min,median,max,sum,unit,outlier_count,outliers\n"));
    assert!(csv.contains(&format!(",bytes,1,{}\n", pods[3])), "{csv}");
    let r = run(&["fleet", "--factor", "0", &pods[0]]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--factor"), "{}", r.stderr);
}

#[test]
fn input_labels_name_the_pods_in_other_commands() {
    let pods = pods();
    let mut args = vec!["fleet", "--format", "json", "--by", "pod", "--input-label"];
    args.push(r"pod=heap-(.*)\.pb\.gz");
    args.extend(pods.iter().map(String::as_str));
    let doc: serde_json::Value = serde_json::from_str(&stdout_ok(&args)).unwrap();
    let keys: Vec<&str> =
        doc["rows"].as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), 4);
    assert_eq!(keys[0], "api-4", "the pod whose total is the outlier comes first");
    let top = stdout_ok(&[
        "top",
        "--input-label",
        r"pod=heap-(.*)\.pb\.gz",
        "--tagfocus",
        "pod=api-4",
        "--format",
        "csv",
        &pods[0],
        &pods[3],
    ]);
    let alone = stdout_ok(&["top", "--format", "csv", &pods[3]]);
    let flat_of = |csv: &str| -> String {
        csv.lines().find(|l| l.contains("main.(*sessions).remember")).unwrap().to_owned()
    };
    assert_eq!(flat_of(&top).split(',').nth(1), flat_of(&alone).split(',').nth(1));
}
