//! The one reader of `Date*` condition values, giving both verdicts AWS has on a value: whether
//! IAM stores a policy holding it, and the instant it stands for at evaluation.
//!
//! The two differ, and the reader keeps them apart on purpose:
//! - IAM's legacy parser, which decides whether a policy is stored, reads an epoch number (a
//!   signed 64-bit integer) or an ISO 8601 date with an optional time in the lenient form
//!   Java's date libraries parse: a year alone (`2019`), a month and day of one or two digits, a
//!   `T` of either case with nothing after it (`01T`), an hour of one digit, up to nine fraction
//!   digits after `.` or `,`, an offset of `Z`, `+hh`, `+hh:mm` or `+hhmm`. Years run from
//!   -292275054 to 292278993, the range of a millisecond instant in a 64-bit integer. The
//!   conformance vectors pin the edges: `2016-12-13t2:00:00.593194+23` and `-292275054` are
//!   accepted, `234-13`, `...+1`, ten fraction digits and `9223372036854775808` are not.
//! - Evaluation reads "one of the W3C implementations of the ISO 8601 date formats"
//!   (`https://www.w3.org/TR/NOTE-datetime`) "or in epoch (UNIX) time"
//!   (`reference_policies_elements_condition_operators.html#Conditions_Date`): `YYYY-MM`,
//!   `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.f…]]` with `Z`, `±hh:mm`, `±hhmm` or no zone (read as
//!   UTC), and integer epoch seconds. An all-digit value is always epoch seconds, so the W3C
//!   year-only form `YYYY` is read as an epoch (as iam-simulate does). An epoch beyond `i64` is
//!   no date. Fraction digits past the ninth are dropped.

/// What AWS makes of one date value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateReading {
    /// Whether IAM's legacy parser reads it (otherwise a policy holding it is rejected with
    /// "The policy failed legacy parsing").
    pub iam_accepts: bool,
    /// The instant, in nanoseconds since the UNIX epoch, that evaluation compares; `None` when
    /// the value is not a W3C date or an epoch.
    pub instant: Option<i128>,
}

/// Reads a date condition value once, for the validator and the evaluator alike.
pub(crate) fn read(text: &str) -> DateReading {
    let (sign, digits) = match text.as_bytes().split_first() {
        Some((&s @ (b'-' | b'+'), rest)) => (Some(s), rest),
        _ => (None, text.as_bytes()),
    };
    if !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && let Ok(secs) = text.parse::<i64>()
    {
        return DateReading {
            iam_accepts: true,
            // Evaluation reads no `+` sign on an epoch.
            instant: (sign != Some(b'+')).then_some(i128::from(secs) * NANOS),
        };
    }
    match Shape::scan(text) {
        Some(shape) => DateReading {
            iam_accepts: shape.iam_accepts(),
            instant: shape.w3c_instant(),
        },
        None => DateReading {
            iam_accepts: false,
            instant: None,
        },
    }
}

const NANOS: i128 = 1_000_000_000;
/// Days from 4714 BC (Julian day 0) to 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
const MIN_YEAR: i64 = -292_275_054;
const MAX_YEAR: i64 = 292_278_993;

/// A number and how many digits it was written with.
#[derive(Debug, Clone, Copy)]
struct Field {
    value: i64,
    width: usize,
}

/// The time of day after the `T`.
#[derive(Debug, Clone, Copy)]
struct Time {
    hour: Field,
    minute: Option<Field>,
    second: Option<Field>,
    /// The separator (`.` or `,`), the fraction in nanoseconds and its digit count.
    fraction: Option<(u8, i128, usize)>,
}

/// The zone designator.
#[derive(Debug, Clone, Copy)]
enum Zone {
    None,
    Utc,
    /// Seconds east of UTC, and whether the minutes were written.
    Offset {
        seconds: i64,
        minutes: bool,
    },
}

/// An ISO 8601 value as written, read by the lenient grammar with every range checked; what
/// the W3C form further requires is checked by [`Shape::w3c_instant`].
#[derive(Debug, Clone, Copy)]
struct Shape {
    signed: bool,
    year: Field,
    month: Option<Field>,
    day: Option<Field>,
    /// A `T` was written (possibly with nothing after it).
    t: bool,
    time: Option<Time>,
    zone: Zone,
}

