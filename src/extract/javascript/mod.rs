//! JavaScript and TypeScript: the Express/NestJS `cors` layer ([`express`]), fastify's
//! `@fastify/cors` ([`fastify`]), Hono's `cors()` ([`hono`]) and what the JS extractors share
//! ([`value`]: static evaluation).

pub mod express;
mod express_paths;
pub mod fastify;
pub mod headers;
pub mod hono;
pub mod next_headers;
mod node_apps;
mod plugin_policy;
pub mod value;
