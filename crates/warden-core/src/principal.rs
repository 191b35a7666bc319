//! The principal making a request, and how a `Principal` block names it
//! (`reference_policies_elements_principal.html`).

use crate::arn::Arn;
use crate::policy::{PrincipalBlock, PrincipalKind};

/// Who is making the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account itself (`arn:aws:iam::ID:root`).
    Account {
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
    },
    /// An IAM user.
    User {
        /// The user's ARN (with path).
        arn: String,
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// The user name (last path element).
        name: String,
    },
    /// An IAM role acting as itself (as `warden simulate` lets a caller name a role).
    Role {
        /// The role's ARN (with path).
        arn: String,
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// The role name.
        name: String,
    },
    /// A role session: `arn:aws:sts::ID:assumed-role/ROLE/SESSION`.
    AssumedRole {
        /// The session ARN.
        arn: String,
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// The role name.
        role: String,
        /// The session name.
        session: String,
    },
    /// A federated user: `arn:aws:sts::ID:federated-user/NAME`.
    FederatedUser {
        /// The ARN.
        arn: String,
        /// Account id.
        account: String,
    },
    /// An AWS service principal such as `ecs-tasks.amazonaws.com`.
    Service(String),
    /// An unauthenticated caller.
    Anonymous,
    /// Anything else, compared by its text.
    Other(String),
}

impl Principal {
    /// Reads a principal from an ARN, an account id or a service principal name.
    pub fn parse(text: &str) -> Principal {
        let text = text.trim();
        if crate::policy::is_account_id(text) {
            return Principal::Account {
                partition: "aws".into(),
                account: text.into(),
            };
        }
        if text.eq_ignore_ascii_case("anonymous") || text == "*" {
            return Principal::Anonymous;
        }
        let Some(arn) = Arn::parse(text) else {
            if is_service_principal(text) {
                return Principal::Service(text.to_ascii_lowercase());
            }
            return Principal::Other(text.into());
        };
        let partition = arn.partition.to_string();
        let account = arn.account.to_string();
        match (arn.service, arn.resource) {
            ("iam", "root") => Principal::Account { partition, account },
            ("iam", r) if r.starts_with("user/") => Principal::User {
                arn: text.into(),
                name: last_segment(r).into(),
                partition,
                account,
            },
            ("iam", r) if r.starts_with("role/") => Principal::Role {
                arn: text.into(),
                name: last_segment(r).into(),
                partition,
                account,
            },
            ("sts", r) if r.starts_with("assumed-role/") => {
                let mut parts = r.splitn(3, '/').skip(1);
                let role = parts.next().unwrap_or("").to_string();
                let session = parts.next().unwrap_or("").to_string();
                Principal::AssumedRole {
                    arn: text.into(),
                    partition,
                    account,
                    role,
                    session,
                }
            }
            ("sts", r) if r.starts_with("federated-user/") => Principal::FederatedUser {
                arn: text.into(),
                account,
            },
            _ => Principal::Other(text.into()),
        }
    }

    /// The principal's ARN (the session ARN for a session; none for services).
    pub fn arn(&self) -> Option<String> {
        match self {
            Principal::Account { partition, account } => {
                Some(format!("arn:{partition}:iam::{account}:root"))
            }
            Principal::User { arn, .. }
            | Principal::Role { arn, .. }
            | Principal::AssumedRole { arn, .. }
            | Principal::FederatedUser { arn, .. } => Some(arn.clone()),
            Principal::Other(s) => Some(s.clone()),
            Principal::Service(_) | Principal::Anonymous => None,
        }
    }

    /// The ARN that `aws:PrincipalArn` reports: the role ARN for a session
    /// (`reference_policies_condition-keys.html#condition-keys-principalarn`).
    pub fn principal_arn(&self) -> Option<String> {
        match self {
            Principal::AssumedRole {
                partition,
                account,
                role,
                ..
            } => Some(format!("arn:{partition}:iam::{account}:role/{role}")),
            _ => self.arn(),
        }
    }

