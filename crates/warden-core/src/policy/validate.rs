//! AWS's validation of policy documents (placeholder: being written).
