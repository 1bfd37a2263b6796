//! Layer-independent analysis that rules share: origins, origin patterns, domains.

pub mod domain;
pub mod origin;
