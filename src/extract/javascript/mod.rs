//! JavaScript and TypeScript: the Express/NestJS `cors` layer ([`express`]), fastify's
//! `@fastify/cors` ([`fastify`]), Hono's `cors()` ([`hono`]) and what the JS extractors share
//! ([`value`]: static evaluation).

pub mod express;
mod express_paths;
pub mod fastify;
pub mod headers;
pub mod hono;
mod modules;
pub mod next_headers;
mod node_apps;
mod plugin_policy;
pub mod value;

/// Whether `text` holds any of `tokens` (case-sensitive): the check an extractor makes before it
/// builds an [`value::Evaluator`] over a file. The prefilter admits a file for the union of every
/// extractor's tokens; each one then reads only the files that name its own.
pub fn mentions_any(text: &str, tokens: &[&str]) -> bool {
    tokens.iter().any(|t| text.contains(t))
}
