//! Test support shared by the stages' unit tests: projects built by hand (one source file, policies
//! whose entries point at text in it) or by the real parser and extractors, and rules run over them.
//! It sits above every stage, so the stage folders themselves import one way only.

use crate::diagnostic::Diagnostic;
use crate::model::{CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, Project, Setting, Value};
use crate::rules::{Rule, RuleMeta, Sink, find};
use crate::source::{FileKind, SourceFile, Span, Spanned};

/// Runs one rule over an nginx text, parsed and extracted for real.
pub fn findings(code: &str, nginx: &str) -> Vec<Diagnostic> {
    let project = crate::extract::nginx::testing::project(nginx);
    let Some(rule) = find(code) else { panic!("{code} is not registered") };
    let mut sink = Sink::new(rule);
    (rule.check)(&project, &mut sink);
    sink.into_diagnostics()
}

pub(crate) struct Builder {
    pub project: Project,
}

impl Builder {
    pub fn new(kind: FileKind, text: &str) -> Self {
        let file = SourceFile::new("test.conf".into(), kind, text.to_owned());
        Builder { project: Project { files: vec![file], ..Project::default() } }
    }

    /// A project built by the real parser and extractors from one file.
    pub fn extracted(kind: FileKind, text: &str) -> Self {
        let mut b = Builder::new(kind, text);
        let (tree, errors) = crate::parse::parse_file(&b.project.files[0]);
        assert!(errors.is_empty(), "{errors:?}");
        crate::extract::extract(&mut b.project, &[tree]);
        b
    }

    /// An Ingress with these ingress-nginx annotations (`key: value` lines, prefix added).
    pub fn ingress(annotations: &[&str]) -> Self {
        let lines: String = annotations.iter().map(|a| format!("    nginx.ingress.kubernetes.io/{a}\n")).collect();
        let text = format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n{lines}spec:\n  \
             rules:\n    - host: api.example.com\n"
        );
        Builder::extracted(FileKind::Yaml, &text)
    }

    fn text(&self) -> &str {
        &self.project.files[0].text
    }

    /// The first occurrence of `needle`.
    pub fn span(&self, needle: &str) -> Span {
        self.nth_span(needle, 0)
    }

    pub fn nth_span(&self, needle: &str, n: usize) -> Span {
        let (start, _) = self.text().match_indices(needle).nth(n).unwrap_or_else(|| panic!("no {needle:?}"));
        Span::new(0, start, start + needle.len())
    }

    /// An entry for the written `value`: its span includes the quotes around it, if any.
    pub fn entry(&self, kind: OriginKind, value: &str) -> OriginEntry {
        let inner = self.span(value);
        let text = self.text().as_bytes();
        let quoted = inner.start() > 0
            && matches!(text[inner.start() - 1], b'"' | b'\'')
            && text.get(inner.end()) == Some(&text[inner.start() - 1]);
        let span = if quoted { Span::new(0, inner.start() - 1, inner.end() + 1) } else { inner };
        OriginEntry { kind, span, text_start: Some(inner.start()) }
    }

    pub fn literal(&self, value: &str) -> OriginEntry {
        self.entry(OriginKind::Literal(value.to_owned()), value)
    }

    /// A policy over the whole file: no origins, no credentials, empty lists, max-age 600, all defaults.
    pub fn policy(&self, layer: Layer) -> CorsPolicy {
        let whole = Span::new(0, 0, self.text().len());
        CorsPolicy {
            layer,
            span: whole,
            origins: Origins::default(),
            credentials: Setting::default_at(false, whole),
            methods: Setting::default_at(NameList::new(), whole),
            headers: Setting::default_at(NameList::new(), whole),
            expose_headers: Setting::default_at(NameList::new(), whole),
            max_age: Setting::default_at(600, whole),
        }
    }

    /// Credentials set to `value` where `needle` is written.
    pub fn credentials(&self, value: Value<bool>, needle: &str) -> Setting<bool> {
        Setting::explicit(value, self.span(needle))
    }

    /// A name list whose names are written as given.
    pub fn names(&self, names: &[&str]) -> Setting<NameList> {
        let list = names.iter().map(|n| Spanned::new((*n).to_owned(), self.span(n))).collect();
        Setting::explicit(Value::Known(list), self.span(names.first().copied().unwrap_or("")))
    }

    pub fn run<R: Rule>(&self) -> Vec<Diagnostic> {
        let meta = RuleMeta { code: R::CODE, name: R::NAME, severity: R::SEVERITY, check: R::check };
        let mut sink = Sink::new(&meta);
        R::check(&self.project, &mut sink);
        sink.into_diagnostics()
    }

    /// The text a span covers.
    pub fn at(&self, span: Span) -> &str {
        self.project.files[0].slice(span.range)
    }

    /// `(label text, message)` of each secondary label.
    pub fn labels<'a>(&'a self, d: &'a Diagnostic) -> Vec<(&'a str, &'a str)> {
        d.labels.iter().map(|l| (self.at(l.span), l.message.as_str())).collect()
    }
}
