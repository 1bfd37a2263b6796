//! Layer-independent analysis that rules share: origins, origin patterns, domains.

mod authority;
mod cause;
pub mod domain;
mod intent;
pub mod matcher;
pub mod origin;
pub mod pattern;
