//! Tests of the explanation and the fix.
