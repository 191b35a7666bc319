//! Amazon Resource Names (`reference-arns.html`): `arn:partition:service:region:account:resource`.
//!
//! The resource part may itself contain `:` and `/`. `ArnEquals`/`ArnLike` compare the six
//! components separately, so a `*` in one of the first five never crosses a `:`
//! (`reference_policies_elements_condition_operators.html#Conditions_ARN`).

use crate::glob::Glob;

/// The six components of an ARN, borrowed from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// The service namespace, e.g. `iam`.
    pub service: &'a str,
    /// The region, empty for global services.
    pub region: &'a str,
    /// The account id, empty for some resources (S3 buckets).
    pub account: &'a str,
    /// Everything after the fifth colon.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN; `None` unless it starts with `arn:` and has all six components.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let [arn, partition, service, region, account, resource] = split6(text)?;
        if arn != "arn" {
            return None;
        }
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

/// Splits at the first five colons; `None` when there are fewer. A byte scan: `str::splitn`
/// costs several times more on these short components, and this runs on the request path.
fn split6(text: &str) -> Option<[&str; 6]> {
    fn cut(s: &str) -> Option<(&str, &str)> {
        let i = s.bytes().position(|b| b == b':')?;
        Some((s.get(..i)?, s.get(i + 1..)?))
    }
    let (a, rest) = cut(text)?;
    let (b, rest) = cut(rest)?;
    let (c, rest) = cut(rest)?;
    let (d, rest) = cut(rest)?;
    let (e, f) = cut(rest)?;
    Some([a, b, c, d, e, f])
}

/// A compiled `ArnLike` pattern: one glob per component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnPattern {
    /// `None` when the pattern is not a six-component ARN: it then never matches.
    components: Option<[Glob; 6]>,
}

impl ArnPattern {
    /// Compiles a pattern such as `arn:aws:ecs:*:123456789012:*`.
    pub fn new(pattern: &str) -> ArnPattern {
        let parts: Vec<&str> = pattern.splitn(6, ':').collect();
        let components = match parts.as_slice() {
            [a, b, c, d, e, f] => Some([
                Glob::new(a),
                Glob::new(b),
                Glob::new(c),
                Glob::new(d),
                Glob::new(e),
                Glob::new(f),
            ]),
            _ => None,
        };
        ArnPattern { components }
    }

    /// Builds a pattern from one compiled glob per component (used when policy variables are
    /// substituted component by component).
    pub fn from_components(components: [Glob; 6]) -> ArnPattern {
        ArnPattern {
            components: Some(components),
        }
    }

    /// Whether the pattern has the six components an ARN needs.
    pub fn is_valid(&self) -> bool {
        self.components.is_some()
    }

    /// Whether `value` matches component by component. A value that is not an ARN never matches.
    pub fn matches(&self, value: &str) -> bool {
        split6(value).is_some_and(|parts| self.matches_parts(parts))
    }

    /// Whether an ARN already split (e.g. once for several patterns) matches.
    pub fn matches_arn(&self, arn: &Arn<'_>) -> bool {
        self.matches_parts([
            "arn",
            arn.partition,
            arn.service,
            arn.region,
            arn.account,
            arn.resource,
        ])
    }

    fn matches_parts(&self, parts: [&str; 6]) -> bool {
        self.components
            .as_ref()
            .is_some_and(|globs| globs.iter().zip(parts).all(|(g, p)| g.matches(p)))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn parse_keeps_colons_in_resource() {
        let a =
            Arn::parse("arn:aws:ssm:us-east-1:123456789012:parameter/aws/service/ecs:x").unwrap();
        assert_eq!(a.service, "ssm");
        assert_eq!(a.resource, "parameter/aws/service/ecs:x");
        assert!(Arn::parse("arn:aws:s3::bucket").is_none());
        assert!(Arn::parse("ecs-tasks.amazonaws.com").is_none());
    }

    #[test]
    fn arn_like_is_per_component() {
        let p = ArnPattern::new("arn:aws:ecs:*:123456789012:*");
        assert!(p.matches("arn:aws:ecs:us-east-1:123456789012:task/abc"));
        assert!(!p.matches("arn:aws:ecs:us-east-1:999999999999:task/abc"));
        // A star in the region component does not swallow the account's colon.
        let p = ArnPattern::new("arn:aws:ecs:*:*");
        assert!(!p.is_valid());
        assert!(!p.matches("arn:aws:ecs:us-east-1:123456789012:task/abc"));
        let p = ArnPattern::new("arn:aws:iam::*");
        assert!(!p.matches("arn:aws:iam::1:role/x"));
        assert!(!ArnPattern::new("arn:*:*:*:*:*").matches("not-an-arn"));
    }

    #[test]
    fn matches_an_arn_split_once() {
        let v = "arn:aws:ecs:us-east-1:123456789012:task/a:b";
        let p = ArnPattern::new("arn:aws:ecs:*:123456789012:task/*");
        assert_eq!(Arn::parse(v).map(|a| p.matches_arn(&a)), Some(true));
        assert!(p.matches(v));
        assert!(!p.matches("arn:aws:ecs:us-east-1:123456789012"));
        let other = ArnPattern::new("arn:aws:ecs:*:1:*");
        assert_eq!(Arn::parse(v).map(|a| other.matches_arn(&a)), Some(false));
        let globs = ["arn", "aws", "iam", "", "*", "role/*"].map(Glob::new);
        let built = ArnPattern::from_components(globs);
        assert!(built.matches("arn:aws:iam::123:role/x"));
        assert!(!built.matches("arn:aws:iam:us-east-1:123:role/x"));
    }
}
