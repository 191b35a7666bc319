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
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }
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

    /// Whether the pattern has the six components an ARN needs.
    pub fn is_valid(&self) -> bool {
        self.components.is_some()
    }

    /// Whether `value` matches component by component. A value that is not an ARN never matches.
    pub fn matches(&self, value: &str) -> bool {
        let Some(globs) = &self.components else {
            return false;
        };
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        if parts.len() != 6 {
            return false;
        }
        globs.iter().zip(parts).all(|(g, p)| g.matches(p))
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
}
