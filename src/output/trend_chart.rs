//! The SVG line chart of `trend --format svg`: a few series over time (or
//! over the snapshots, in order), with axes in pprof's units, a legend
//! under the plot, and each point's value on hover. Plain string building,
//! no script; it opens in any browser.

use std::fmt::Write as _;

use crate::units::{format_centi, Dimension};

/// One line of the chart.
#[derive(Clone, Debug)]
pub struct ChartSeries {
    /// The legend's text.
    pub name: String,
    /// The value at each snapshot, in hundredths of the base unit.
    pub values: Vec<i128>,
}

/// What [`chart`] draws.
#[derive(Clone, Debug)]
pub struct ChartOptions {
    /// The title at the top.
    pub title: String,
    /// The line under it.
    pub subtitle: String,
    /// What the values measure, for the axis' labels (`1.50MB`).
    pub dim: Dimension,
    /// The unit's name, for the axis' title (`bytes`).
    pub unit: String,
    /// Hours since the first snapshot, one per snapshot, when the times are
    /// known: the x axis is then time; else it is the snapshots in order.
    pub hours: Option<Vec<f64>>,
    /// Each snapshot's name (shown on hover).
    pub labels: Vec<String>,
    /// The lines.
    pub series: Vec<ChartSeries>,
}

/// Tableau's ten colours, told apart by most people.
const COLOURS: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

const WIDTH: f64 = 960.0;
const PLOT_HEIGHT: f64 = 380.0;
const LEFT: f64 = 96.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 70.0;
const LEGEND_LINE: f64 = 20.0;

