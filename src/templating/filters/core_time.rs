//! `to_datetime` (Python's `datetime.strptime`) and `strftime`
//! (`time.strftime` of `time.localtime`/`time.gmtime`).
//!
//! `to_datetime` gives a [`DateTime`] object with the attributes and
//! methods templates use (`year` .. `microsecond`, `strftime`, `isoformat`,
//! `timestamp`, `weekday`, `isoweekday`), renders like Python's `str()`,
//! and compares with `<`/`==`. minijinja has no operator hooks, so
//! subtracting two datetimes (a `timedelta` in Python) is not possible.
//! Local time comes from `TZ` or /etc/localtime (TZif transitions; past the
//! last transition the last offset is kept).

use super::{Args, add, py_str};
use minijinja::value::{Enumerator, Object, ObjectRepr, Value as Jv, ValueKind, from_args};
use minijinja::{Environment, Error, ErrorKind, State};
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "to_datetime", to_datetime);
    add(env, "strftime", strftime_filter);
    env.add_function("now", now);
}

/// `str(datetime.datetime.now())`: local time with microseconds.
pub fn local_now_text() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let whole = since.as_secs() as i64;
    let (offset, name) = local_offset(whole);
    let mut tm = Tm::from_epoch(whole, offset, name);
    tm.microsecond = since.subsec_micros();
    strftime("%Y-%m-%d %H:%M:%S.%f", &tm)
}

/// ansible's `now(utc=False, fmt=None)` global: the current (naive)
/// datetime, or its `strftime(fmt)`.
fn now(utc: Option<Jv>, fmt: Option<Jv>, kwargs: minijinja::value::Kwargs) -> Result<Jv, Error> {
    let utc = match kwargs.get::<Option<Jv>>("utc")?.or(utc) {
        Some(v) => v.is_true(),
        None => false,
    };
    let fmt = kwargs
        .get::<Option<Jv>>("fmt")?
        .or(fmt)
        .filter(|f| !f.is_none() && !f.is_undefined());
    kwargs.assert_all_used()?;
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let whole = since.as_secs() as i64;
    let mut tm = if utc {
        Tm::from_epoch(whole, 0, "UTC".into())
    } else {
        let (offset, name) = local_offset(whole);
        Tm::from_epoch(whole, offset, name)
    };
    tm.microsecond = since.subsec_micros();
    // Python's datetime.now() is naive: no zone for %Z/%z.
    tm.zone = None;
    match fmt {
        Some(f) => Ok(Jv::from(strftime(&py_str(&f), &tm))),
        None => Ok(Jv::from_object(DateTime { tm })),
    }
}

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A broken-down time, as `struct tm` plus microseconds and zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tm {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub microsecond: u32,
    /// UTC offset in seconds and zone name; `None` for naive datetimes.
    pub zone: Option<(i64, String)>,
}

