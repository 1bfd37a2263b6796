//! Parsers: bytes to syntax trees whose nodes carry byte ranges. One module per format.

pub mod nginx;
pub mod yaml;

use crate::source::TextRange;

/// Why a file (or part of one) could not be parsed; becomes a CORS901 finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// Where the parser gave up (often empty: a position).
    pub range: TextRange,
}

impl ParseError {
    pub fn new(message: impl Into<String>, range: TextRange) -> Self {
        ParseError { message: message.into(), range }
    }
}

use crate::source::{FileKind, SourceFile};

/// A file's syntax tree, as the extractors read it.
#[derive(Debug)]
pub enum Parsed {
    /// The file's kind has no parser yet, or the prefilter found nothing that can matter.
    Nothing,
    Nginx(nginx::Config),
    Yaml(yaml::YamlFile),
}

/// Whether a file's bytes can hold anything that matters: the prefilter that keeps most files
/// away from the parsers.
pub fn worth_parsing(kind: FileKind, bytes: &[u8]) -> bool {
    match kind {
        FileKind::Yaml => yaml_worth_parsing(bytes),
        FileKind::Python | FileKind::Dotenv | FileKind::Nginx => !bytes.is_empty(),
    }
}

/// Parses one file according to its kind. Never fails: errors come back beside the tree.
pub fn parse_file(file: &SourceFile) -> (Parsed, Vec<ParseError>) {
    match file.kind {
        FileKind::Nginx => {
            let config = nginx::parse(&file.text);
            let errors = config.errors.clone();
            (Parsed::Nginx(config), errors)
        }
        FileKind::Yaml if is_helm_template(file) => (Parsed::Nothing, Vec::new()),
        FileKind::Yaml => {
            let (tree, errors) = yaml::parse(&file.text);
            (Parsed::Yaml(tree), errors)
        }
        FileKind::Python | FileKind::Dotenv => (Parsed::Nothing, Vec::new()),
    }
}

/// YAML that can hold a CORS policy, an auth annotation, or facts that tie a proxy to an app:
/// Ingress/Service/workload manifests, Traefik middlewares (CRDs, labels, dynamic files),
/// compose files, Helm values with ingress annotations. CI workflows and OpenAPI specs rarely
/// match, so they are never parsed.
fn yaml_worth_parsing(bytes: &[u8]) -> bool {
    static INTERESTING: std::sync::LazyLock<Option<regex::bytes::Regex>> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(concat!(
            r"(?i:cors|accesscontrol)|auth-url|auth-type|configuration-snippet|nginx\.ingress\.kubernetes\.io/",
            r"|middlewares|kind[\x22']?[ \t]*:[ \t]*[\x22']?(?:Ingress|Service|Deployment|StatefulSet|DaemonSet|Middleware)",
            r"|(?m:^services[ \t]*:)",
        ))
        .ok()
    });
    match INTERESTING.as_ref() {
        Some(re) => re.is_match(bytes),
        None => !bytes.is_empty(),
    }
}

/// A Helm chart template: Go template text, not YAML until rendered. Skipped without a finding
/// (the chart's `values.yaml` is plain YAML and is linted).
fn is_helm_template(file: &SourceFile) -> bool {
    file.path.components().any(|c| c.as_os_str() == "templates") && file.text.contains("{{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_prefilter() {
        let worth = |s: &str| worth_parsing(FileKind::Yaml, s.as_bytes());
        assert!(worth("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"));
        assert!(worth("{\"apiVersion\": \"v1\", \"kind\": \"Service\"}"));
        assert!(worth("services:\n  api:\n    image: x\n"));
        assert!(worth("labels:\n  - traefik.http.middlewares.c.headers.accessControlAllowOriginList=x\n"));
        assert!(worth("ingress:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-url: x\n"));
        assert!(!worth("name: CI\non: push\njobs:\n  test:\n    services:\n      db:\n        image: postgres\n"));
        assert!(!worth("openapi: 3.1.0\npaths: {}\n"));
    }
}
