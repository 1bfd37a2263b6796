//! JavaScript and TypeScript: what the JS extractors share ([`value`]: static evaluation).

pub mod value;