impl Shape {
    fn scan(text: &str) -> Option<Shape> {
        let mut s = Scan {
            rest: text.as_bytes(),
        };
        let negative = s.eat(|b| b == b'-').is_some();
        let signed = negative || s.eat(|b| b == b'+').is_some();
        // A run of more than nine digits cannot be a year; a longer run is left unread and fails.
        let year = s.field(1, 9)?;
        let year_value = if negative { -year.value } else { year.value };
        if !(MIN_YEAR..=MAX_YEAR).contains(&year_value) {
            return None;
        }
        let year = Field {
            value: year_value,
            ..year
        };
        let mut shape = Shape {
            signed,
            year,
            month: None,
            day: None,
            t: false,
            time: None,
            zone: Zone::None,
        };
        if s.eat(|b| b == b'-').is_some() {
            let month = s.field(1, 2)?;
            if !(1..=12).contains(&month.value) {
                return None;
            }
            shape.month = Some(month);
            if s.eat(|b| b == b'-').is_some() {
                let day = s.field(1, 2)?;
                if day.value < 1 || day.value > days_in_month(year.value, month.value) {
                    return None;
                }
                shape.day = Some(day);
            }
        }
        if s.done() {
            return Some(shape);
        }
        s.eat(|b| b == b'T' || b == b't')?;
        shape.t = true;
        if s.done() {
            return Some(shape);
        }
        let (time, zone) = time_and_zone(&mut s)?;
        shape.time = Some(time);
        shape.zone = zone;
        Some(shape)
    }

    /// IAM's legacy parser: the lenient grammar, with at most nine fraction digits.
    fn iam_accepts(&self) -> bool {
        self.time
            .and_then(|t| t.fraction)
            .is_none_or(|(_, _, digits)| digits <= 9)
    }

    /// The instant, when the value is in the W3C form evaluation reads.
    fn w3c_instant(&self) -> Option<i128> {
        let two = |f: Field| f.width == 2;
        if self.signed || self.year.width != 4 || !self.month.is_some_and(two) {
            return None;
        }
        if self.day.is_some_and(|d| !two(d)) {
            return None;
        }
        let mut secs_of_day = 0;
        let mut fraction = 0;
        let mut offset = 0;
        if self.t {
            // A time needs a full date and at least hours and minutes (W3C: `YYYY-MM-DDThh:mm`).
            let time = self.time.filter(|_| self.day.is_some())?;
            let minute = time.minute.filter(|m| two(*m))?;
            if !two(time.hour) || time.second.is_some_and(|s| !two(s)) {
                return None;
            }
            fraction = match time.fraction {
                None => 0,
                Some((b'.', nanos, _)) => nanos,
                Some(_) => return None,
            };
            secs_of_day =
                time.hour.value * 3600 + minute.value * 60 + time.second.map_or(0, |s| s.value);
            offset = match self.zone {
                Zone::None | Zone::Utc => 0,
                Zone::Offset {
                    seconds,
                    minutes: true,
                } => seconds,
                Zone::Offset { minutes: false, .. } => return None,
            };
        }
        let month = time::Month::try_from(u8::try_from(self.month?.value).ok()?).ok()?;
        let day = u8::try_from(self.day.map_or(1, |d| d.value)).ok()?;
        let date = time::Date::from_calendar_date(i32::try_from(self.year.value).ok()?, month, day)
            .ok()?;
        let days = i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY;
        let secs = days * 86_400 + secs_of_day - offset;
        Some(i128::from(secs) * NANOS + fraction)
    }
}

