//! Tags of users, roles, customer managed policies and instance profiles: at most 50 an
//! entity, keys unique regardless of case (IAM: "tag keys are case insensitive").

use crate::db::Tx;
use crate::error::{Result, StoreError};
use crate::model::Tag;

/// IAM's quota of tags per entity.
pub const MAX_TAGS: usize = 50;

/// The tags of an entity, in key order. `kind` is `user`, `role`, `policy` or
/// `instance-profile`.
pub(crate) fn load(tx: &mut dyn Tx, kind: &str, id: &str) -> Result<Vec<Tag>> {
    Ok(tx
        .query(
            "SELECT key, value FROM iam_tags WHERE entity_kind = $1 AND entity_id = $2 ORDER BY key_lower",
            &[kind.into(), id.into()],
        )?
        .into_iter()
        .map(|row| Tag {
            key: row.str(0),
            value: row.str(1),
        })
        .collect())
}

/// Adds or overwrites tags (a key given again keeps its value from the last), refusing more
/// than [`MAX_TAGS`] in all.
pub(crate) fn put(tx: &mut dyn Tx, kind: &str, id: &str, tags: &[Tag]) -> Result<()> {
    for (i, tag) in tags.iter().enumerate() {
        check(tag, i + 1)?;
    }
    for tag in tags {
        tx.execute(
            "DELETE FROM iam_tags WHERE entity_kind = $1 AND entity_id = $2 AND key_lower = $3",
            &[kind.into(), id.into(), tag.key.to_lowercase().into()],
        )?;
        tx.execute(
            "INSERT INTO iam_tags (entity_kind, entity_id, key, key_lower, value) VALUES ($1, $2, $3, $4, $5)",
            &[
                kind.into(),
                id.into(),
                tag.key.as_str().into(),
                tag.key.to_lowercase().into(),
                tag.value.as_str().into(),
            ],
        )?;
    }
    let count = tx.count(
        "SELECT COUNT(*) FROM iam_tags WHERE entity_kind = $1 AND entity_id = $2",
        &[kind.into(), id.into()],
    )?;
    if count > MAX_TAGS as i64 {
        return Err(StoreError::limit_exceeded(format!(
            "The number of tags has reached the maximum limit of {MAX_TAGS}."
        )));
    }
    Ok(())
}

/// Removes the tags with these keys (regardless of case); absent keys are ignored, as IAM does.
pub(crate) fn remove(tx: &mut dyn Tx, kind: &str, id: &str, keys: &[String]) -> Result<()> {
    for key in keys {
        tx.execute(
            "DELETE FROM iam_tags WHERE entity_kind = $1 AND entity_id = $2 AND key_lower = $3",
            &[kind.into(), id.into(), key.to_lowercase().into()],
        )?;
    }
    Ok(())
}

/// Removes every tag of an entity (when it is deleted).
pub(crate) fn clear(tx: &mut dyn Tx, kind: &str, id: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM iam_tags WHERE entity_kind = $1 AND entity_id = $2",
        &[kind.into(), id.into()],
    )?;
    Ok(())
}

/// Checks one tag, the `position`th (from 1) of its request, against IAM's (and STS's)
/// constraints: a key of 1 to 128 characters and a value of at most 256, both of letters,
/// digits, white space and `_.:/=+-@`. A failure is AWS's `ValidationError`, naming the member
/// (`tags.2.member.value`).
pub fn check(tag: &Tag, position: usize) -> Result<()> {
    let chars_ok = |s: &str| {
        s.chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
    };
    // The member, its value, whether it is valid, and the pattern's quantifier (a key may not be
    // empty, a value may).
    let members = [
        (
            "key",
            &tag.key,
            !tag.key.is_empty() && tag.key.chars().count() <= 128,
            '+',
        ),
        ("value", &tag.value, tag.value.chars().count() <= 256, '*'),
    ];
    for (member, value, length_ok, quantifier) in members {
        if !length_ok || !chars_ok(value) {
            return Err(StoreError::new(
                crate::error::ErrorCode::ValidationError,
                format!(
                    "1 validation error detected: Value '{value}' at 'tags.{position}.member.\
                     {member}' failed to satisfy constraint: Member must satisfy regular \
                     expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]{quantifier}"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_key_is_named_by_its_position_with_the_key_pattern() {
        let tag = Tag {
            key: String::new(),
            value: "v".into(),
        };
        let e = check(&tag, 3).err().map(|e| (e.code, e.message));
        assert_eq!(
            e,
            Some((
                crate::error::ErrorCode::ValidationError,
                "1 validation error detected: Value '' at 'tags.3.member.key' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: \
                 [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"
                    .to_string()
            ))
        );
        let long = Tag {
            key: "k".into(),
            value: "v".repeat(257),
        };
        assert!(check(&long, 1).is_err());
        let fine = Tag {
            key: "team name".into(),
            value: String::new(),
        };
        assert!(check(&fine, 1).is_ok());
    }
}