impl Tm {
    fn days(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// 0 = Monday.
    fn weekday(&self) -> u32 {
        (self.days() + 3).rem_euclid(7) as u32
    }

    fn yday(&self) -> u32 {
        (self.days() - days_from_civil(self.year, 1, 1)) as u32 + 1
    }

    fn epoch(&self) -> i64 {
        self.days() * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - self.zone.as_ref().map_or(0, |z| z.0)
    }

    fn from_epoch(secs: i64, offset: i64, zone: String) -> Tm {
        let local = secs + offset;
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let rem = local.rem_euclid(86_400);
        Tm {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            microsecond: 0,
            zone: Some((offset, zone)),
        }
    }

    /// ISO 8601 week-based year and week number.
    fn iso_week(&self) -> (i64, u32) {
        let wd = i64::from(self.weekday());
        let thursday = self.days() - wd + 3;
        let (y, _, _) = civil_from_days(thursday);
        let week = (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
        (y, week as u32)
    }
}

/// C `strftime` as glibc implements it (what Python's `time.strftime`
/// calls), with datetime's `%f`.
pub(crate) fn strftime(fmt: &str, tm: &Tm) -> String {
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut flag = None;
        while let Some(&f) = chars
            .get(i)
            .filter(|c| matches!(c, '-' | '_' | '0' | '^' | '#'))
        {
            flag = Some(f);
            i += 1;
        }
        let Some(&spec) = chars.get(i) else {
            out.extend(&chars[start..]);
            break;
        };
        i += 1;
        let num = |v: i64, width: usize, pad: char| -> String {
            let pad = match flag {
                Some('-') => return v.to_string(),
                Some('_') => ' ',
                Some('0') => '0',
                _ => pad,
            };
            let s = v.abs().to_string();
            let sign = if v < 0 { "-" } else { "" };
            format!(
                "{sign}{}{s}",
                pad.to_string().repeat(width.saturating_sub(s.len()))
            )
        };
        let text = |s: &str| -> String {
            if flag == Some('^') {
                s.to_uppercase()
            } else {
                s.to_string()
            }
        };
        let hour12 = if tm.hour.is_multiple_of(12) {
            12
        } else {
            tm.hour % 12
        };
        let wd = tm.weekday();
        let sunday_wd = (wd + 1) % 7;
        let yday = i64::from(tm.yday());
        let piece = match spec {
            'a' => text(&DAYS[wd as usize][..3]),
            'A' => text(DAYS[wd as usize]),
            'b' | 'h' => text(&MONTHS[tm.month as usize - 1][..3]),
            'B' => text(MONTHS[tm.month as usize - 1]),
            'c' => strftime("%a %b %e %H:%M:%S %Y", tm),
            'C' => num(tm.year.div_euclid(100), 2, '0'),
            'd' => num(i64::from(tm.day), 2, '0'),
            'D' | 'x' => strftime("%m/%d/%y", tm),
            'e' => num(i64::from(tm.day), 2, ' '),
            'f' => format!("{:06}", tm.microsecond),
            'F' => strftime("%Y-%m-%d", tm),
            'g' => num(tm.iso_week().0.rem_euclid(100), 2, '0'),
            'G' => num(tm.iso_week().0, 1, '0'),
            'H' => num(i64::from(tm.hour), 2, '0'),
            'I' => num(i64::from(hour12), 2, '0'),
            'j' => num(yday, 3, '0'),
            'k' => num(i64::from(tm.hour), 2, ' '),
            'l' => num(i64::from(hour12), 2, ' '),
            'm' => num(i64::from(tm.month), 2, '0'),
            'M' => num(i64::from(tm.minute), 2, '0'),
            'n' => "\n".into(),
            'p' => text(if tm.hour < 12 { "AM" } else { "PM" }),
            'P' => (if tm.hour < 12 { "am" } else { "pm" }).into(),
            'r' => strftime("%I:%M:%S %p", tm),
            'R' => strftime("%H:%M", tm),
            's' => tm.epoch().to_string(),
            'S' => num(i64::from(tm.second), 2, '0'),
            't' => "\t".into(),
            'T' | 'X' => strftime("%H:%M:%S", tm),
            'u' => (wd + 1).to_string(),
            'U' => num((yday + 6 - i64::from(sunday_wd)) / 7, 2, '0'),
            'V' => num(i64::from(tm.iso_week().1), 2, '0'),
            'w' => sunday_wd.to_string(),
            'W' => num((yday + 6 - i64::from(wd)) / 7, 2, '0'),
            'y' => num(tm.year.rem_euclid(100), 2, '0'),
            'Y' => num(tm.year, 1, '0'),
            'z' => match &tm.zone {
                Some((off, _)) => {
                    let sign = if *off < 0 { '-' } else { '+' };
                    let a = off.abs();
                    format!("{sign}{:02}{:02}", a / 3600, a % 3600 / 60)
                }
                None => String::new(),
            },
            'Z' => tm.zone.as_ref().map(|z| z.1.clone()).unwrap_or_default(),
            '%' => "%".into(),
            _ => chars[start..i].iter().collect(),
        };
        out.push_str(&piece);
    }
    out
}

/// A `datetime.datetime` (naive) as `to_datetime` makes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DateTime {
    pub tm: Tm,
}

impl DateTime {
    pub fn repr(&self) -> String {
        let t = &self.tm;
        let mut s = format!(
            "datetime.datetime({}, {}, {}, {}, {}",
            t.year, t.month, t.day, t.hour, t.minute
        );
        if t.second != 0 || t.microsecond != 0 {
            s.push_str(&format!(", {}", t.second));
        }
        if t.microsecond != 0 {
            s.push_str(&format!(", {}", t.microsecond));
        }
        s.push(')');
        s
    }

