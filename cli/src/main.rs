//! The `guildhall` binary.
fn main() {}
