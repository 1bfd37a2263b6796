//! corslint: finds CORS misconfigurations in FastAPI/Starlette apps, nginx configs and deployment YAML.
//!
//! The pipeline runs one way: [`discover`] → [`parse`] → [`extract`] → [`model`] → [`rules`] →
//! filter ([`config`], [`suppress`]) → [`report`]. [`lint::lint`] runs it all.

pub mod add_noqa;
pub mod analysis;
pub mod baseline;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod docs;
pub mod extract;
pub mod fix;
pub mod lint;
pub mod model;
pub mod parse;
pub mod progress;
pub mod project;
pub mod report;
pub mod rules;
pub mod server;
pub mod show;
pub mod simulate;
pub mod source;
pub mod suppress;
pub mod terminal;
#[cfg(test)]
pub(crate) mod test_support;
