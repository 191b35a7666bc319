//! Unique ids with AWS's prefixes, access keys and their secrets, and timestamps.

use rand::Rng;

/// The kinds of entity ids, by AWS's prefix (`reference_identifiers.html#identifiers-unique-ids`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// `AIDA`: an IAM user.
    User,
    /// `AGPA`: a group.
    Group,
    /// `AROA`: a role.
    Role,
    /// `ANPA`: a customer managed policy.
    Policy,
    /// `AIPA`: an instance profile.
    InstanceProfile,
    /// `AKIA`: a long-term access key id.
    AccessKey,
    /// `ASIA`: a temporary access key id.
    TemporaryAccessKey,
}

impl IdKind {
    /// The four-letter prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::User => "AIDA",
            IdKind::Group => "AGPA",
            IdKind::Role => "AROA",
            IdKind::Policy => "ANPA",
            IdKind::InstanceProfile => "AIPA",
            IdKind::AccessKey => "AKIA",
            IdKind::TemporaryAccessKey => "ASIA",
        }
    }
}

const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new id: the prefix, then 17 characters (access keys: 16) of AWS's alphabet.
pub fn new_id(kind: IdKind) -> String {
    let len = match kind {
        IdKind::AccessKey | IdKind::TemporaryAccessKey => 16,
        _ => 17,
    };
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(4 + len);
    id.push_str(kind.prefix());
    for _ in 0..len {
        id.push(char::from(ID_CHARS[rng.gen_range(0..ID_CHARS.len())]));
    }
    id
}

/// A new 40-character secret access key.
pub fn new_secret() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::thread_rng();
    (0..40)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

/// A random UUID (version 4): service-linked role deletion task ids, request ids.
pub fn uuid() -> String {
    let mut bytes: [u8; 16] = rand::thread_rng().r#gen();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Now, as IAM writes dates: `2026-11-29T10:00:00Z`.
pub fn now() -> String {
    timestamp(time::OffsetDateTime::now_utc())
}

/// A moment as IAM writes dates: UTC, to the second, with a `Z`.
pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_aws_prefixes_and_lengths() {
        let user = new_id(IdKind::User);
        assert!(user.starts_with("AIDA"));
        assert_eq!(user.len(), 21);
        assert_eq!(new_id(IdKind::AccessKey).len(), 20);
        assert_ne!(new_id(IdKind::Role), new_id(IdKind::Role));
        assert_eq!(new_secret().len(), 40);
        assert_eq!(now().len(), 20);
    }
}
