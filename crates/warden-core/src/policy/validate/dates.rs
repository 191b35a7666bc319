//! The date values IAM's legacy parser accepts in `Date*` conditions.
//!
//! IAM reads a date condition value either as an epoch number (a signed 64-bit integer) or as an
//! ISO 8601 date with an optional time, in the lenient form Java's date libraries parse: a year
//! alone (`2019`), a month and day of one or two digits, a `T` of either case with nothing after
//! it (`01T`), an hour of one digit, up to nine fraction digits, an offset of `Z`, `+hh`,
//! `+hh:mm` or `+hhmm`. Years run from -292275054 to 292278993, the range of a millisecond
//! instant in a 64-bit integer. The conformance vectors pin the edges: `2016-12-13t2:00:00.593194+23`
//! and `-292275054` are accepted, `234-13`, `...+1`, ten fraction digits and
//! `9223372036854775808` are not.

/// Whether IAM's legacy parser reads this `Date*` condition value.
pub(super) fn is_legacy_date(value: &str) -> bool {
    is_epoch(value) || is_iso_date_time(value)
}

fn is_epoch(value: &str) -> bool {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && value.parse::<i64>().is_ok()
}

const MIN_YEAR: i64 = -292_275_054;
const MAX_YEAR: i64 = 292_278_993;

/// A cursor over the value's bytes.
struct Scan<'a> {
    rest: &'a [u8],
}

impl Scan<'_> {
    fn eat(&mut self, wanted: impl Fn(u8) -> bool) -> Option<u8> {
        let (&first, rest) = self.rest.split_first()?;
        if wanted(first) {
            self.rest = rest;
            Some(first)
        } else {
            None
        }
    }

    /// Between `min` and `max` ASCII digits, as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let count = self
            .rest
            .iter()
            .take(max)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if count < min {
            return None;
        }
        let (digits, rest) = self.rest.split_at_checked(count)?;
        self.rest = rest;
        let value = digits.iter().try_fold(0_i64, |acc, d| {
            acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })?;
        Some((value, count))
    }

    fn done(&self) -> bool {
        self.rest.is_empty()
    }
}

fn is_iso_date_time(value: &str) -> bool {
    let mut s = Scan {
        rest: value.as_bytes(),
    };
    let negative = s.eat(|b| b == b'-').is_some();
    if !negative {
        s.eat(|b| b == b'+');
    }
    // A run of more than nine digits cannot be a year; a longer run is left unread and fails.
    let Some((year, _)) = s.digits(1, 9) else {
        return false;
    };
    let year = if negative { -year } else { year };
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return false;
    }
    if s.eat(|b| b == b'-').is_some() {
        let Some((month, _)) = s.digits(1, 2) else {
            return false;
        };
        if !(1..=12).contains(&month) {
            return false;
        }
        if s.eat(|b| b == b'-').is_some() {
            let Some((day, _)) = s.digits(1, 2) else {
                return false;
            };
            if day < 1 || day > days_in_month(year, month) {
                return false;
            }
        }
    }
    if s.done() {
        return true;
    }
    if s.eat(|b| b == b'T' || b == b't').is_none() {
        return false;
    }
    if s.done() {
        return true;
    }
    time_and_offset(&mut s)
}

fn time_and_offset(s: &mut Scan<'_>) -> bool {
    let Some((hour, _)) = s.digits(1, 2) else {
        return false;
    };
    if hour > 23 {
        return false;
    }
    if s.eat(|b| b == b':').is_some() {
        let Some((minute, _)) = s.digits(1, 2) else {
            return false;
        };
        if minute > 59 {
            return false;
        }
        if s.eat(|b| b == b':').is_some() {
            let Some((second, _)) = s.digits(1, 2) else {
                return false;
            };
            if second > 59 {
                return false;
            }
            if s.eat(|b| b == b'.' || b == b',').is_some() && s.digits(1, 9).is_none() {
                return false;
            }
        }
    }
    if s.done() {
        return true;
    }
    if s.eat(|b| b == b'Z' || b == b'z').is_some() {
        return s.done();
    }
    if s.eat(|b| b == b'+' || b == b'-').is_none() {
        return false;
    }
    match s.digits(2, 2) {
        Some((h, _)) if h <= 23 => {}
        _ => return false,
    }
    if s.done() {
        return true;
    }
    s.eat(|b| b == b':');
    match s.digits(2, 2) {
        Some((m, _)) if m <= 59 => s.done(),
        _ => false,
    }
}

/// Days in a month of the proleptic Gregorian calendar.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod test {
    use super::is_legacy_date;

    #[test]
    fn accepts_what_iam_reads() {
        for ok in [
            "2019-07-01T13:20:15Z",
            "2016-12-13T21:20:37.593194+00:00",
            "2016-12-13t2:00:00.593194+23",
            "01T",
            "2017",
            "2017-07",
            "2024-02-29",
            "2017-07-01T00:00",
            "2017-07-01T10:00:00+0530",
            "-292275054",
            "1500000000",
            "9223372036854775807",
        ] {
            assert!(is_legacy_date(ok), "{ok} should be a date");
        }
    }

    #[test]
    fn rejects_what_iam_rejects() {
        for bad in [
            "sdfdsf",
            "234-13",
            "2016-12-13t2:00:00.593194+1",
            "2016-12-13t2:00:00.1999999999+10:59",
            "9223372036854775808",
            "2023-02-29",
            "2017-07-01T24:00",
            "2017-07-01T10:60",
            "",
            "-",
            "2017-07-01 10:00",
            "2017-07-01T10:00:00Zx",
            "2922789940-01",
        ] {
            assert!(!is_legacy_date(bad), "{bad} should not be a date");
        }
    }
}