    /// The account the principal belongs to.
    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::Account { account, .. }
            | Principal::User { account, .. }
            | Principal::Role { account, .. }
            | Principal::AssumedRole { account, .. }
            | Principal::FederatedUser { account, .. } => Some(account),
            _ => None,
        }
    }

    /// Whether this is an AWS service principal.
    pub fn is_service(&self) -> bool {
        matches!(self, Principal::Service(_))
    }

    /// Whether this is an IAM principal (user, role, session, account, federated user), the
    /// kind that identity policies, boundaries and SCPs apply to.
    pub fn is_iam(&self) -> bool {
        matches!(
            self,
            Principal::Account { .. }
                | Principal::User { .. }
                | Principal::Role { .. }
                | Principal::AssumedRole { .. }
                | Principal::FederatedUser { .. }
        )
    }

    /// Whether the principal is a service-linked role or a session of one (path
    /// `/aws-service-role/`): SCPs and RCPs do not restrict those
    /// (`orgs_manage_policies_scps.html`).
    pub fn is_service_linked(&self) -> bool {
        match self {
            Principal::Role { arn, .. } => arn.contains(":role/aws-service-role/"),
            Principal::AssumedRole { role, .. } => role.starts_with("AWSServiceRoleFor"),
            _ => false,
        }
    }
}

fn last_segment(resource: &str) -> &str {
    resource.rsplit('/').next().unwrap_or(resource)
}

/// `something.amazonaws.com` (or `.amazonaws.com.cn`, or AWS's other service domains).
pub fn is_service_principal(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    !t.contains(':')
        && (t.ends_with(".amazonaws.com")
            || t.ends_with(".amazonaws.com.cn")
            || t.ends_with(".amazon.com")
            || t.ends_with(".aws.internal"))
}

/// How a `Principal` block names the requester, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// Not named.
    None,
    /// Named through its account (`ID` or `arn:...:root`): the account's identity policies
    /// still have to allow (`reference_policies_evaluation-logic.html`).
    Account,
    /// Named as a role whose session is asking (or the role itself, which Warden treats as a
    /// session of it): boundaries and session policies still cut
    /// (`reference_policies_elements_principal.html#principal-roles`).
    RoleOfSession,
    /// Named through `*` (everyone). Within the account it grants as an exact name does:
    /// "Identity-based policy types, such as permissions boundaries or session policies, do not
    /// limit permissions granted using the `aws:PrincipalArn` condition key with a wildcard (*)
    /// in the `Principal` element" (`reference_policies_elements_principal.html#principal-roles`).
    Wildcard,
    /// Named exactly: user ARN, session ARN, service or account root.
    Exact,
}

impl PrincipalMatch {
    /// Whether the block names the principal at all.
    pub fn is_match(self) -> bool {
        self != PrincipalMatch::None
    }
}

/// How a `Principal` block (ignoring negation) names the request's principal.
pub fn principal_match(block: &PrincipalBlock, who: &Principal) -> PrincipalMatch {
    let mut best = PrincipalMatch::None;
    for entry in &block.entries {
        let m = match entry.kind {
            PrincipalKind::Aws => aws_entry_match(&entry.value, who),
            PrincipalKind::Service => match who {
                Principal::Service(s) if s.eq_ignore_ascii_case(&entry.value) => {
                    PrincipalMatch::Exact
                }
                _ => PrincipalMatch::None,
            },
            PrincipalKind::Federated | PrincipalKind::CanonicalUser | PrincipalKind::Other(_) => {
                match who {
                    Principal::Other(s) if *s == entry.value => PrincipalMatch::Exact,
                    _ => PrincipalMatch::None,
                }
            }
        };
        best = best.max(m);
    }
    best
}

