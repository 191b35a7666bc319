//! Typed condition values: numbers, dates, IP networks, booleans and binary.
//!
//! Policy values are parsed once, when a clause is compiled; request values are parsed on every
//! evaluation, so these parsers borrow and do not allocate (binary excepted).

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use std::cmp::Ordering;
use std::net::IpAddr;

// ---------------------------------------------------------------------------------------------
// Numbers

/// A decimal number compared exactly (no float rounding): `±0.d1d2d3… × 10^mag`.
///
/// `reference_policies_elements_condition_operators.html#Conditions_Numeric` says "integer or
/// decimal value"; we also read an exponent (`1e3`), since a JSON number may be written that way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Number {
    neg: bool,
    /// Significant digits (ASCII), without leading or trailing zeros; empty for zero.
    digits: Box<[u8]>,
    mag: i64,
}

/// A number as written: sign, integer digits, fraction digits, exponent.
struct Scanned<'a> {
    neg: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exp: i64,
}

fn scan_number(text: &str) -> Option<Scanned<'_>> {
    let bytes = text.as_bytes();
    let (neg, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let (int, rest) = split_digits(rest);
    let (frac, rest) = match rest.split_first() {
        Some((b'.', after)) => split_digits(after),
        _ => (&[][..], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', after)) => {
            let (neg_exp, after) = match after.split_first() {
                Some((b'-', a)) => (true, a),
                Some((b'+', a)) => (false, a),
                _ => (false, after),
            };
            let (digits, tail) = split_digits(after);
            // Six digits are plenty and keep the arithmetic below far from overflow.
            if digits.is_empty() || digits.len() > 6 || !tail.is_empty() {
                return None;
            }
            let e = digits
                .iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
            if neg_exp { -e } else { e }
        }
        Some(_) => return None,
    };
    Some(Scanned {
        neg,
        int,
        frac,
        exp,
    })
}

fn split_digits(bytes: &[u8]) -> (&[u8], &[u8]) {
    let n = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    bytes.split_at_checked(n).unwrap_or((bytes, &[]))
}

impl Scanned<'_> {
    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        self.int.iter().chain(self.frac).copied()
    }

    /// Sign, magnitude exponent and the significant digits (from the first non-zero one).
    fn view(&self) -> (bool, i64, impl Iterator<Item = u8> + '_) {
        let leading = self.digits().take_while(|d| *d == b'0').count();
        let zero = self.digits().all(|d| d == b'0');
        let mag = len_i64(self.int.len()) - len_i64(leading) + self.exp;
        (self.neg && !zero, mag, self.digits().skip(leading))
    }
}

fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX / 4)
}

impl Number {
    /// Parses a policy value; `None` when it is not a number.
    pub(crate) fn parse(text: &str) -> Option<Number> {
        let scanned = scan_number(text)?;
        let (neg, mag, digits) = scanned.view();
        let mut digits: Vec<u8> = digits.collect();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        Some(Number {
            neg: neg && !digits.is_empty(),
            mag: if digits.is_empty() { 0 } else { mag },
            digits: digits.into_boxed_slice(),
        })
    }
}

/// A request's numeric value, scanned once and compared with each policy number.
pub(crate) struct RequestNumber<'a>(Scanned<'a>);

impl<'a> RequestNumber<'a> {
    /// Scans a request value; `None` when it is not a number.
    pub(crate) fn parse(text: &'a str) -> Option<RequestNumber<'a>> {
        scan_number(text).map(RequestNumber)
    }

    /// Compares this request value with a policy number.
    pub(crate) fn cmp(&self, policy: &Number) -> Ordering {
        let (neg, mag, digits) = self.0.view();
        let mut digits = digits.peekable();
        let req_zero = digits.peek().is_none();
        let pol_zero = policy.digits.is_empty();
        let sign = |zero: bool, neg: bool| {
            if zero {
                0
            } else if neg {
                -1
            } else {
                1
            }
        };
        let (rs, ps) = (sign(req_zero, neg), sign(pol_zero, policy.neg));
        if rs != ps || rs == 0 {
            return rs.cmp(&ps);
        }
        let abs = mag.cmp(&policy.mag).then_with(|| {
            let mut theirs = policy.digits.iter().copied();
            loop {
                match (digits.next(), theirs.next()) {
                    (None, None) => return Ordering::Equal,
                    (a, b) => {
                        let ord = a.unwrap_or(b'0').cmp(&b.unwrap_or(b'0'));
                        if ord != Ordering::Equal {
                            return ord;
                        }
                    }
                }
            }
        });
        if rs < 0 { abs.reverse() } else { abs }
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

/// Parses a date condition value into nanoseconds since the UNIX epoch, as evaluation reads it
/// (W3C ISO 8601 or epoch seconds): the shared date reader's evaluation verdict
/// (`crate::date`).
pub(crate) fn parse_instant(text: &str) -> Option<i128> {
    crate::date::read(text).instant
}

// ---------------------------------------------------------------------------------------------
// IP addresses

/// An IPv4 or IPv6 network in CIDR form (RFC 4632); a bare address is a /32 or /128.
///
/// `reference_policies_elements_condition_operators.html#Conditions_IPAddress`: "If you
/// specify an IP address without the associated routing prefix, IAM uses the default prefix
/// value of `/32`." An IPv4 address never falls in an IPv6 network, nor the reverse (an
/// IPv4-mapped IPv6 address is an IPv6 address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Network {
    /// IPv4: the address with host bits cleared, and the prefix length.
    V4(u32, u8),
    /// IPv6: the address with host bits cleared, and the prefix length.
    V6(u128, u8),
}

impl Network {
    /// Parses `addr` or `addr/prefix`. Host bits set in a network are ignored.
    pub(crate) fn parse(text: &str) -> Option<Network> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => {
                if prefix.is_empty()
                    || prefix.len() > 3
                    || !prefix.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                (addr, Some(prefix.parse::<u8>().ok()?))
            }
            None => (text, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let p = prefix.unwrap_or(32);
                (p <= 32).then(|| Network::V4(u32::from(a) & mask_v4(p), p))
            }
            IpAddr::V6(a) => {
                let p = prefix.unwrap_or(128);
                (p <= 128).then(|| Network::V6(u128::from(a) & mask_v6(p), p))
            }
        }
    }