    pub fn isoformat(&self, sep: &str) -> String {
        let t = &self.tm;
        let mut s = format!(
            "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
            t.year, t.month, t.day, t.hour, t.minute, t.second
        );
        if t.microsecond != 0 {
            s.push_str(&format!(".{:06}", t.microsecond));
        }
        s
    }

    fn key(&self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let t = &self.tm;
        (
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            t.second,
            t.microsecond,
        )
    }

    pub fn cmp(&self, other: &DateTime) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.isoformat(" "))
    }
}

const FIELDS: [&str; 7] = [
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "microsecond",
];

impl Object for DateTime {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Jv) -> Option<Jv> {
        let t = &self.tm;
        Some(match key.as_str()? {
            "year" => Jv::from(t.year),
            "month" => Jv::from(t.month),
            "day" => Jv::from(t.day),
            "hour" => Jv::from(t.hour),
            "minute" => Jv::from(t.minute),
            "second" => Jv::from(t.second),
            "microsecond" => Jv::from(t.microsecond),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&FIELDS)
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Jv],
    ) -> Result<Jv, Error> {
        match method {
            "strftime" => {
                let (fmt,): (String,) = from_args(args)?;
                let mut tm = self.tm.clone();
                tm.zone = None;
                Ok(Jv::from(strftime(&fmt, &tm)))
            }
            "isoformat" => {
                let (sep,): (Option<String>,) = from_args(args)?;
                Ok(Jv::from(self.isoformat(sep.as_deref().unwrap_or("T"))))
            }
            "timestamp" => {
                let mut tm = self.tm.clone();
                let naive = Tm {
                    zone: None,
                    ..tm.clone()
                }
                .epoch();
                let offset = local_offset(naive).0;
                tm.zone = Some((offset, String::new()));
                Ok(Jv::from(
                    tm.epoch() as f64 + f64::from(tm.microsecond) / 1e6,
                ))
            }
            "weekday" => Ok(Jv::from(self.tm.weekday())),
            "isoweekday" => Ok(Jv::from(self.tm.weekday() + 1)),
            "__str__" => Ok(Jv::from(self.to_string())),
            _ => Err(Error::new(
                ErrorKind::UnknownMethod,
                format!("'datetime.datetime' object has no attribute '{method}'"),
            )),
        }
    }

    fn custom_cmp(self: &Arc<Self>, other: &minijinja::value::DynObject) -> Option<Ordering> {
        other
            .downcast_ref::<DateTime>()
            .map(|o| self.as_ref().cmp(o))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_ref(), f)
    }
}

// ---------------------------------------------------------------------------
// strptime

/// The regular expression `_strptime` uses for a directive.
fn directive_regex(d: char) -> Option<&'static str> {
    Some(match d {
        'd' => r"(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])",
        'f' => r"([0-9]{1,6})",
        'H' => r"(2[0-3]|[0-1]\d|\d)",
        'I' => r"(1[0-2]|0[1-9]|[1-9])",
        'G' => r"(\d\d\d\d)",
        'j' => r"(36[0-6]|3[0-5]\d|[12]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])",
        'm' => r"(1[0-2]|0[1-9]|[1-9])",
        'M' => r"([0-5]\d|\d)",
        'S' => r"(6[0-1]|[0-5]\d|\d)",
        'U' | 'W' => r"(5[0-3]|[0-4]\d|\d)",
        'w' => r"([0-6])",
        'u' => r"([1-7])",
        'V' => r"(5[0-3]|0[1-9]|[1-4]\d|\d)",
        'y' => r"(\d\d)",
        'Y' => r"(\d\d\d\d)",
        'z' => r"([+-]\d\d:?[0-5]\d(?::?[0-5]\d(?:\.\d{1,6})?)?|(?-i:Z))",
        'a' => {
            r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)"
        }
        'A' => r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
        'b' => r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
        'B' => {
            r"(january|february|march|april|may|june|july|august|september|october|november|december)"
        }
        'p' => r"(am|pm)",
        'Z' => r"(utc|gmt)",
        _ => return None,
    })
}

