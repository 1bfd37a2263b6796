//! nginx configurations embedded in Kubernetes ConfigMaps (`data: {nginx.conf: |…}`), parsed by
//! the nginx parser with every range in the YAML file.
//!
//! The value of a literal block scalar stands verbatim in the file, line by line, after its
//! indentation. The nginx parser is given a text of the YAML file's length in which everything
//! but those lines is blank (line breaks kept): its ranges are then offsets in the YAML file, as
//! the template masking keeps them ([`crate::parse::template`]).

use super::{Node, YamlFile};
use crate::discover::{Sniff, sniff};
use crate::parse::nginx;
use crate::source::TextRange;
use std::path::{Path, PathBuf};

/// One ConfigMap entry read as nginx.
#[derive(Debug)]
pub struct EmbeddedNginx {
    /// The entry's key (`nginx.conf`, `default.conf`).
    pub key: String,
    /// Where the configuration would be if it were a file: beside the manifest, named after its
    /// key (what include resolution and messages use).
    pub path: PathBuf,
    /// The YAML file's length, blank but for the configuration's lines.
    pub text: String,
    pub config: nginx::Config,
}

/// Bytes of blank-but-one-entry texts made per file at most: each entry's text is as long as the
/// file, so a file with thousands of entries must not cost thousands of copies of itself.
const MAX_EMBEDDED_BYTES: usize = 64 * 1024 * 1024;

/// Every ConfigMap `data` entry of `file` that holds an nginx configuration written as a literal
/// block scalar (or a single verbatim line). `text` is the file's text as the nginx parser should
/// read it (a template masked for nginx: its lines stand where the YAML's do). The second value is
/// the first entry left unread because of [`MAX_EMBEDDED_BYTES`].
pub fn embedded_nginx(file: &YamlFile, text: &str, manifest: &Path) -> (Vec<EmbeddedNginx>, Option<TextRange>) {
    let mut out = Vec::new();
    let budget = MAX_EMBEDDED_BYTES / text.len().max(1);
    for doc in file.documents() {
        if doc.get("kind").and_then(|k| k.as_str()) != Some("ConfigMap") {
            continue;
        }
        let Some(data) = doc.get("data") else { continue };
        for (key, value) in data.entries() {
            let (Some(key), Some(scalar)) = (key.as_str(), value.scalar()) else { continue };
            if !holds_nginx(&scalar.value) {
                continue;
            }
            if out.len() >= budget {
                return (out, Some(value.range()));
            }
            let Some(text) = isolated(text, value) else { continue };
            let mut config = nginx::parse(&text);
            for error in &mut config.errors {
                error.message = format!("in the nginx configuration under `{key}`: {}", error.message);
            }
            let path = manifest.parent().unwrap_or(Path::new("")).join(key);
            out.push(EmbeddedNginx { key: key.to_owned(), path, text, config });
        }
    }
    (out, None)
}

/// Only content with nginx evidence: a ConfigMap also holds flags (`X-Using-Nginx: "true"`),
/// scripts and other programs' files, whatever its keys are named.
fn holds_nginx(value: &str) -> bool {
    sniff(value.as_bytes()) == Sniff::Nginx
}

/// A text of `text`'s length holding only the scalar `value`'s lines, where they stand (blank
/// elsewhere, line breaks kept): what a parser of the value's own language reads, so that its
/// ranges are offsets in the file. `None` when the value does not stand verbatim in the file.
pub fn isolated(text: &str, value: Node<'_>) -> Option<String> {
    verbatim_lines(value).map(|lines| blank_but(text, &lines))
}

/// `(offset in the file, length)` of each line of the value, when the value stands verbatim.
fn verbatim_lines(value: Node<'_>) -> Option<Vec<(usize, usize)>> {
    let scalar = value.scalar()?;
    if let Some(range) = scalar.verbatim {
        return Some(vec![(range.start, range.len())]);
    }
    let starts = scalar.verbatim_lines.as_ref()?;
    Some(starts.iter().zip(scalar.value.split('\n')).map(|(&start, line)| (start, line.len())).collect())
}

/// `text` with every byte outside `lines` turned into a space, line breaks kept.
fn blank_but(text: &str, lines: &[(usize, usize)]) -> String {
    let source = text.as_bytes();
    let mut out: Vec<u8> = source.iter().map(|&b| if b == b'\n' || b == b'\r' { b } else { b' ' }).collect();
    for &(start, len) in lines {
        if let (Some(to), Some(from)) = (out.get_mut(start..start + len), source.get(start..start + len)) {
            to.copy_from_slice(from);
        }
    }
    // The copied lines are whole values cut at line breaks, so on character boundaries.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configmap_nginx_is_parsed_with_yaml_offsets() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\ndata:\n  nginx.conf: |\n    server {\n      add_header Access-Control-Allow-Origin * always;\n    }\n  other.txt: |\n    server { }\n  app.properties: a=b\n  X-Using-Nginx-Controller: \"true\"\n";
        let (file, errors) = super::super::parse(text);
        assert!(errors.is_empty());
        let (embedded, cut) = embedded_nginx(&file, text, Path::new("k8s/proxy.yaml"));
        assert_eq!(cut, None);
        assert_eq!(embedded.len(), 2, "other.txt holds nginx too; the properties and the flag do not");
        let first = &embedded[0];
        assert_eq!((first.key.as_str(), first.path.as_path()), ("nginx.conf", Path::new("k8s/nginx.conf")));
        assert_eq!(first.text.len(), text.len());
        let add_header = first.config.walk().find(|d| d.name == "add_header").expect("add_header");
        assert_eq!(
            &text[add_header.range.start..add_header.range.end],
            "add_header Access-Control-Allow-Origin * always;"
        );
        assert!(first.config.errors.is_empty());
    }

    #[test]
    fn many_entries_cost_a_bounded_number_of_copies() {
        let entry = "  site{i}.conf: |\n    server { listen 80; }\n";
        let entries: String = (0..3000).map(|i| entry.replace("{i}", &i.to_string())).collect();
        let text = format!("kind: ConfigMap\ndata:\n{entries}{}", "#\n".repeat(20_000));
        let (file, _) = super::super::parse(&text);
        let (embedded, cut) = embedded_nginx(&file, &text, Path::new("x.yaml"));
        assert!(embedded.len() < 3000 && cut.is_some(), "{}", embedded.len());
        assert!(embedded.len() * text.len() <= MAX_EMBEDDED_BYTES);
    }

    #[test]
    fn only_configmaps_and_verbatim_values() {
        let text = "kind: Secret\ndata:\n  nginx.conf: |\n    server { }\n---\nkind: ConfigMap\ndata:\n  nginx.conf: >\n    server {\n    }\n";
        let (file, _) = super::super::parse(text);
        assert!(embedded_nginx(&file, text, Path::new("x.yaml")).0.is_empty());
    }
}
