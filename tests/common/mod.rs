//! Helpers shared by the integration tests that read reports with both the
//! formal grammar (`grammar/traces.pest`) and the streaming parser:
//! `tests/grammar.rs` and `tests/properties.rs` (`mod common;`).

#![allow(dead_code)]

use pest::iterators::Pair;
use pest::Parser;
use traces_tool::read::traces::{ReaderOptions, TraceReader};
use traces_tool::record::{HeaderField, Names, Record};

/// pest_derive 2.7+ resolves the path against the crate root first, then
/// against `src/` (the old default; pest PR #702), so
/// `"../grammar/traces.pest"` works too. Both were tried with 2.9.6.
#[derive(pest_derive::Parser)]
#[grammar = "grammar/traces.pest"]
pub struct TracesParser;

// ---------------------------------------------------------------------------
// The two readings of a report, in one shape
// ---------------------------------------------------------------------------

/// One sample: labels as `(key, values)`, the value token, frames as
/// `(name, inline)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub labels: Vec<(String, String)>,
    pub value: String,
    pub frames: Vec<(String, bool)>,
}

/// A whole report: header lines with their kind, then the samples.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub header: Vec<(HeaderField, String)>,
    pub samples: Vec<Sample>,
}

/// The header field a header production stands for.
pub fn header_field(rule: Rule) -> HeaderField {
    match rule {
        Rule::file_line => HeaderField::File,
        Rule::build_id_line => HeaderField::BuildId,
        Rule::type_line => HeaderField::Type,
        Rule::doc_line => HeaderField::Doc,
        Rule::time_line => HeaderField::Time,
        Rule::duration_line => HeaderField::Duration,
        Rule::comment_line => HeaderField::Comment,
        Rule::empty_line => HeaderField::Empty,
        other => panic!("not a header line production: {other:?}"),
    }
}

/// Parses with the grammar and walks the tree.
pub fn read_with_grammar(text: &str) -> Result<Report, Box<pest::error::Error<Rule>>> {
    let report = TracesParser::parse(Rule::report, text)?.next().expect("one report");
    let mut out = Report { header: Vec::new(), samples: Vec::new() };
    for pair in report.into_inner() {
        match pair.as_rule() {
            Rule::header => {
                for line in pair.into_inner() {
                    out.header.push((header_field(line.as_rule()), line.as_str().to_owned()));
                }
            }
            Rule::block => out.samples.push(sample_of(pair)),
            // The startup copy of the header (2>&1 captures) is not the report's.
            Rule::startup
            | Rule::prompt
            | Rule::final_prompt
            | Rule::separator_line
            | Rule::EOI => {}
            other => panic!("unexpected {other:?} in report"),
        }
    }
    Ok(out)
}

fn sample_of(block: Pair<'_, Rule>) -> Sample {
    let mut sample = Sample { labels: Vec::new(), value: String::new(), frames: Vec::new() };
    for line in block.into_inner() {
        let rule = line.as_rule();
        let mut inner = line.into_inner();
        match rule {
            Rule::label_line => {
                let key = inner.next().expect("label_key");
                assert_eq!(key.as_rule(), Rule::label_key);
                let values = inner.next().map_or("", |v| v.as_str());
                sample.labels.push((key.as_str().to_owned(), values.to_owned()));
            }
            Rule::value_line => {
                let value = inner.next().expect("value");
                assert_eq!(value.as_rule(), Rule::value);
                sample.value = value.as_str().to_owned();
                sample.frames.push(frame_of(inner));
            }
            Rule::frame_line => sample.frames.push(frame_of(inner)),
            other => panic!("unexpected {other:?} in block"),
        }
    }
    sample
}

fn frame_of(mut pairs: pest::iterators::Pairs<'_, Rule>) -> (String, bool) {
    let name = pairs.next().expect("frame_name");
    assert_eq!(name.as_rule(), Rule::frame_name);
    let inline = pairs.next().is_some_and(|p| p.as_rule() == Rule::inline_mark);
    (name.as_str().to_owned(), inline)
}

/// Reads with the streaming parser, strictly.
pub fn read_with_parser(name: &str, text: &str) -> traces_tool::error::Result<Report> {
    let mut reader = TraceReader::new(name, text.as_bytes(), ReaderOptions::default())?;
    let header = reader.header().lines.clone();
    let (mut names, mut record) = (Names::new(), Record::new());
    let mut samples = Vec::new();
    while reader.read_record(&mut record, &mut names)? {
        samples.push(Sample {
            labels: record.labels().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            value: record.value_text().to_owned(),
            frames: record
                .frames
                .iter()
                .map(|f| (names.get(f.name).to_owned(), f.inline))
                .collect(),
        });
    }
    Ok(Report { header, samples })
}

/// The first place two readings differ, described.
pub fn first_difference(grammar: &Report, parser: &Report) -> Option<String> {
    if grammar.header != parser.header {
        return Some(format!(
            "header differs:\n  grammar: {:?}\n  parser:  {:?}",
            grammar.header, parser.header
        ));
    }
    for (i, (g, p)) in grammar.samples.iter().zip(&parser.samples).enumerate() {
        if g != p {
            return Some(format!("sample {} differs:\n  grammar: {g:?}\n  parser:  {p:?}", i + 1));
        }
    }
    if grammar.samples.len() != parser.samples.len() {
        return Some(format!(
            "{} samples by the grammar, {} by the parser",
            grammar.samples.len(),
            parser.samples.len()
        ));
    }
    None
}
