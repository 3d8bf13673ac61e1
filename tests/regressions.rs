//! Regression tests for what fuzzing found (`fuzz/README.md`): each test
//! is named after what it guards and holds the smallest input that showed
//! the problem. The fuzz corpus itself is replayed by `tests/fuzz_corpus.rs`.

use traces_tool::read::traces::{ReaderOptions, Skipped, TraceReader, SEPARATOR};
use traces_tool::record::{Names, Record};

/// Reads a report; returns the value texts of the records and what a
/// lenient read skipped.
fn read(text: &str, lenient: bool) -> traces_tool::error::Result<(Vec<String>, Vec<Skipped>)> {
    let options = ReaderOptions { lenient, ..Default::default() };
    let mut reader = TraceReader::new("t", text.as_bytes(), options)?;
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut values = Vec::new();
    while reader.read_record(&mut rec, &mut names)? {
        values.push(rec.value_text().to_owned());
    }
    Ok((values, reader.skipped().to_vec()))
}

#[test]
fn lenient_skipped_block_does_not_set_the_dimension() {
    // The first block (time) is skipped for its empty frame name; the
    // second (bytes) is then the first complete block and must be kept:
    // only complete blocks decide what the report's values measure.
    let sep = SEPARATOR;
    let text = format!("{sep}\n       5ms   a\n             \n{sep}\n       1kB   b\n{sep}\n");
    let (values, skipped) = read(&text, true).unwrap();
    assert_eq!(values, ["1kB"]);
    assert_eq!(skipped.len(), 1);
    assert_eq!((skipped[0].kind, skipped[0].count), ("empty-frame-name", 1));
    // Strict reading still stops at the first problem.
    assert!(read(&text, false).is_err());
}

#[test]
fn lenient_block_without_value_does_not_swallow_the_next_block() {
    // Labels without a value line are found at the separator after them;
    // that separator opens the next block, which must be read, not skipped
    // uncounted with the broken one.
    let sep = SEPARATOR;
    let text = format!(
        "{sep}\n      role:  waiter\n{sep}\n       1kB   a\n{sep}\n       2kB   b\n{sep}\n"
    );
    let (values, skipped) = read(&text, true).unwrap();
    assert_eq!(values, ["1kB", "2kB"]);
    assert_eq!(skipped.len(), 1);
    assert_eq!((skipped[0].kind, skipped[0].count, skipped[0].first_line), ("missing-value", 1, 3));
}

#[test]
fn text_with_a_byte_that_is_not_utf8_is_read_as_text_not_as_a_damaged_profile() {
    // `h` (0x68) is also the protobuf key of a profile's `comment` field:
    // the input used to be taken for a damaged binary profile because one
    // name is not UTF-8. It is a traces report with one bad line.
    use traces_tool::read::open_bytes;
    let sep = SEPARATOR;
    let mut text = format!("h\n{sep}\n       1kB   a\n{sep}\n       2kB   b").into_bytes();
    text.extend_from_slice(&[0xff, b'\n']);
    text.extend_from_slice(format!("{sep}\n").as_bytes());
    let options = ReaderOptions { lenient: true, ..Default::default() };
    let mut source = open_bytes("t", text.clone(), options).unwrap();
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut values = Vec::new();
    while source.read_record(&mut rec, &mut names).unwrap() {
        values.push(rec.value_text().to_owned());
    }
    assert_eq!(values, ["1kB"]);
    assert_eq!(source.skipped()[0].kind, "invalid-utf8");
    let mut strict = open_bytes("t", text, ReaderOptions::default()).unwrap();
    let err = loop {
        match strict.read_record(&mut rec, &mut names) {
            Ok(true) => continue,
            Ok(false) => panic!("a strict read must fail"),
            Err(e) => break e.to_string(),
        }
    };
    assert_eq!(err, "t:5: invalid UTF-8: expected text");
}

#[test]
fn raw_time_with_out_of_range_fields_is_refused_not_overflowed() {
    use traces_tool::gotime::parse_go_time;
    // Fuzzing found `Time: 2026-11-26 1111111111111111104:10:17...`: the
    // hours overflowed the seconds count (a panic in debug builds).
    assert_eq!(parse_go_time("2026-11-26 1111111111111111104:10:17.919559096 +0000 UTC"), None);
    assert_eq!(parse_go_time("9999999999999999-11-26 04:10:17 +0000 UTC"), None);
    assert_eq!(parse_go_time("2026-11-26 04:61:17 +0000 UTC"), None);
    assert_eq!(parse_go_time("1970-01-01 00:00:01.5 +0000 UTC"), Some(1_500_000_000));
}