fn aws_entry_match(value: &str, who: &Principal) -> PrincipalMatch {
    if value == "*" {
        return PrincipalMatch::Wildcard;
    }
    let named = Principal::parse(value);
    match (&named, who) {
        (Principal::Account { account: a, .. }, _) if who.account() == Some(a.as_str()) => {
            match who {
                // The account principal itself is named exactly.
                Principal::Account { .. } => PrincipalMatch::Exact,
                _ => PrincipalMatch::Account,
            }
        }
        (Principal::User { arn: a, .. }, Principal::User { arn: b, .. }) if a == b => {
            PrincipalMatch::Exact
        }
        // A caller given as the role itself stands for one of its sessions: a grant to the role
        // ARN "is limited by any policy types that limit permissions for the role. This
        // includes session policies and permissions boundaries"
        // (`reference_policies_elements_principal.html#principal-roles`).
        (Principal::Role { arn: a, .. }, Principal::Role { arn: b, .. }) if a == b => {
            PrincipalMatch::RoleOfSession
        }
        (
            Principal::Role {
                partition: p1,
                account: a1,
                name,
                ..
            },
            Principal::AssumedRole {
                partition: p2,
                account: a2,
                role,
                ..
            },
        ) if p1 == p2 && a1 == a2 && name == role => PrincipalMatch::RoleOfSession,
        (Principal::AssumedRole { arn: a, .. }, Principal::AssumedRole { arn: b, .. })
            if a == b =>
        {
            PrincipalMatch::Exact
        }
        (Principal::FederatedUser { arn: a, .. }, Principal::FederatedUser { arn: b, .. })
            if a == b =>
        {
            PrincipalMatch::Exact
        }
        _ => PrincipalMatch::None,
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::policy::PrincipalEntry;

    fn block(values: &[&str]) -> PrincipalBlock {
        PrincipalBlock {
            negated: false,
            entries: values
                .iter()
                .map(|v| PrincipalEntry {
                    kind: PrincipalKind::Aws,
                    value: v.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn parses_kinds() {
        assert!(matches!(
            Principal::parse("arn:aws:sts::123456789012:assumed-role/r/s"),
            Principal::AssumedRole { ref role, ref session, .. } if role == "r" && session == "s"
        ));
        assert_eq!(
            Principal::parse("ecs-tasks.amazonaws.com"),
            Principal::Service("ecs-tasks.amazonaws.com".into())
        );
        assert_eq!(
            Principal::parse("arn:aws:sts::1:assumed-role/r/s")
                .principal_arn()
                .unwrap(),
            "arn:aws:iam::1:role/r"
        );
    }

    #[test]
    fn role_arn_names_its_sessions_with_any_path() {
        let who = Principal::parse("arn:aws:sts::123456789012:assumed-role/app/s1");
        let b = block(&["arn:aws:iam::123456789012:role/team/app"]);
        assert_eq!(principal_match(&b, &who), PrincipalMatch::RoleOfSession);
        let b = block(&["arn:aws:sts::123456789012:assumed-role/app/s1"]);
        assert_eq!(principal_match(&b, &who), PrincipalMatch::Exact);
        let b = block(&["arn:aws:sts::123456789012:assumed-role/app/s2"]);
        assert_eq!(principal_match(&b, &who), PrincipalMatch::None);
        let b = block(&["arn:aws:iam::123456789012:root"]);
        assert_eq!(principal_match(&b, &who), PrincipalMatch::Account);
    }

    #[test]
    fn a_role_caller_is_named_as_a_session_of_its_role() {
        let who = Principal::parse("arn:aws:iam::123456789012:role/app");
        let b = block(&["arn:aws:iam::123456789012:role/app"]);
        assert_eq!(principal_match(&b, &who), PrincipalMatch::RoleOfSession);
        // `*` outranks a role name: it grants as an exact name does.
        let b = block(&["arn:aws:iam::123456789012:role/app", "*"]);
        assert_eq!(principal_match(&b, &who), PrincipalMatch::Wildcard);
    }

    #[test]
    fn wildcards_in_arns_are_not_patterns() {
        let who = Principal::parse("arn:aws:iam::123456789012:role/app");
        let b = block(&["arn:aws:iam::123456789012:role/*"]);
        assert_eq!(principal_match(&b, &who), PrincipalMatch::None);
    }
}
