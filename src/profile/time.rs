//! The `Time:` header line of `-traces` in Go 1.19's layout,
//! `Jan 2, 2006 at 3:04pm (MST)`, in the zone Go's `time.Local` would use:
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
pub struct Zone {
    zones: Vec<ZoneInfo>,
    transitions: Vec<(i64, usize)>,
}

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
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
    pub fn from_tz(tz: Option<&std::ffi::OsStr>) -> Zone {
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
    pub fn from_tzif(data: &[u8]) -> Option<Zone> {
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

/// `time.Unix(0, nanos).Format("Jan 2, 2006 at 3:04pm (MST)")` in `zone`.
pub fn format_v19(nanos: i64, zone: &Zone) -> String {
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
}