/// `datetime.strptime(text, format)`.
pub(crate) fn strptime(text: &str, format: &str) -> Result<DateTime, String> {
    // Expand the locale composites first, as _strptime does.
    let format_expanded = format
        .replace("%c", "%a %b %d %H:%M:%S %Y")
        .replace("%x", "%m/%d/%y")
        .replace("%X", "%H:%M:%S")
        .replace("%D", "%m/%d/%y")
        .replace("%T", "%H:%M:%S")
        .replace("%R", "%H:%M")
        .replace("%F", "%Y-%m-%d");
    let mut pattern = String::from("(?i)^");
    let mut order = Vec::new();
    let chars: Vec<char> = format_expanded.chars().collect();
    let mut i = 0;
    let mut in_space = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '%' {
            in_space = false;
            let Some(&d) = chars.get(i + 1) else {
                return Err(format!("stray % in format '{format}'"));
            };
            i += 2;
            if d == '%' {
                pattern.push('%');
                continue;
            }
            let Some(re) = directive_regex(d) else {
                return Err(format!("'{d}' is a bad directive in format '{format}'"));
            };
            pattern.push_str(re);
            order.push(d);
            continue;
        }
        if c.is_whitespace() {
            if !in_space {
                pattern.push_str(r"\s+");
            }
            in_space = true;
        } else {
            in_space = false;
            pattern.push_str(&regex::escape(&c.to_string()));
        }
        i += 1;
    }
    let re = regex::Regex::new(&pattern).map_err(|e| e.to_string())?;
    let no_match = || {
        format!(
            "time data {} does not match format {}",
            crate::value::python_str_repr(text),
            crate::value::python_str_repr(format)
        )
    };
    let caps = re.captures(text).ok_or_else(no_match)?;
    let end = caps.get(0).map_or(0, |m| m.end());
    if end != text.len() {
        return Err(format!("unconverted data remains: {}", &text[end..]));
    }
    let (mut year, mut month, mut day) = (1900i64, 1u32, 1u32);
    let (mut hour, mut minute, mut second, mut micro) = (0u32, 0u32, 0u32, 0u32);
    let mut pm = None;
    let mut hour12 = None;
    let mut julian = None;
    for (idx, d) in order.iter().enumerate() {
        let v = caps.get(idx + 1).map_or("", |m| m.as_str());
        let n = || v.trim().parse::<u32>().unwrap_or(0);
        let name_index = |names: &[&str]| {
            names
                .iter()
                .position(|m| m.to_lowercase().starts_with(&v.to_lowercase()) && v.len() >= 3)
                .unwrap_or(0) as u32
        };
        match d {
            'Y' => year = i64::from(n()),
            'y' => {
                let y = i64::from(n());
                year = if y < 69 { 2000 + y } else { 1900 + y };
            }
            'm' => month = n(),
            'b' | 'B' => month = name_index(&MONTHS) + 1,
            'd' => day = n(),
            'H' => hour = n(),
            'I' => hour12 = Some(n()),
            'M' => minute = n(),
            'S' => second = n(),
            'f' => micro = format!("{v:0<6}").parse().unwrap_or(0),
            'p' => pm = Some(v.eq_ignore_ascii_case("pm")),
            'j' => julian = Some(n()),
            _ => {}
        }
    }
    if let Some(h) = hour12 {
        hour = match pm {
            Some(true) if h != 12 => h + 12,
            Some(false) | None if h == 12 => 0,
            _ => h,
        };
    }
    if second == 61 {
        second = 59;
    }
    if second == 60 {
        return Err("second must be in 0..59".into());
    }
    if let Some(j) = julian
        && !order.contains(&'m')
        && !order.contains(&'d')
        && !order.contains(&'b')
        && !order.contains(&'B')
    {
        let (y, m, d) = civil_from_days(days_from_civil(year, 1, 1) + i64::from(j) - 1);
        year = y;
        month = m;
        day = d;
    }
    if !(1..=9999).contains(&year) {
        return Err(format!("year {year} is out of range"));
    }
    if day > days_in_month(year, month) {
        return Err("day is out of range for month".into());
    }
    Ok(DateTime {
        tm: Tm {
            year,
            month,
            day,
            hour,
            minute,
            second,
            microsecond: micro,
            zone: None,
        },
    })
}

fn to_datetime(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let format = args.string(0, "format", "%Y-%m-%d %H:%M:%S");
    if value.kind() != ValueKind::String {
        return Err(args.fail(format!(
            "strptime() argument 1 must be str, not {}",
            super::type_name(&value)
        )));
    }
    let dt = strptime(value.as_str().unwrap_or_default(), &format).map_err(|e| args.fail(e))?;
    Ok(Jv::from_object(dt))
}