    /// Whether every address of `inner` (a request address or network) lies in this network.
    pub(crate) fn contains(&self, inner: &Network) -> bool {
        match (*self, *inner) {
            (Network::V4(net, p), Network::V4(a, q)) => q >= p && a & mask_v4(p) == net,
            (Network::V6(net, p), Network::V6(a, q)) => q >= p && a & mask_v6(p) == net,
            _ => false,
        }
    }
}

fn mask_v4(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

fn mask_v6(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Booleans and binary

/// `true` / `false` in any case.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Standard base64, with or without padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes a base64 value (`BinaryEquals` compares the decoded bytes).
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(text).ok()
}

#[cfg(test)]
mod test {
    use super::*;

    fn cmp(request: &str, policy: &str) -> Option<Ordering> {
        Some(RequestNumber::parse(request)?.cmp(&Number::parse(policy)?))
    }

    #[test]
    fn numbers_compare_exactly() {
        use Ordering::*;
        assert_eq!(cmp("10", "10.0"), Some(Equal));
        assert_eq!(cmp("-0", "0.000"), Some(Equal));
        assert_eq!(cmp("1e3", "1000"), Some(Equal));
        assert_eq!(cmp("0.05", "5E-2"), Some(Equal));
        assert_eq!(cmp("007", "7"), Some(Equal));
        assert_eq!(cmp("9.5", "10"), Some(Less));
        assert_eq!(cmp("-10", "-9.5"), Some(Less));
        assert_eq!(cmp("-1", "0"), Some(Less));
        assert_eq!(cmp("0", "-0.1"), Some(Greater));
        assert_eq!(cmp("123.46", "123.459"), Some(Greater));
        // Beyond f64's 53-bit mantissa.
        assert_eq!(cmp("9007199254740993", "9007199254740992"), Some(Greater));
        assert_eq!(cmp(".5", "0.5"), Some(Equal));
        assert_eq!(cmp("5.", "5"), Some(Equal));
        for bad in [
            "",
            "-",
            ".",
            "abc",
            "1.2.3",
            "1e",
            "1e1234567",
            "0x10",
            "NaN",
            "inf",
            " 1",
        ] {
            assert!(Number::parse(bad).is_none(), "{bad}");
            assert_eq!(cmp(bad, "1"), None, "{bad}");
        }
    }

    /// Whether `outer` contains `inner`; `None` when either does not parse.
    fn contains(outer: &str, inner: &str) -> Option<bool> {
        Some(Network::parse(outer)?.contains(&Network::parse(inner)?))
    }

    #[test]
    fn networks() {
        let n = "203.0.113.0/24";
        assert_eq!(contains(n, "203.0.113.77"), Some(true));
        assert_eq!(contains(n, "203.0.114.1"), Some(false));
        assert_eq!(contains(n, "203.0.113.128/25"), Some(true));
        assert_eq!(contains(n, "203.0.112.0/23"), Some(false));
        // Host bits in the policy value are ignored.
        assert_eq!(Network::parse("203.0.113.9/24"), Network::parse(n));
        assert_eq!(contains("0.0.0.0/0", "255.255.255.255"), Some(true));
        assert_eq!(contains("0.0.0.0/0", "::1"), Some(false));
        let v6 = "2001:DB8:1234:5678::/64";
        assert_eq!(contains(v6, "2001:db8:1234:5678:abcd::1"), Some(true));
        assert_eq!(contains(v6, "2001:db8:1234:5679::1"), Some(false));
        assert_eq!(contains("::/0", "10.0.0.1"), Some(false));
        assert_eq!(contains("::/0", "::"), Some(true));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0",
            "10.0.0.256",
            "fe80::1%eth0",
            "host",
        ] {
            assert_eq!(Network::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn booleans_and_binary() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("False"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(
            decode_base64("QmluYXJ5VmFsdWVJbkJhc2U2NA==").as_deref(),
            Some(&b"BinaryValueInBase64"[..])
        );
        assert_eq!(
            decode_base64("QmluYXJ5VmFsdWVJbkJhc2U2NA").as_deref(),
            Some(&b"BinaryValueInBase64"[..])
        );
        assert_eq!(decode_base64("not base64!"), None);
    }
}
