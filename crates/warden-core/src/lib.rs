#![doc = include_str!("../README.md")]

pub mod arn;
pub mod authorize;
pub mod compile;
pub mod condition;
pub mod context;
mod date;
pub mod explain;
pub mod glob;
pub mod json;
pub mod policy;
pub mod principal;
pub mod simulate;
pub mod variables;

pub use authorize::{Decision, EvalDecision, MatchedStatement, PolicySet, Reason, Request};
pub use compile::CompiledPolicy;
pub use explain::{Explanation, Fix, PolicyLayer, minimal_grant};
pub use policy::{Policy, PolicyType};
pub use principal::Principal;
