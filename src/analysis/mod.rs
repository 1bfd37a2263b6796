//! Layer-independent analysis that rules share: origins, origin patterns, domains.
//!
//! - [`origin`]: can a configured origin string equal a browser's `Origin`? (CORS104, 107, 309)
//! - [`pattern`]: which real attack origins does a regex or glob accept under a layer's matching
//!   semantics? (CORS102, 103, 106); [`matcher`] runs a pattern the way a layer does.
//! - [`memo`]: remembers pure results (pattern analyses, compiled regexes) for the process.
//! - [`domain`]: registrable domains and public suffixes (PSL), loopback hosts.

mod authority;
mod cause;
pub mod domain;
mod intent;
pub mod matcher;
pub mod memo;
pub mod origin;
pub mod pattern;
