//! Reading the API's times quickly.
//!
//! Every render carries three or four times and a webhook delivery one more, so a verification
//! or a render list spends a good part of its parse in chrono (its RFC 3339 parser checks each
//! field through calendar tables; its `FromStr` is slower still). The API writes one form,
//! `YYYY-MM-DDTHH:MM:SS[.fraction]Z`: [`parse_utc`] reads that (and the server's stored
//! `… HH:MM:SS+00:00` form) by position and turns it into seconds directly. Anything else goes
//! on to chrono as before, so every time read before reads the same.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A UTC time written `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, `T` or a space between date and time,
/// `Z` or `+00:00` at the end, 1 to 9 fraction digits; `None` for anything else (another
/// offset, a leap second, lower-case letters, an impossible date), which a caller hands to
/// chrono's parsers.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::types::time::parse_utc;
///
/// let t = parse_utc("2026-01-02T03:04:05.120Z").unwrap();
/// assert_eq!(t.timestamp_millis(), 1_767_323_045_120);
/// let stored = parse_utc("2026-01-02 03:04:05+00:00").unwrap();
/// assert_eq!(stored.timestamp(), t.timestamp());
/// assert_eq!(parse_utc("2026-02-30T00:00:00Z"), None);
/// ```
pub fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let rest = match b.strip_suffix(b"Z") {
        Some(rest) => rest,
        None => b.strip_suffix(b"+00:00")?,
    };
    if rest.len() < 19 || [b[4], b[7], b[13], b[16]] != *b"--::" || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &rest[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            num(20, rest.len())? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let seconds =
        days_from_epoch(year, month, day) * 86_400 + i64::from(hour * 3_600 + minute * 60 + second);
    DateTime::from_timestamp(seconds, nanos)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (years counted from
/// March, so the leap day ends a year; 146,097 days to a 400-year era).
fn days_from_epoch(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (i64::from(month) + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A time read from a JSON string: [`parse_utc`], else chrono's strict RFC 3339 parser, else
/// its lenient `FromStr` (what chrono's own serde support reads).
struct Time(DateTime<Utc>);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl Visitor<'_> for TimeVisitor {
            type Value = Time;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date and time")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Time, E> {
                if let Some(t) = parse_utc(s) {
                    return Ok(Time(t));
                }
                match DateTime::parse_from_rfc3339(s) {
                    Ok(t) => Ok(Time(t.with_timezone(&Utc))),
                    Err(_) => s.parse::<DateTime<Utc>>().map(Time).map_err(E::custom),
                }
            }
        }
        deserializer.deserialize_str(TimeVisitor)
    }
}

/// `deserialize_with` for a `DateTime<Utc>` field.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    Time::deserialize(d).map(|t| t.0)
}

/// `deserialize_with` for an `Option<DateTime<Utc>>` field (with `default`).
pub(crate) fn deserialize_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<Time>::deserialize(d).map(|t| t.map(|t| t.0))
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, NaiveDate, Timelike};

    use super::*;

    /// chrono's reading of a string the fast path takes.
    fn chrono_reads(s: &str) -> Option<DateTime<Utc>> {
        let rfc = s.replacen(' ', "T", 1);
        DateTime::parse_from_rfc3339(&rfc)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    #[test]
    fn every_day_of_two_centuries_reads_as_chrono_reads_it() {
        // 1896-2104: 1900 and 2100 not leap years, 2000 one; each day, and the day past it.
        let mut day = NaiveDate::from_ymd_opt(1896, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(2104, 12, 31).unwrap();
        let mut checked = 0;
        while day <= end {
            let s = format!("{}T23:59:59.5Z", day.format("%Y-%m-%d"));
            assert_eq!(parse_utc(&s), chrono_reads(&s), "{s}");
            assert!(parse_utc(&s).is_some(), "{s}");
            let past = format!(
                "{:04}-{:02}-{:02}T00:00:00Z",
                day.year(),
                day.month(),
                day.day() + 1
            );
            assert_eq!(
                parse_utc(&past).is_some(),
                chrono_reads(&past).is_some(),
                "{past}"
            );
            day = day.succ_opt().unwrap();
            checked += 1;
        }
        assert_eq!(checked, 76_336);
    }

    #[test]
    fn times_fractions_and_both_endings() {
        for (s, millis, nanos) in [
            ("1970-01-01T00:00:00Z", 0, 0),
            ("1969-12-31T23:59:59Z", -1_000, 0),
            ("2026-01-02T03:04:05Z", 1_767_323_045_000, 0),
            ("2026-01-02T03:04:05.1Z", 1_767_323_045_100, 100_000_000),
            (
                "2026-01-02T03:04:05.123456789Z",
                1_767_323_045_123,
                123_456_789,
            ),
            ("2026-01-02 03:04:05.000001+00:00", 1_767_323_045_000, 1_000),
            ("0000-03-01T00:00:00Z", -62_162_035_200_000, 0),
            (
                "9999-12-31T23:59:59.999999999Z",
                253_402_300_799_999,
                999_999_999,
            ),
        ] {
            let t = parse_utc(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(
                (t.timestamp_millis(), t.nanosecond()),
                (millis, nanos),
                "{s}"
            );
            assert_eq!(Some(t), chrono_reads(s), "{s}");
        }
    }

    #[test]
    fn other_forms_are_left_to_chrono() {
        for s in [
            "",
            "2026-01-02T03:04:05",       // no offset
            "2026-01-02T03:04:05+01:00", // another offset
            "2026-01-02T03:04:05-00:00", // unknown local offset
            "2026-01-02t03:04:05z",      // lower case, valid RFC 3339
            "2026-01-02T03:04:60Z",      // leap second
            "2026-01-02T24:00:00Z",
            "2026-01-02T03:60:05Z",
            "2026-13-02T03:04:05Z",
            "2026-00-02T03:04:05Z",
            "2026-01-00T03:04:05Z",
            "2026-01-32T03:04:05Z",
            "2025-02-29T03:04:05Z",
            "2026-01-02T03:04:05.Z",           // no fraction digits
            "2026-01-02T03:04:05.1234567891Z", // ten
            "2026-01-02T03:04:05,5Z",
            "2026-01-02_03:04:05Z",
            "2026/01/02T03:04:05Z",
            "+2026-01-02T03:04:05Z",
            "2026-01-02T03:04:0xZ",
            "2026-1-02T03:04:05Z",
            "２026-01-02T03:04:05Z",
        ] {
            assert_eq!(parse_utc(s), None, "{s:?}");
        }
        // and what chrono does read of them still reads the same through serde
        let t: Time = serde_json::from_str(r#""2026-01-02t03:04:05z""#).unwrap();
        assert_eq!(t.0.to_rfc3339(), "2026-01-02T03:04:05+00:00");
        let t: Time = serde_json::from_str(r#""2026-01-02T04:04:05+01:00""#).unwrap();
        assert_eq!(t.0.to_rfc3339(), "2026-01-02T03:04:05+00:00");
        assert!(serde_json::from_str::<Time>(r#""2026-02-30T00:00:00Z""#).is_err());
    }
}
