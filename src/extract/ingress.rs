//! ingress-nginx: `kind: Ingress` manifests, and ingress annotation maps in Helm values, become
//! [`Ingress`] facts; with `enable-cors` on, also a [`CorsPolicy`](crate::model::CorsPolicy) that
//! says what ingress-nginx really does: its defaults (origin `*`, credentials `true`, max-age
//! 1728000) and its validation (an invalid `cors-allow-origin` silently becomes `*`).
//!
//! - `facts`: the Ingress facts of a manifest or a Helm values mapping: annotations, rules,
//!   backends;
//! - `snippet`: the `configuration-snippet` annotation, read by the nginx parser;
//! - `policy`: the CORS policy of the `cors-*` annotations, with ingress-nginx's defaults;
//! - `origins`: `cors-allow-origin`, validated and matched as ingress-nginx does.

mod facts;
pub(super) mod helm;
pub(super) mod kustomize;
mod origins;
mod policy;
mod snippet;

use super::yaml;
use crate::model::Project;
use crate::model::deploy::Ingress;
use crate::parse::yaml::Node;
use crate::source::FileId;
use regex::Regex;
use std::sync::LazyLock;

/// Whether one of ingress-nginx's validators accepts `s` (a validator that failed to compile
/// accepts nothing).
fn matches(re: &LazyLock<Option<Regex>>, s: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(s))
}

/// What an Ingress may need from other files of the project.
pub(super) struct Context<'a, 'c> {
    pub charts: &'c helm::Charts<'a>,
    /// Values mappings an Ingress template took its annotations from: not Ingresses of their own
    /// (templates are read first).
    pub consumed: &'c mut Vec<(FileId, crate::source::TextRange)>,
}

/// One YAML file as the Ingress extractor reads it.
pub(super) struct Source<'s> {
    pub file: FileId,
    pub path: &'s std::path::Path,
    /// What the file's template placeholders read from Helm values.
    pub values: &'s [crate::parse::template::ValueRef],
}

pub(super) fn extract(project: &mut Project, source: &Source<'_>, doc: Node<'_>, context: &mut Context<'_, '_>) {
    let file = source.file;
    let ingress = match yaml::kind_of(doc) {
        Some((api_version, "Ingress")) => facts::from_manifest(doc, source, api_version, context),
        Some(_) => return,
        None => {
            for ingress in facts::from_values(doc, file, context.consumed) {
                push(project, ingress);
            }
            return;
        }
    };
    push(project, ingress);
}

fn push(project: &mut Project, mut ingress: Ingress) {
    if let Some((cors, policy)) = policy::cors(&ingress) {
        ingress.cors = Some(cors);
        project.policies.extend(policy);
    }
    project.deploy.ingresses.push(ingress);
}

#[cfg(test)]
mod test_support {
    use super::extract;
    use crate::model::{CorsPolicy, OriginKind, Project};
    use crate::parse::yaml;

    pub(super) fn policy_of(text: &str) -> (Project, usize) {
        let (file, errors) = yaml::parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let mut project = Project::default();
        let charts = super::helm::Charts::new(&[], &[]);
        let mut consumed = Vec::new();
        let mut context = super::Context { charts: &charts, consumed: &mut consumed };
        let source = super::Source { file: 0, path: std::path::Path::new("ingress.yaml"), values: &[] };
        for doc in file.documents() {
            extract(&mut project, &source, doc, &mut context);
        }
        let n = project.policies.len();
        (project, n)
    }

    pub(super) fn ingress(annotations: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n{annotations}spec:\n  rules:\n  - host: api.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: api\n            port:\n              number: 8000\n"
        )
    }

    pub(super) fn kinds(p: &CorsPolicy) -> Vec<OriginKind> {
        p.origins.entries.iter().map(|e| e.kind.clone()).collect()
    }
}
