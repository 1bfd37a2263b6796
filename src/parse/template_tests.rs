use super::*;

fn masked(text: &str, dialect: Dialect) -> String {
    let out = mask(text, dialect).text;
    assert_eq!(out.len(), text.len(), "the masked text keeps the file's length");
    let breaks = |s: &str| s.match_indices('\n').map(|(i, _)| i).collect::<Vec<_>>();
    assert_eq!(breaks(&out), breaks(text), "and its line breaks");
    out
}

#[test]
fn expressions_become_placeholders_of_the_same_length() {
    let text = "metadata:\n  name: {{ include \"api.fullname\" . }}\n  origin: \"https://{{ .Values.domain }}\"\n";
    assert_eq!(
        masked(text, Dialect::Yaml),
        "metadata:\n  name: $_____________________________\n  origin: \"https://$___________________\"\n"
    );
    // Jinja, and an expression spanning lines.
    assert_eq!(masked("server_name {{ host }};\n", Dialect::Nginx), "server_name ${_______};\n");
    assert_eq!(masked("a: {{ x\n  | y }}\n", Dialect::Yaml), "a: $___\n________\n");
    // In YAML, braces are flow syntax: the placeholder has none.
    assert_eq!(
        masked("names: [\n  {{ .a | quote }},\n  \"{{ .b }}\"]\n", Dialect::Yaml),
        "names: [\n  $_______________,\n  \"$_______\"]\n"
    );
}

#[test]
fn control_tags_and_comments_become_spaces_and_else_branches_are_dropped() {
    let text = "{{- if .Values.v1 }}\napiVersion: networking.k8s.io/v1\n{{- else }}\napiVersion: extensions/v1beta1\n{{- end }}\n{{/* a comment */}}\nkind: Ingress\n";
    let out = masked(text, Dialect::Yaml);
    assert_eq!(
        out.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>(),
        ["apiVersion: networking.k8s.io/v1", "kind: Ingress"]
    );
    let jinja =
        "{% if tls %}\nlisten 443 ssl;\n{% elif h2 %}\nlisten 8443;\n{% else %}\nlisten 80;\n{% endif %}\n{# note #}\n";
    let out = masked(jinja, Dialect::Nginx);
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["listen", "443", "ssl;"]);
    // Nested blocks inside a dropped branch, and definitions, render nothing.
    let nested = "{{ if .a }}A{{ else }}{{ if .b }}B{{ end }}C{{ end }}D{{ define \"x\" }}E{{ end }}F";
    assert_eq!(masked(nested, Dialect::Yaml).split_whitespace().collect::<String>(), "ADF");
    assert_eq!(masked("{{- $host := .Values.host }}x", Dialect::Yaml).trim(), "x");
}

#[test]
fn an_expression_alone_on_its_line_stands_for_statements() {
    let text = "metadata:\n  labels:\n    {{- include \"api.labels\" . | nindent 4 }}\n    app: api\n";
    let out = masked(text, Dialect::Yaml);
    assert_eq!(out.lines().nth(2).map(str::trim), Some(""));
    let nginx = "server {\n    {{ .Values.extraConfig }}\n    location / { }\n}\n";
    let out = masked(nginx, Dialect::Nginx);
    assert_eq!(out.lines().nth(1), Some("    ${_____________________};"));
    // Beside a control tag it is still alone; beside text it is a value.
    assert_eq!(masked("{{ if .a }}{{ .b }}{{ end }}\n", Dialect::Nginx).trim(), "${____};");
    assert_eq!(masked("x {{ .b }}\n", Dialect::Nginx), "x ${_____}\n");
    // A statement over several lines keeps its placeholder on the first: nginx ends `${` at a break.
    let call = "server {\n    {{- template \"location\" (dict\n        \"Path\" $path\n    ) }}\n    listen 80;\n}\n";
    let out = masked(call, Dialect::Nginx);
    assert_eq!(out.lines().nth(1), Some("    ${_________________________};"));
    assert_eq!(out.lines().nth(2).map(str::trim), Some(""));
    assert!(crate::parse::nginx::parse(&out).errors.is_empty(), "{out}");
}

#[test]
fn helm_values_read_by_expressions_are_recorded() {
    let text = "metadata:\n  {{- with .Values.ingress.annotations }}\n  annotations:\n    {{- toYaml . | nindent 4 }}\n  {{- end }}\n  x: {{ .Values.ingress.host | quote }}\n  y: {{ toYaml $.Values.extra | indent 2 }}\n  {{- range .Values.hosts }}\n  z: {{ .name }}\n  {{- end }}\n  w: {{ default \"a\" .Values.w }}\n";
    let refs = mask(text, Dialect::Yaml).values;
    let got: Vec<(Option<Vec<&str>>, bool, bool)> = refs
        .iter()
        .map(|r| (r.path.as_ref().map(|p| p.iter().map(String::as_str).collect()), r.to_yaml, r.alone))
        .collect();
    assert_eq!(
        got,
        [
            (Some(vec!["ingress", "annotations"]), true, true),
            (Some(vec!["ingress", "host"]), false, false),
            (Some(vec!["extra"]), true, false)
        ]
    );
    // Statements nobody can see are recorded too.
    let hidden = mask("metadata:\n  annotations:\n    {{- include \"x\" . | nindent 4 }}\n", Dialect::Yaml).values;
    assert_eq!(hidden.len(), 1);
    assert!(hidden[0].alone && hidden[0].path.is_none());
    assert_eq!(&text[refs[0].range.start..refs[0].range.end], "{{- toYaml . | nindent 4 }}");
}

#[test]
fn only_template_tags_count() {
    assert!(has_template_syntax("a: {{ .Values.x }}"));
    assert!(has_template_syntax("{%- if x %}"));
    assert!(!has_template_syntax("content_by_lua_block { local t = {{1, 2}} }"));
    assert!(!has_template_syntax("add_header X ${host};"));
    // Unclosed tags are left as they are.
    assert_eq!(masked("a: {{ .b\n", Dialect::Yaml), "a: {{ .b\n");
    // Multi-byte characters inside a tag keep the length (every byte is replaced).
    assert_eq!(masked("a: {{ \"é\" }}", Dialect::Nginx), "a: ${_______}");
}

#[test]
fn an_else_without_end_is_reported_and_long_templates_stay_linear() {
    let out = mask("a: 1\n{{ if .x }}\nb: 2\n{{ else }}\nc: 3\n", Dialect::Yaml);
    assert_eq!(out.unclosed.map(|r| r.start), Some(22));
    assert_eq!(out.text.split_whitespace().collect::<Vec<_>>(), ["a:", "1", "b:", "2"]);
    assert_eq!(mask("{{ if .x }}a{{ end }}", Dialect::Yaml).unclosed, None);
    // Many tags on one line and on many lines: each is looked at with its line's tags only.
    let one_line = "{{ .a }} ".repeat(50_000);
    let many_lines = "k: {{ .a }}\n".repeat(50_000);
    let started = std::time::Instant::now();
    assert_eq!(mask(&many_lines, Dialect::Yaml).text.len(), many_lines.len());
    assert_eq!(mask(&one_line, Dialect::Nginx).text.len(), one_line.len());
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}
