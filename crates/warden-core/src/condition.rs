//! Condition operators (placeholder: being written).

use crate::context::Context;
use crate::policy::{ConditionClause, Version};

/// One compiled (operator, key, values) clause of a `Condition` block.
#[derive(Debug, Clone)]
pub struct CompiledCondition {
    key: String,
}

impl CompiledCondition {
    /// Compiles a clause. Never fails: an unknown operator or a value that does not suit the
    /// operator compiles to a clause that never matches.
    pub fn compile(clause: &ConditionClause, _version: Version) -> CompiledCondition {
        CompiledCondition {
            key: clause.key.to_ascii_lowercase(),
        }
    }

    /// The condition key, lower-cased.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The context keys the clause reads.
    pub fn referenced_keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key.as_str())
    }

    /// Whether the clause holds for this context.
    pub fn evaluate(&self, _ctx: &Context) -> bool {
        false
    }
}
