//! The `configuration-snippet` annotation: nginx configuration inside YAML, read by the nginx
//! parser, with each directive's span mapped back into the YAML file.

use crate::model::deploy::{Annotation, INGRESS_NGINX_PREFIX, SnippetDirective};
use crate::source::Span;

/// The `configuration-snippet` read as nginx reads it, each directive pointing into the YAML file.
pub(super) fn snippet_directives(annotations: &[Annotation]) -> Vec<SnippetDirective> {
    let Some(snippet) =
        annotations.iter().find(|a| a.key.value.strip_prefix(INGRESS_NGINX_PREFIX) == Some("configuration-snippet"))
    else {
        return Vec::new();
    };
    let config = crate::parse::nginx::parse(&snippet.value.value);
    config
        .walk()
        .map(|d| {
            let span = match (snippet.file_offset(d.range.start), snippet.file_offset(d.range.end)) {
                (Some(start), Some(end)) if start <= end => Span::new(snippet.value.span.file, start, end),
                _ => snippet.value.span,
            };
            SnippetDirective { name: d.name.clone(), args: d.args.iter().map(|a| a.value.clone()).collect(), span }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::extract::ingress::test_support::{ingress, policy_of};

    #[test]
    fn snippet_offsets_map_into_the_file() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"Vary: Origin\";\n      add_header X-Frame-Options DENY;\n",
        );
        let (project, _) = policy_of(&text);
        let snippet = project.deploy.ingresses[0].configuration_snippet().unwrap();
        let at = snippet.value.value.find("add_header").unwrap();
        let offset = snippet.file_offset(at).unwrap();
        assert_eq!(&text[offset..offset + 10], "add_header");
    }

    #[test]
    fn snippet_is_read_by_the_nginx_parser_with_spans_in_the_yaml() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"Vary: Origin\";\n      # a comment; with a semicolon\n      add_header 'Access-Control-Allow-Origin' $http_origin always;\n",
        );
        let (project, _) = policy_of(&text);
        let snippet = &project.deploy.ingresses[0].snippet;
        let names: Vec<&str> = snippet.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["more_set_headers", "add_header"]);
        assert_eq!(snippet[1].args, ["Access-Control-Allow-Origin", "$http_origin", "always"]);
        let span = snippet[1].span;
        assert_eq!(&text[span.start()..span.end()], "add_header 'Access-Control-Allow-Origin' $http_origin always;");
    }
}
