//! Go's texts of times and durations, in one place: the `Time:` header line
//! of `-traces` in Go 1.19's layout (`Jan 2, 2006 at 3:04pm (MST)`) printed
//! in the zone Go's `time.Local` would use, and read back (with newer
//! pprof's `2006-01-02 15:04:05 MST`); `time.Time.String()` as `-raw`
//! prints it; and `time.Duration.String()` as `time.ParseDuration` reads it.
//!
//! The local zone for printing is found as Go finds it:
//!
//! - `TZ` unset: `/etc/localtime`; `TZ=""`: UTC;
//! - `TZ=Area/City` (or `:Area/City`): that file under `$ZONEINFO` or
//!   `/usr/share/zoneinfo` (and Go's other Unix zone folders); `TZ=/path`:
//!   that file; UTC when nothing loads, as in Go.
//!
//! Zones are read from TZif files (the system's tz database) without any
//! dependency. Not supported: the POSIX rule string at the end of a TZif
//! file, which Go uses after the file's last transition (Debian's "fat"
//! files list transitions up to 2037, so this only matters for "slim"
//! files or later dates: the last listed zone is used then), and `TZ`
//! values that are POSIX rules rather than zone names (Go falls back to UTC
//! for most of those too).

use std::sync::OnceLock;

/// One zone of a location: abbreviation, offset east of UTC, DST flag.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ZoneInfo {
    name: String,
    offset: i64,
    is_dst: bool,
}

/// A location: its zones and the instants (Unix seconds) it switches zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Zone {
    zones: Vec<ZoneInfo>,
    transitions: Vec<(i64, usize)>,
}

impl Zone {
    /// UTC.
    pub(crate) fn utc() -> Zone {
        Zone {
            zones: vec![ZoneInfo { name: "UTC".into(), offset: 0, is_dst: false }],
            transitions: Vec::new(),
        }
    }

    /// The zone Go's `time.Local` is, from the environment.
    pub fn local() -> &'static Zone {
        static LOCAL: OnceLock<Zone> = OnceLock::new();
        LOCAL.get_or_init(|| Zone::from_tz(std::env::var_os("TZ").as_deref()))
    }

    /// Go's `initLocal` for a given `TZ` value (`None`: unset).
    pub(crate) fn from_tz(tz: Option<&std::ffi::OsStr>) -> Zone {
        let loaded = match tz.map(|t| t.to_string_lossy().into_owned()) {
            None => load_file("/etc/localtime"),
            Some(tz) => {
                let tz = tz.strip_prefix(':').unwrap_or(&tz);
                if tz.starts_with('/') {
                    load_file(tz)
                } else if !tz.is_empty() && tz != "UTC" && !tz.split('/').any(|p| p == "..") {
                    let mut dirs = Vec::new();
                    if let Some(dir) = std::env::var_os("ZONEINFO") {
                        dirs.push(dir.to_string_lossy().into_owned());
                    }
                    dirs.extend(
                        ["/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ"]
                            .map(String::from),
                    );
                    dirs.iter().find_map(|d| load_file(&format!("{d}/{tz}")))
                } else {
                    None
                }
            }
        };
        loaded.unwrap_or_else(Zone::utc)
    }

    /// Parses a TZif file (version 1, or the 64-bit block of 2 and later).
    pub(crate) fn from_tzif(data: &[u8]) -> Option<Zone> {
        let header = |d: &[u8]| -> Option<(u8, [usize; 6])> {
            if d.len() < 44 || &d[..4] != b"TZif" {
                return None;
            }
            let mut n = [0usize; 6];
            for (i, c) in n.iter_mut().enumerate() {
                let b = &d[20 + 4 * i..24 + 4 * i];
                *c = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
            }
            Some((d[4], n))
        };
        let (version, n) = header(data)?;
        let [isut, isstd, leap, time, types, chars] = n;
        let v1_len = time * 5 + types * 6 + chars + leap * 8 + isstd + isut;
        let (d, wide, [_, _, _, time, types, chars]) = if version >= b'2' {
            let d = data.get(44 + v1_len..)?;
            let (_, n) = header(d)?;
            (&d[44..], true, n)
        } else {
            (&data[44..], false, n)
        };
        let tsize = if wide { 8 } else { 4 };
        let mut pos = 0;
        let mut take = |len: usize| -> Option<&[u8]> {
            let s = d.get(pos..pos + len)?;
            pos += len;
            Some(s)
        };
        let times = take(time * tsize)?;
        let indexes = take(time)?;
        let infos = take(types * 6)?;
        let abbrevs = take(chars)?;
        let mut zones = Vec::with_capacity(types);
        for info in infos.chunks_exact(6) {
            let offset = i64::from(i32::from_be_bytes([info[0], info[1], info[2], info[3]]));
            let start = usize::from(info[5]);
            let tail = abbrevs.get(start..).unwrap_or_default();
            let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
            let name = String::from_utf8_lossy(&tail[..end]).into_owned();
            zones.push(ZoneInfo { name, offset, is_dst: info[4] != 0 });
        }
        if zones.is_empty() {
            return None;
        }
        let mut transitions = Vec::with_capacity(time);
        for (i, &zone) in indexes.iter().enumerate() {
            let b = &times[i * tsize..(i + 1) * tsize];
            let when = if wide {
                i64::from_be_bytes(b.try_into().ok()?)
            } else {
                i64::from(i32::from_be_bytes(b.try_into().ok()?))
            };
            if usize::from(zone) >= zones.len() {
                return None;
            }
            transitions.push((when, usize::from(zone)));
        }
        Some(Zone { zones, transitions })
    }

    /// Go's `lookupFirstZone`: the zone before the first transition.
    fn first_zone(&self) -> usize {
        let used = self.transitions.iter().any(|&(_, z)| z == 0);
        if !used {
            return 0;
        }
        if let Some(&(_, z)) = self.transitions.first() {
            if self.zones[z].is_dst {
                if let Some(zi) = (0..z).rev().find(|&zi| !self.zones[zi].is_dst) {
                    return zi;
                }
            }
        }
        self.zones.iter().position(|z| !z.is_dst).unwrap_or(0)
    }

    /// The zone in force at `sec` (Unix seconds).
    fn at(&self, sec: i64) -> &ZoneInfo {
        match self.transitions.first() {
            None => &self.zones[self.first_zone()],
            Some(&(first, _)) if sec < first => &self.zones[self.first_zone()],
            Some(_) => {
                let i = self.transitions.partition_point(|&(when, _)| when <= sec) - 1;
                &self.zones[self.transitions[i].1]
            }
        }
    }
}