/// Text safe inside SVG elements and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A "nice" step (1, 2 or 5 times a power of ten) of about `span / n`.
fn nice_step(span: f64, n: f64) -> f64 {
    if span <= 0.0 {
        return 1.0;
    }
    let raw = span / n;
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A step for byte values: a power of 1024 times 1, 2, 4 or 8 (so that the
/// labels are round in pprof's units), or [`nice_step`] for the others.
fn value_step(span: f64, dim: Dimension) -> f64 {
    if dim != Dimension::Bytes || span <= 0.0 {
        return nice_step(span, 5.0);
    }
    let raw = span / 5.0;
    let mut unit = 1.0;
    while unit * 1024.0 <= raw {
        unit *= 1024.0;
    }
    let m = raw / unit;
    let nice = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0]
        .into_iter()
        .find(|&s| s >= m)
        .unwrap_or(1024.0);
    nice * unit
}

/// The chart as a standalone SVG document.
pub fn chart(o: &ChartOptions) -> String {
    let n = o.labels.len().max(1);
    let legend_height = LEGEND_LINE * o.series.len() as f64 + 16.0;
    let height = TOP + PLOT_HEIGHT + 56.0 + legend_height;
    let plot_w = WIDTH - LEFT - RIGHT;
    let xs: Vec<f64> = match &o.hours {
        Some(h) if h.last().copied().unwrap_or(0.0) > 0.0 => h.clone(),
        _ => (0..n).map(|i| i as f64).collect(),
    };
    let x_span = xs.last().copied().unwrap_or(0.0).max(f64::MIN_POSITIVE);
    let x_at = |x: f64| LEFT + x / x_span * plot_w;
    let all = o.series.iter().flat_map(|s| s.values.iter().copied());
    let (min, max) = all.fold((0i128, 0i128), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = (min as f64 / 100.0, max as f64 / 100.0);
    let step = value_step(hi - lo, o.dim);
    let y_lo = (lo / step).floor() * step;
    let y_hi = ((hi / step).ceil() * step).max(y_lo + step);
    let y_at = |v: f64| TOP + PLOT_HEIGHT - (v - y_lo) / (y_hi - y_lo) * PLOT_HEIGHT;

    let mut svg = String::new();
    let _ = write!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" \
         font-family=\"Verdana, DejaVu Sans, sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"{}\" y=\"26\" font-size=\"17\" text-anchor=\"middle\">{}</text>\n\
         <text x=\"{}\" y=\"46\" fill=\"#555555\" text-anchor=\"middle\">{}</text>\n",
        WIDTH / 2.0,
        escape(&o.title),
        WIDTH / 2.0,
        escape(&o.subtitle)
    );
    // The y axis: grid lines and labels in pprof's units.
    let mut v = y_lo;
    while v <= y_hi + step / 2.0 {
        let y = y_at(v);
        let label = format_centi((v * 100.0).round() as i128, o.dim, &o.unit);
        let _ = writeln!(
            svg,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT + plot_w,
            LEFT - 8.0,
            y + 4.0,
            escape(&label)
        );
        v += step;
    }
    let _ = writeln!(
        svg,
        "<text transform=\"translate(18 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        TOP + PLOT_HEIGHT / 2.0,
        escape(&o.unit)
    );
    // The x axis: time since the first snapshot, or the snapshots' places.
    let base = TOP + PLOT_HEIGHT;
    let _ = writeln!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{:.1}\" y2=\"{base}\" stroke=\"#333333\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{base}\" stroke=\"#333333\"/>",
        LEFT + plot_w
    );
    let timed = o.hours.as_ref().is_some_and(|h| h.last().copied().unwrap_or(0.0) > 0.0);
    if timed {
        let x_step = nice_step(x_span * 3600.0, 6.0) / 3600.0;
        let mut x = 0.0;
        while x <= x_span + x_step / 2.0 {
            let nanos = (x * 3.6e12).round() as i128;
            let label = format_centi(nanos * 100, Dimension::Nanoseconds, "");
            let _ = writeln!(
                svg,
                "<line x1=\"{0:.1}\" y1=\"{base}\" x2=\"{0:.1}\" y2=\"{1}\" stroke=\"#333333\"/>\
                 <text x=\"{0:.1}\" y=\"{2}\" text-anchor=\"middle\">+{3}</text>",
                x_at(x),
                base + 5.0,
                base + 19.0,
                escape(&label)
            );
            x += x_step;
        }
    } else {
        let every = n.div_ceil(12).max(1);
        for i in (0..n).step_by(every) {
            let _ = writeln!(
                svg,
                "<line x1=\"{0:.1}\" y1=\"{base}\" x2=\"{0:.1}\" y2=\"{1}\" stroke=\"#333333\"/>\
                 <text x=\"{0:.1}\" y=\"{2}\" text-anchor=\"middle\">{3}</text>",
                x_at(i as f64),
                base + 5.0,
                base + 19.0,
                i + 1
            );
        }
    }
    let x_title = if timed { "time since the first snapshot" } else { "snapshot (in order)" };
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{x_title}</text>",
        LEFT + plot_w / 2.0,
        base + 40.0
    );
    // The lines, each point with its value on hover.
    for (k, s) in o.series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("{:.1},{:.1}", x_at(xs[i]), y_at(v as f64 / 100.0)))
            .collect();
        let _ = writeln!(
            svg,
            "<g><title>{}</title><polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" \
             points=\"{}\"/>",
            escape(&s.name),
            points.join(" ")
        );
        for (i, &v) in s.values.iter().enumerate() {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"><title>{}: {} \
                 at {}</title></circle>",
                x_at(xs[i]),
                y_at(v as f64 / 100.0),
                escape(&s.name),
                escape(&format_centi(v, o.dim, &o.unit)),
                escape(o.labels.get(i).map_or("", String::as_str))
            );
        }
        svg.push_str("</g>\n");
    }
    // The legend, one line per series, in rank order.
    let mut y = base + 62.0;
    for (k, s) in o.series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let name: String = if s.name.chars().count() > 120 {
            let tail: String = s.name.chars().rev().take(117).collect();
            format!("...{}", tail.chars().rev().collect::<String>())
        } else {
            s.name.clone()
        };
        let _ = writeln!(
            svg,
            "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"18\" height=\"4\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            y - 6.0,
            LEFT + 26.0,
            y,
            escape(&name)
        );
        y += LEGEND_LINE;
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_steps_are_round_in_pprofs_units() {
        assert_eq!(value_step(6.0 * 1048576.0, Dimension::Bytes), 2.0 * 1048576.0);
        assert_eq!(value_step(5000.0, Dimension::Bytes), 1024.0);
        assert_eq!(nice_step(7.0, 6.0), 2.0);
        assert_eq!(nice_step(0.0, 6.0), 1.0);
    }

    #[test]
    fn names_are_escaped_and_every_point_is_drawn() {
        let svg = chart(&ChartOptions {
            title: "inuse_space".into(),
            subtitle: String::new(),
            dim: Dimension::Bytes,
            unit: "bytes".into(),
            hours: Some(vec![0.0, 0.5, 1.0]),
            labels: vec!["a".into(), "b".into(), "c".into()],
            series: vec![ChartSeries {
                name: "main.(*T).f<int> & co".into(),
                values: vec![0, 104_857_600, 209_715_200],
            }],
        });
        assert!(svg.contains("main.(*T).f&lt;int&gt; &amp; co"));
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains(">2MB</text>"), "{svg}");
    }
}
