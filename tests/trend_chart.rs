//! `trend --format svg` in a real browser: headless Chromium renders the
//! chart of samples/trend/series; the rendered DOM holds the title, the
//! axes' labels in pprof's units and the legend, the leak's line climbs
//! (its points' heights on screen grow from tick to tick), and the
//! screenshot is far from blank.
//!
//! Skipped with a note when no Chromium is installed, except when the
//! environment variable `CI` is set: then it fails.

use std::process::{Command, Stdio};

mod support;

use support::browser::{chromium, headless};

const BIN: &str = env!("CARGO_BIN_EXE_traces-tool");

#[test]
fn the_trend_chart_renders_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set and no Chromium was found (apt-get install chromium)"
        );
        eprintln!("skipped: no Chromium (install Debian's chromium, or set TRACES_TOOL_CHROMIUM)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("traces-tool-trend-chart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let profile = dir.join("profile");
    let mut args =
        vec!["trend".to_owned(), "--format".into(), "svg".into(), "--top".into(), "4".into()];
    args.extend((1..=6).map(|t| format!("samples/trend/series/tick-{t}.pb.gz")));
    let out = Command::new(BIN).args(&args).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = dir.join("trend.svg");
    std::fs::write(&svg, &out.stdout).unwrap();
    let url = format!("file://{}", svg.canonicalize().unwrap().display());

    let dom = headless(&browser, &profile, &["--dump-dom".to_owned(), url.clone()]);
    assert!(dom.contains("inuse_space by function"), "the title:\n{dom}");
    assert!(dom.contains(">6MB</text>"), "the y axis in pprof's units:\n{dom}");
    assert!(dom.contains("time since the first snapshot"), "the x axis is time");
    assert!(dom.contains("main.(*sessions).remember (growing)"), "the legend");
    // The leak's points, as laid out: each higher on screen (smaller y)
    // than the one before.
    let leak = dom.split("<g><title>main.(*sessions).remember (growing)").nth(1).unwrap();
    let leak = &leak[..leak.find("</g>").unwrap()];
    let ys: Vec<f64> =
        leak.split("cy=\"").skip(1).map(|s| s[..s.find('"').unwrap()].parse().unwrap()).collect();
    assert_eq!(ys.len(), 6);
    assert!(ys.windows(2).all(|w| w[1] < w[0]), "{ys:?}");

    // The screenshot shows a chart: far more than a blank page of that size.
    let blank = dir.join("blank.svg");
    std::fs::write(
        &blank,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="960" height="600"><rect width="100%" height="100%" fill="white"/></svg>"#,
    )
    .unwrap();
    let mut sizes = Vec::new();
    for (name, page) in [("chart.png", url), ("blank.png", format!("file://{}", blank.display()))] {
        let png = dir.join(name);
        headless(
            &browser,
            &profile,
            &[format!("--screenshot={}", png.display()), "--window-size=960,600".into(), page],
        );
        let bytes = std::fs::read(&png).expect("a screenshot");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        sizes.push(bytes.len());
    }
    assert!(sizes[0] > 5 * sizes[1], "the chart is drawn: {sizes:?} bytes");
    std::fs::remove_dir_all(&dir).ok();
}
