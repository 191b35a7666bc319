#![doc = include_str!("../README.md")]

pub mod arn;
pub mod condition;
pub mod context;
pub mod glob;
pub mod json;
pub mod policy;
pub mod principal;
pub mod variables;
