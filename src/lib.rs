//! corslint: finds CORS misconfigurations in FastAPI/Starlette apps, nginx configs and deployment YAML.

pub mod analysis;
pub mod parse;
pub mod source;