fn load_file(path: &str) -> Option<Zone> {
    Zone::from_tzif(&std::fs::read(path).ok()?)
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Civil date of a day count since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `nanos` since 1970 as RFC 3339 in UTC, to the nanosecond where it has
/// a fraction: `2026-12-07T05:25:01.5Z`, `2026-12-07T05:25:00Z`.
pub(crate) fn format_rfc3339(nanos: i64) -> String {
    let sec = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    let (year, month, day) = civil(sec.div_euclid(86_400));
    let secs = sec.rem_euclid(86_400);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let frac = if frac == 0 {
        String::new()
    } else {
        format!(".{frac:09}").trim_end_matches('0').to_owned()
    };
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{frac}Z")
}

/// `time.Unix(0, nanos).Format("Jan 2, 2006 at 3:04pm (MST)")` in `zone`.
pub(crate) fn format_v19(nanos: i64, zone: &Zone) -> String {
    let sec = nanos.div_euclid(1_000_000_000);
    let z = zone.at(sec);
    let local = sec + z.offset;
    let (year, month, day) = civil(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let (hour, minute) = (secs / 3600, secs % 3600 / 60);
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let ampm = if hour < 12 { "am" } else { "pm" };
    let year = if year < 0 { format!("-{:04}", -year) } else { format!("{year:04}") };
    let zone_name = if z.name.is_empty() {
        let m = z.offset / 60;
        let sign = if m < 0 { '-' } else { '+' };
        format!("{sign}{:02}{:02}", m.abs() / 60, m.abs() % 60)
    } else {
        z.name.clone()
    };
    format!(
        "{} {day}, {year} at {hour12}:{minute:02}{ampm} ({zone_name})",
        MONTHS[month as usize - 1]
    )
}

/// pprof's header time: `Nov 26, 2026 at 4:04am (UTC)` (Go's layout `Jan 2,
/// 2006 at 3:04pm (MST)`) or `2024-10-09 10:00:00 UTC`, in nanoseconds
/// since 1970. Zones: `UTC`, `GMT`, `Z`, numeric offsets (`+0530`, `-07`)
/// and a few unambiguous abbreviations.
pub fn parse_header_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Some((date, rest)) = text.split_once(" at ") {
        // Jan 2, 2006
        let (month_day, year) = date.split_once(", ")?;
        let (month, day) = month_day.split_once(' ')?;
        let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
        let day: u32 = day.parse().ok()?;
        let year: i64 = year.parse().ok()?;
        // 3:04pm (MST)
        let (clock, zone) = rest.split_once(' ')?;
        let zone = zone.strip_prefix('(')?.strip_suffix(')')?;
        let (hm, pm) = if let Some(c) = clock.strip_suffix("pm") {
            (c, true)
        } else {
            (clock.strip_suffix("am")?, false)
        };
        let (h, m) = hm.split_once(':')?;
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        if !(1..=12).contains(&h) || !(0..60).contains(&m) {
            return None;
        }
        let hour = h % 12 + if pm { 12 } else { 0 };
        let secs = civil_seconds(year, month, day, hour, m, 0)? - zone_offset(zone)?;
        return secs.checked_mul(1_000_000_000);
    }
    // 2024-10-09 10:00:00 UTC
    let mut parts = text.split(' ');
    let (date, clock, zone) = (parts.next()?, parts.next()?, parts.next().unwrap_or("UTC"));
    let mut d = date.split('-');
    let (y, mo, da) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let mut c = clock.split(':');
    let (h, mi) = (c.next()?.parse().ok()?, c.next()?.parse().ok()?);
    let s = c.next().map_or(Some(0), |s| s.parse().ok())?;
    let secs = civil_seconds(y, mo, da, h, mi, s)? - zone_offset(zone)?;
    secs.checked_mul(1_000_000_000)
}

/// Seconds since 1970 of a UTC civil time, if the fields are in range.
fn civil_seconds(y: i64, m: u32, d: u32, h: i64, mi: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(0..24).contains(&h) {
        return None;
    }
    Some(days_from_civil(y, i64::from(m), i64::from(d)) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Seconds east of UTC of a zone as Go prints it.
fn zone_offset(zone: &str) -> Option<i64> {
    const NAMED: [(&str, i64); 14] = [
        ("UTC", 0),
        ("GMT", 0),
        ("Z", 0),
        ("EST", -5),
        ("EDT", -4),
        ("MST", -7),
        ("MDT", -6),
        ("PST", -8),
        ("PDT", -7),
        ("CET", 1),
        ("CEST", 2),
        ("EET", 2),
        ("EEST", 3),
        ("JST", 9),
    ];
    if let Some((_, h)) = NAMED.iter().find(|(n, _)| *n == zone) {
        return Some(h * 3600);
    }
    // +0530, -07, +05:30
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (digits[..2].parse::<i64>().ok()?, digits[2..].parse::<i64>().ok()?),
        _ => return None,
    };
    Some(sign * (h * 3600 + m * 60))
}

/// Parses Go's `time.Time` `String()`:
/// `2006-01-02 15:04:05.999999999 -0700 MST`, to Unix nanoseconds.
pub fn parse_go_time(text: &str) -> Option<i64> {
    let mut parts = text.split(' ');
    let date = parts.next()?;
    let clock = parts.next()?;
    let offset = parts.next()?;
    let mut d = date.splitn(3, '-');
    let (year, month, day): (i64, i64, i64) =
        (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut c = hms.splitn(3, ':');
    let (h, m, s): (i64, i64, i64) =
        (c.next()?.parse().ok()?, c.next()?.parse().ok()?, c.next()?.parse().ok()?);
    let nanos: i64 = if frac.is_empty() {
        0
    } else {
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        format!("{frac:0<9}").parse().ok()?
    };
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &offset[1..];
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let off =
        sign * (digits[..2].parse::<i64>().ok()? * 3600 + digits[2..].parse::<i64>().ok()? * 60);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Go prints hours 0-23, minutes and seconds 0-59; years outside this
    // range do not fit in int64 nanoseconds anyway (and would overflow here).
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..60).contains(&s) {
        return None;
    }
    if !(-1_000_000..=1_000_000).contains(&year) {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s - off;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `Duration:` of `-raw`: Go 1.19's pprof prints it with `%.4v`, which
/// cuts the text to 4 characters. Only a complete duration is returned:
/// shorter than 4 characters, or ending in `s` (Go's duration text has no
/// other `s`), or longer (older pprof printed it whole).
pub(crate) fn parse_printed_duration(text: &str) -> Option<i64> {
    let chars = text.chars().count();
    if chars == 4 && !text.ends_with('s') {
        return None;
    }
    parse_go_duration(text)
}

/// Go's `time.ParseDuration` (for the texts `Duration.String` prints).
pub(crate) fn parse_go_duration(text: &str) -> Option<i64> {
    let (neg, mut s) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if s == "0" {
        return Some(0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let v: u64 = if int_len == 0 { 0 } else { s[..int_len].parse().ok()? };
        s = &s[int_len..];
        let (mut f, mut scale) = (0u64, 1f64);
        let mut had_frac = false;
        if let Some(r) = s.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            for b in r[..n].bytes().take(18) {
                f = f * 10 + u64::from(b - b'0');
                scale *= 10.0;
            }
            had_frac = n > 0;
            s = &r[n..];
        }
        if int_len == 0 && !had_frac {
            return None;
        }
        let unit_len = s.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(s.len());
        let unit: u64 = match &s[..unit_len] {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        s = &s[unit_len..];
        let mut part = v.checked_mul(unit)?;
        if f > 0 {
            part = part.checked_add((f as f64 * (unit as f64 / scale)) as u64)?;
        }
        total = total.checked_add(part)?;
    }
    let total = i64::try_from(total).ok()?;
    Some(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_like_go() {
        let utc = Zone::utc();
        // 2026-11-26 04:10:07 UTC.
        assert_eq!(format_v19(1_795_666_207_000_000_000, &utc), "Nov 26, 2026 at 4:10am (UTC)");
        assert_eq!(format_v19(0, &utc), "Jan 1, 1970 at 12:00am (UTC)");
        assert_eq!(format_v19(43_200_000_000_000, &utc), "Jan 1, 1970 at 12:00pm (UTC)");
        assert_eq!(format_v19(-1, &utc), "Dec 31, 1969 at 11:59pm (UTC)");
        assert_eq!(format_v19(951_782_400 * 1_000_000_000, &utc), "Feb 29, 2000 at 12:00am (UTC)");
    }

    #[test]
    fn formats_rfc3339_in_utc() {
        assert_eq!(format_rfc3339(1_795_666_207_000_000_000), "2026-11-26T04:10:07Z");
        assert_eq!(format_rfc3339(1_795_666_207_500_000_000), "2026-11-26T04:10:07.5Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(format_rfc3339(951_782_400 * 1_000_000_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn empty_or_unknown_tz_is_utc() {
        assert_eq!(Zone::from_tz(Some("".as_ref())), Zone::utc());
        assert_eq!(Zone::from_tz(Some("UTC".as_ref())), Zone::utc());
        assert_eq!(Zone::from_tz(Some("No/Such_Zone".as_ref())), Zone::utc());
        assert_eq!(Zone::from_tz(Some("../etc/passwd".as_ref())), Zone::utc());
    }

    #[test]
    fn reads_tzif_transitions() {
        // A hand-made version 1 file: zone 0 "AAA" +1h until t=1000, then
        // zone 1 "BBB" -2h30 (DST).
        let mut d = b"TZif".to_vec();
        d.push(0);
        d.extend([0u8; 15]);
        for n in [0u32, 0, 0, 1, 2, 8] {
            d.extend(n.to_be_bytes());
        }
        d.extend(1000i32.to_be_bytes());
        d.push(1);
        d.extend(3600i32.to_be_bytes());
        d.extend([0, 0]);
        d.extend((-9000i32).to_be_bytes());
        d.extend([1, 4]);
        d.extend(b"AAA\0BBB\0");
        let z = Zone::from_tzif(&d).unwrap();
        assert_eq!(format_v19(0, &z), "Jan 1, 1970 at 1:00am (AAA)");
        assert_eq!(format_v19(1_000_000_000_000, &z), "Dec 31, 1969 at 9:46pm (BBB)");
        if let Some(berlin) = load_file("/usr/share/zoneinfo/Europe/Berlin") {
            // 2026-07-01 12:00 UTC is 2pm CEST.
            assert_eq!(
                format_v19(1_782_907_200_000_000_000, &berlin),
                "Jul 1, 2026 at 2:00pm (CEST)"
            );
        }
    }

    #[test]
    fn go_times() {
        assert_eq!(parse_header_time("Jan 1, 1970 at 12:00am (UTC)"), Some(0));
        // 2026-11-26 04:04 UTC
        let t = parse_header_time("Nov 26, 2026 at 4:04am (UTC)").unwrap();
        assert_eq!(t / 1_000_000_000, 1_795_665_840);
        assert_eq!(
            parse_header_time("Nov 26, 2026 at 4:04pm (UTC)").unwrap() - t,
            12 * 3600 * 1_000_000_000
        );
        assert_eq!(parse_header_time("Nov 26, 2026 at 9:34am (+0530)").unwrap(), t);
        assert_eq!(parse_header_time("2026-11-26 04:04:00 UTC").unwrap(), t);
        assert_eq!(parse_header_time("Nov 26, 2026 at 4:04am (XYZT)"), None);
    }

    #[test]
    fn durations_only_when_complete() {
        assert_eq!(parse_printed_duration("3s"), Some(3_000_000_000));
        assert_eq!(parse_printed_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(parse_printed_duration("1m0.005999135s"), Some(60_005_999_135));
        assert_eq!(parse_printed_duration("100m"), None);
        assert_eq!(parse_printed_duration("3.13"), None);
        assert_eq!(parse_go_duration("702.56ms"), Some(702_560_000));
    }
}