/// The time after the `T` and the zone after it.
fn time_and_zone(s: &mut Scan<'_>) -> Option<(Time, Zone)> {
    let hour = s.field(1, 2)?;
    if hour.value > 23 {
        return None;
    }
    let mut time = Time {
        hour,
        minute: None,
        second: None,
        fraction: None,
    };
    if s.eat(|b| b == b':').is_some() {
        let minute = s.field(1, 2)?;
        if minute.value > 59 {
            return None;
        }
        time.minute = Some(minute);
        if s.eat(|b| b == b':').is_some() {
            let second = s.field(1, 2)?;
            if second.value > 59 {
                return None;
            }
            time.second = Some(second);
            if let Some(separator) = s.eat(|b| b == b'.' || b == b',') {
                let (nanos, digits) = s.fraction()?;
                time.fraction = Some((separator, nanos, digits));
            }
        }
    }
    if s.done() {
        return Some((time, Zone::None));
    }
    if s.eat(|b| b == b'Z' || b == b'z').is_some() {
        return s.done().then_some((time, Zone::Utc));
    }
    let sign = match s.eat(|b| b == b'+' || b == b'-')? {
        b'-' => -1,
        _ => 1,
    };
    let hours = s.field(2, 2).filter(|h| h.value <= 23)?;
    if s.done() {
        let seconds = sign * hours.value * 3600;
        return Some((
            time,
            Zone::Offset {
                seconds,
                minutes: false,
            },
        ));
    }
    s.eat(|b| b == b':');
    let minutes = s.field(2, 2).filter(|m| m.value <= 59)?;
    let seconds = sign * (hours.value * 3600 + minutes.value * 60);
    s.done().then_some((
        time,
        Zone::Offset {
            seconds,
            minutes: true,
        },
    ))
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

    /// Between `min` and `max` ASCII digits, as a number with its width.
    fn field(&mut self, min: usize, max: usize) -> Option<Field> {
        let width = self
            .rest
            .iter()
            .take(max)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if width < min {
            return None;
        }
        let (digits, rest) = self.rest.split_at_checked(width)?;
        self.rest = rest;
        let value = digits.iter().try_fold(0_i64, |acc, d| {
            acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })?;
        Some(Field { value, width })
    }

    /// A fraction of a second: every digit, in nanoseconds (digits past the ninth dropped), with
    /// the digit count.
    fn fraction(&mut self) -> Option<(i128, usize)> {
        let digits = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let (run, rest) = self.rest.split_at_checked(digits)?;
        self.rest = rest;
        let mut scale = NANOS;
        let mut nanos = 0;
        for d in run.iter().take(9) {
            scale /= 10;
            nanos += i128::from(d - b'0') * scale;
        }
        Some((nanos, digits))
    }

    fn done(&self) -> bool {
        self.rest.is_empty()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn iam_accepts(text: &str) -> bool {
        read(text).iam_accepts
    }

    fn instant(text: &str) -> Option<i128> {
        read(text).instant
    }

    #[test]
    fn iam_accepts_what_its_legacy_parser_reads() {
        for ok in [
            "2019-07-01T13:20:15Z",
            "2016-12-13T21:20:37.593194+00:00",
            "2016-12-13t2:00:00.593194+23",
            "2016-12-13T2:00:00,5Z",
            "01T",
            "2017",
            "2017-07",
            "2024-02-29",
            "2017-07-01T00:00",
            "2017-07-01T10:00:00+0530",
            "-292275054",
            "+1500000000",
            "1500000000",
            "9223372036854775807",
        ] {
            assert!(iam_accepts(ok), "{ok} should be a date");
        }
    }

    #[test]
    fn iam_rejects_what_its_legacy_parser_rejects() {
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
            assert!(!iam_accepts(bad), "{bad} should not be a date");
        }
    }

    #[test]
    fn evaluation_reads_w3c_dates_and_epochs() {
        let base = instant("2020-01-01T00:00:00Z");
        assert_eq!(base, Some(1_577_836_800 * NANOS));
        for same in [
            "1577836800",
            "2020-01-01",
            "2020-01",
            "2020-01-01T00:00Z",
            "2020-01-01T00:00:00",
            "2020-01-01t00:00:00z",
            "2020-01-01T01:00:00+01:00",
            "2019-12-31T19:00:00-0500",
        ] {
            assert_eq!(instant(same), base, "{same}");
        }
        assert_eq!(
            instant("2020-01-01T00:00:00.25Z"),
            base.map(|b| b + NANOS / 4)
        );
        // Past nine digits the fraction is dropped at evaluation, though IAM rejects it.
        assert_eq!(
            instant("2020-01-01T00:00:00.1234567891Z"),
            base.map(|b| b + 123_456_789)
        );
        assert!(!iam_accepts("2020-01-01T00:00:00.1234567891Z"));
        assert_eq!(instant("0"), Some(0));
        assert_eq!(instant("-86400"), Some(-86_400 * NANOS));
        for bad in [
            "",
            "-",
            "+5",
            "sdfdsf",
            "234-13",
            "2020-13-01",
            "2020-02-30",
            "2020-01T00:00Z",
            "2020-01-01T24:00:00Z",
            "2020-01-01T00:00:60Z",
            "2020-01-01T00Z",
            "2020-01-01T00:00:00.Z",
            "2020-01-01T00:00.5Z",
            "2020-01-01T00:00:00+1",
            "2020-01-01T00:00:00+01",
            "2020-01-01T00:00:00,5Z",
            "2020-01-01 00:00:00Z",
            "9223372036854775808",
            "2020-01-01T00:00:00Zjunk",
            "2020-1-01",
            "01T",
            "2020-01-01T",
            "+2020-01-01",
        ] {
            assert_eq!(instant(bad), None, "{bad}");
        }
    }
}
