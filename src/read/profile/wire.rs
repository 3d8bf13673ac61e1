//! A walk over the top-level fields of a protobuf message, without decoding
//! them: enough to tell a damaged pprof profile from unrelated binary data,
//! and to spot two profiles concatenated into one file.

/// One top-level field: its number, wire type and the bytes of its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field number.
    pub number: u64,
    /// The wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
    pub wire: u8,
    /// The payload: the varint's bytes, 8 or 4 fixed bytes, or the
    /// length-delimited contents.
    pub payload: &'a [u8],
    /// The varint's value (wire type 0), else 0.
    pub varint: u64,
    /// The whole field as written: key and payload.
    pub raw: &'a [u8],
}

/// Reads a varint at `*pos`.
fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Iterates over the top-level fields; stops (yielding `Err(offset)`) at
/// the first one that is cut short or malformed.
pub fn fields(data: &[u8]) -> impl Iterator<Item = Result<Field<'_>, usize>> + '_ {
    let mut pos = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || pos >= data.len() {
            return None;
        }
        let start = pos;
        let field = (|| {
            let key = varint(data, &mut pos)?;
            let (number, wire) = (key >> 3, (key & 7) as u8);
            if number == 0 {
                return None;
            }
            let (payload, value) = match wire {
                0 => {
                    let begin = pos;
                    let v = varint(data, &mut pos)?;
                    (&data[begin..pos], v)
                }
                1 | 5 => {
                    let n = if wire == 1 { 8 } else { 4 };
                    let end = pos.checked_add(n).filter(|&e| e <= data.len())?;
                    let p = &data[pos..end];
                    pos = end;
                    (p, 0)
                }
                2 => {
                    let len = usize::try_from(varint(data, &mut pos)?).ok()?;
                    let end = pos.checked_add(len).filter(|&e| e <= data.len())?;
                    let p = &data[pos..end];
                    pos = end;
                    (p, 0)
                }
                _ => return None,
            };
            Some(Field { number, wire, payload, varint: value, raw: &data[start..pos] })
        })();
        match field {
            Some(f) => Some(Ok(f)),
            None => {
                failed = true;
                Some(Err(start))
            }
        }
    })
}

/// The wire type each field of `message Profile` is written with (packed
/// repeated integers are length-delimited, so 13 may be either).
fn expected_wire(number: u64) -> Option<&'static [u8]> {
    match number {
        1..=6 | 11 => Some(&[2]),
        7..=10 | 12 | 14 => Some(&[0]),
        13 => Some(&[0, 2]),
        15 => Some(&[0]),
        _ => None,
    }
}

/// True when the data starts like a pprof profile: the first field is one
/// of `message Profile`'s, with its wire type, and (for a nested message)
/// its payload is itself well-formed protobuf. Random binary data and text
/// fail this; a profile cut short after its first field passes.
pub(crate) fn starts_like_profile(data: &[u8]) -> bool {
    let first = match fields(data).next() {
        Some(Ok(first)) => first,
        // Cut inside the first field: enough if its key is one of Profile's.
        Some(Err(_)) => {
            let mut pos = 0;
            return varint(data, &mut pos).is_some_and(|key| {
                expected_wire(key >> 3).is_some_and(|w| w.contains(&((key & 7) as u8)))
            });
        }
        None => return false,
    };
    let Some(wires) = expected_wire(first.number) else { return false };
    if !wires.contains(&first.wire) {
        return false;
    }
    match first.number {
        1..=5 | 11 => fields(first.payload).all(|f| f.is_ok_and(|f| f.number <= 16)),
        _ => true,
    }
}

/// True when field 9 (`time_nanos`) occurs again after a non-zero value:
/// pprof's decoder calls that "concatenated profiles detected".
pub(crate) fn is_concatenated(data: &[u8]) -> bool {
    let mut seen_time = false;
    for field in fields(data) {
        let Ok(field) = field else { return false };
        if field.number == 9 && field.wire == 0 {
            if seen_time {
                return true;
            }
            seen_time = field.varint != 0;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_fields_and_stops_at_damage() {
        // sample_type {type: 1, unit: 2}, time_nanos 5, then a cut field.
        let data = [0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x48, 0x05, 0x12, 0x09, 0x00];
        let got: Vec<_> = fields(&data).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].unwrap().number, 1);
        assert_eq!(got[1].unwrap().varint, 5);
        assert_eq!(got[2], Err(8));
        assert!(starts_like_profile(&data));
    }

    #[test]
    fn text_and_garbage_do_not_start_like_a_profile() {
        assert!(!starts_like_profile(b"Type: inuse_space\n"));
        assert!(!starts_like_profile(&[0x0a, 0x02, 0x00, 0x0a]));
        assert!(!starts_like_profile(&[]));
        assert!(!starts_like_profile(&[0xff, 0xfe, 0x00]));
        // A profile cut inside its first field still counts.
        assert!(starts_like_profile(&[0x0a, 0x04, 0x08]));
    }

    #[test]
    fn concatenation_is_seen_by_a_second_time() {
        assert!(is_concatenated(&[0x48, 0x05, 0x48, 0x06]));
        assert!(!is_concatenated(&[0x48, 0x00, 0x48, 0x06]));
        assert!(!is_concatenated(&[0x48, 0x05]));
    }
}
