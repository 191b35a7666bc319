//! Placeholder replaced by the ecs-1000 benchmark.
fn main() {}
