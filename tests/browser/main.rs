//! Renders `traces-tool flamegraph` output in a real browser: headless
//! Chromium loads the SVG, runs its embedded script, and its search
//! function highlights the frames of a function and reports the matched
//! share, which must equal the share computed from `traces-tool folded`.
//! A screenshot must show the graph (not a blank page).
//!
//! Skipped with a note when no Chromium is installed, except where the
//! environment variable `CI` is set: then it fails (see README.md here).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "../support/mod.rs"]
mod support;

use support::browser::{chromium, headless};

const BIN: &str = env!("CARGO_BIN_EXE_traces-tool");
const SMALL: &str = "tests/data/outputs/small.traces.txt";
const HEAP: &str = "samples/heap/inuse_space.exact.traces.txt";

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("traces-tool-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn traces_tool(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// The share of the total in the stacks with a frame matching `function`,
/// as the SVG's search reports it (`Matched: 11.1%`).
fn expected_share(folded: &str, function: &str) -> String {
    let (mut matched, mut total) = (0u128, 0u128);
    for line in folded.lines() {
        let (stack, count) = line.rsplit_once(' ').unwrap();
        let count: u128 = count.parse().unwrap();
        total += count;
        if stack.split(';').any(|f| f == function) {
            matched += count;
        }
    }
    let pct = 100.0 * matched as f64 / total as f64;
    if pct == 100.0 {
        "100".to_owned()
    } else {
        format!("{pct:.1}")
    }
}

#[test]
fn flame_graph_renders_and_searches_in_chromium() {
    let Some(browser) = chromium() else {
        let why = "no Chromium (install Debian's chromium, or set TRACES_TOOL_CHROMIUM); \
                   see tests/browser/README.md";
        // Where CI is set a missing browser fails the test.
        assert!(std::env::var_os("CI").is_none(), "{why}: CI is set, so this test may not skip");
        eprintln!("skipped: {why}");
        return;
    };
    let dir = temp_dir();
    let profile = dir.join("profile");

    // The search function of the embedded script, run by the browser.
    let svg = dir.join("small.svg");
    traces_tool(&["flamegraph", "-o", svg.to_str().unwrap(), "--title", "Small demo", SMALL]);
    let folded = traces_tool(&["folded", SMALL]);
    let url = format!("{}?s=main%5C.other", file_url(&svg));
    let dom = headless(&browser, &profile, &["--dump-dom".to_owned(), url]);
    assert!(dom.contains("Small demo"), "the title is in the rendered DOM:\n{dom}");
    assert!(dom.contains("function search("), "the search function is in the script");
    assert!(dom.contains("Reset Search"), "search ran: its button says so:\n{dom}");
    let share = expected_share(&folded, "main.other");
    assert!(dom.contains(&format!("Matched: {share}%")), "matched {share}%:\n{dom}");

    // A screenshot of a real report shows the graph: far more than the
    // near-empty picture of an SVG with nothing in it.
    let heap = dir.join("heap.svg");
    traces_tool(&["flamegraph", "-o", heap.to_str().unwrap(), HEAP]);
    let blank = dir.join("blank.svg");
    std::fs::write(
        &blank,
        r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1200" height="400"></svg>"#,
    )
    .unwrap();
    let mut sizes = Vec::new();
    for (name, svg) in [("heap.png", &heap), ("blank.png", &blank)] {
        let png = dir.join(name);
        headless(
            &browser,
            &profile,
            &[
                format!("--screenshot={}", png.display()),
                "--window-size=1200,800".to_owned(),
                file_url(svg),
            ],
        );
        let bytes = std::fs::read(&png).expect("a screenshot");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name} is a PNG");
        sizes.push(bytes.len());
    }
    assert!(sizes[0] > 3 * sizes[1], "the graph is drawn: {sizes:?} bytes");
    std::fs::remove_dir_all(&dir).unwrap();
}
