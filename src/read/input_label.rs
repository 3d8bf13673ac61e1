//! Inputs as labels (`--input-label`): a label put on every sample of an
//! input, whose value is the input's name or the part of its path a
//! regular expression captures (`pod=heap-(.*)\.pb\.gz`), so that every
//! command tells a fleet's inputs apart (`hist --by pod`, `--tagfocus
//! pod=...`, the labels column of `csv`). [`crate::read::open_source`]
//! wraps each input's reader in a `LabelledSource` when
//! [`crate::read::SourceOptions::input_labels`] asks for labels.

use std::fmt;

use regex::Regex;

use crate::error::{Error, Result};
use crate::read::paste::Repair;
use crate::read::source::RecordSource;
use crate::read::traces::Skipped;
use crate::record::{Header, Names, Record};
use crate::units::Dimension;

/// One `--input-label`: `KEY` (the value is the input's name as given)
/// or `KEY=REGEX` (the value is the first capture group of REGEX in the
/// input's path, or the whole match when it has no group).
#[derive(Clone, Debug)]
pub struct InputLabel {
    key: String,
    pattern: Option<Regex>,
}

impl InputLabel {
    /// Reads `KEY` or `KEY=REGEX`; an empty key, a key with a space or a
    /// REGEX that does not compile is an error that says so.
    pub fn parse(spec: &str) -> std::result::Result<InputLabel, String> {
        let (key, pattern) = match spec.split_once('=') {
            Some((key, pattern)) => (key, Some(pattern)),
            None => (spec, None),
        };
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            return Err(format!(
                "`{spec}`: expected KEY or KEY=REGEX, with a KEY of no spaces (e.g. `pod` or \
                 `pod=heap-(.*)\\.pb\\.gz`)"
            ));
        }
        let pattern = match pattern {
            None => None,
            Some(p) => Some(Regex::new(p).map_err(|e| format!("`{spec}`: {e}"))?),
        };
        Ok(InputLabel { key: key.to_owned(), pattern })
    }

    /// The label's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The label's value for the input at `path` (as given on the command
    /// line; `-` is standard input): the path itself, or what the
    /// pattern captures in it. A path the pattern does not match is an
    /// error naming both.
    pub(crate) fn value_for(&self, path: &str) -> Result<String> {
        let Some(pattern) = &self.pattern else { return Ok(path.to_owned()) };
        let found = pattern.captures(path).and_then(|c| c.get(1).or_else(|| c.get(0)));
        match found {
            Some(m) => Ok(m.as_str().to_owned()),
            None => Err(Error::Io {
                path: path.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "--input-label {}={}: the path does not match, so the input would have \
                         no `{}` label (pass a pattern every input's path matches)",
                        self.key,
                        pattern.as_str(),
                        self.key
                    ),
                ),
            }),
        }
    }
}

impl fmt::Display for InputLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pattern {
            Some(p) => write!(f, "{}={}", self.key, p.as_str()),
            None => f.write_str(&self.key),
        }
    }
}

impl std::str::FromStr for InputLabel {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<InputLabel, String> {
        InputLabel::parse(s)
    }
}

/// An input's reader whose every record also carries the input's labels
/// (after its own).
pub(crate) struct LabelledSource {
    inner: Box<dyn RecordSource>,
    /// `(key, value)` pairs put on every record.
    labels: Vec<(String, String)>,
}

impl LabelledSource {
    /// `inner`, with the labels of `specs` for the input at `path`.
    pub fn new(
        inner: Box<dyn RecordSource>,
        path: &str,
        specs: &[InputLabel],
    ) -> Result<LabelledSource> {
        let labels = specs
            .iter()
            .map(|l| Ok((l.key.clone(), l.value_for(path)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(LabelledSource { inner, labels })
    }
}

impl RecordSource for LabelledSource {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn header(&self) -> &Header {
        self.inner.header()
    }
    fn read_record(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool> {
        if !self.inner.read_record(rec, names)? {
            return Ok(false);
        }
        for (key, value) in &self.labels {
            if rec.label(key).is_some() {
                return Err(Error::Io {
                    path: format!("{}", rec.position(self.inner.name())),
                    source: std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "--input-label {key}: the sample already has a label `{key}`; \
                             give the input's label another key"
                        ),
                    ),
                });
            }
            rec.push_label(key, value);
        }
        Ok(true)
    }
    fn dimension(&self) -> Dimension {
        self.inner.dimension()
    }
    fn skipped(&self) -> &[Skipped] {
        self.inner.skipped()
    }
    fn notes(&self) -> Vec<String> {
        self.inner.notes()
    }
    fn repairs(&self) -> &[Repair] {
        self.inner.repairs()
    }
    fn label_texts(&self) -> Option<std::sync::Arc<[(String, String)]>> {
        let inner = self.inner.label_texts()?;
        Some(inner.iter().chain(&self.labels).cloned().collect())
    }
    fn time_nanos(&self) -> Option<i64> {
        self.inner.time_nanos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_alone_takes_the_path_and_a_pattern_its_capture() {
        let plain = InputLabel::parse("input").unwrap();
        assert_eq!(plain.value_for("dir/heap-3.pb.gz").unwrap(), "dir/heap-3.pb.gz");
        let pod = InputLabel::parse(r"pod=heap-(.*)\.pb\.gz").unwrap();
        assert_eq!(pod.key(), "pod");
        assert_eq!(pod.value_for("snap/heap-api-7.pb.gz").unwrap(), "api-7");
        let whole = InputLabel::parse("n=[0-9]+").unwrap();
        assert_eq!(whole.value_for("tick-042.txt").unwrap(), "042");
        let err = pod.value_for("other.txt").unwrap_err().to_string();
        assert!(err.contains("other.txt") && err.contains("does not match"), "{err}");
    }

    #[test]
    fn bad_specs_are_refused_with_the_expected_form() {
        for bad in ["", "=x", "a b", "pod=("] {
            let err = InputLabel::parse(bad).unwrap_err();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }
}
