//! corslint: finds CORS misconfigurations in FastAPI/Starlette apps, nginx configs and deployment YAML.

pub mod source;
