//! JavaScript and TypeScript: the Express/NestJS `cors` layer ([`express`]) and what the JS
//! extractors share ([`value`]: static evaluation).

pub mod express;
mod express_paths;
pub mod headers;
pub mod next_headers;
pub mod value;