// ---------------------------------------------------------------------------
// Local time

/// The UTC offset (seconds) and zone name in force at `secs`.
pub(crate) fn local_offset(secs: i64) -> (i64, String) {
    let tz = std::env::var("TZ").ok();
    let path = match tz.as_deref() {
        None => "/etc/localtime".to_string(),
        Some("") | Some("UTC") | Some("UTC0") | Some(":UTC") => return (0, "UTC".into()),
        Some(name) => {
            let name = name.strip_prefix(':').unwrap_or(name);
            if name.starts_with('/') {
                name.to_string()
            } else {
                format!("/usr/share/zoneinfo/{name}")
            }
        }
    };
    match std::fs::read(&path)
        .ok()
        .and_then(|d| tzif_offset(&d, secs))
    {
        Some(found) => found,
        None => (0, "UTC".into()),
    }
}

fn be_u32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// The offset and abbreviation a TZif file gives for `secs`.
fn tzif_offset(data: &[u8], secs: i64) -> Option<(i64, String)> {
    if data.get(..4)? != b"TZif" {
        return None;
    }
    let counts = |base: usize| -> Option<[usize; 6]> {
        let mut c = [0usize; 6];
        for (k, slot) in c.iter_mut().enumerate() {
            *slot = be_u32(data, base + 20 + k * 4)? as usize;
        }
        Some(c)
    };
    let [isut, isstd, leap, time, types, chars] = counts(0)?;
    let v1_len = time * 5 + types * 6 + chars + leap * 8 + isstd + isut;
    let (base, wide) = if *data.get(4)? >= b'2' {
        (44 + v1_len, true)
    } else {
        (0, false)
    };
    let [isut, isstd, leap, time, types, chars] = counts(base)?;
    let _ = (isut, isstd, leap);
    let tsize = if wide { 8 } else { 4 };
    let mut at = base + 44;
    let mut transitions = Vec::with_capacity(time);
    for k in 0..time {
        let p = at + k * tsize;
        let t = if wide {
            i64::from_be_bytes(data.get(p..p + 8)?.try_into().ok()?)
        } else {
            i64::from(i32::from_be_bytes(data.get(p..p + 4)?.try_into().ok()?))
        };
        transitions.push(t);
    }
    at += time * tsize;
    let indices = data.get(at..at + time)?;
    at += time;
    let ttinfo = data.get(at..at + types * 6)?;
    at += types * 6;
    let abbrevs = data.get(at..at + chars)?;
    let info = |idx: usize| -> Option<(i64, String)> {
        let e = ttinfo.get(idx * 6..idx * 6 + 6)?;
        let off = i64::from(i32::from_be_bytes(e[..4].try_into().ok()?));
        let start = usize::from(e[5]);
        let name: Vec<u8> = abbrevs
            .get(start..)?
            .iter()
            .take_while(|&&b| b != 0)
            .copied()
            .collect();
        Some((off, String::from_utf8_lossy(&name).into_owned()))
    };
    let idx = match transitions.iter().rposition(|&t| t <= secs) {
        Some(k) => usize::from(indices[k]),
        None => 0,
    };
    info(idx)
}

fn strftime_filter(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let format = py_str(&value);
    let second = args.opt(0, "second");
    let utc = args.flag(1, "utc");
    let secs: f64 = match second {
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
        Some(s) => {
            let parsed = match s.kind() {
                ValueKind::String => super::jinja::parse_py_float(s.as_str().unwrap_or_default()),
                _ => super::Num::of(&s).map(super::Num::as_f64),
            };
            parsed.ok_or_else(|| {
                args.fail(format!("Invalid value for epoch value ({})", py_str(&s)))
            })?
        }
    };
    if !secs.is_finite() || secs.abs() > 1e14 {
        return Err(args.fail("timestamp out of range for platform time_t"));
    }
    let whole = secs.floor() as i64;
    let tm = if utc {
        Tm::from_epoch(whole, 0, "GMT".into())
    } else {
        let (offset, name) = local_offset(whole);
        Tm::from_epoch(whole, offset, name)
    };
    Ok(Jv::from(strftime(&format, &tm)))
}
