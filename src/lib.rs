//! corslint: finds CORS misconfigurations in FastAPI/Starlette apps, nginx configs and deployment YAML.
//!
//! The pipeline runs one way: [`discover`] → [`parse`] → [`extract`] → [`model`] → [`rules`] →
//! filter ([`config`], [`suppress`]) → [`report`]. [`lint::lint`] runs it all.

pub mod analysis;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod docs;
pub mod extract;
pub mod lint;
pub mod model;
pub mod parse;
pub mod report;
pub mod rules;
pub mod simulate;
pub mod source;
pub mod suppress;
#[cfg(test)]
pub(crate) mod test_support;
