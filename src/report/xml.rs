//! Escaping for the XML formats (JUnit, Checkstyle).

/// `text` as an XML 1.0 attribute value or element text. Characters XML 1.0 cannot hold at all
/// (most C0 controls, lone surrogates cannot occur in `str`) are written as `\xNN`; CR, LF and tab
/// are character references so that attribute normalisation keeps them.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{fffe}' | '\u{ffff}' => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(super::escape("<a href=\"x\">&'\u{1b}\n"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\\x1b&#10;");
    }
}
