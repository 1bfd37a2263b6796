//! What the terminal gets: colour (`--color`, `NO_COLOR`, `FORCE_COLOR`, `CLICOLOR_FORCE`) and
//! hyperlinks to the rules' pages.

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set; `FORCE_COLOR` or `CLICOLOR_FORCE` force it.
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to colour output that goes to a terminal (`to_terminal`) or elsewhere. `--color`
/// decides when given; otherwise `FORCE_COLOR`/`CLICOLOR_FORCE` (set, not `0`) force colour, then
/// `NO_COLOR` (set, not empty) refuses it, then a terminal gets colour.
pub fn color(choice: ColorChoice, to_terminal: bool, env: &dyn Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("FORCE_COLOR") || set("CLICOLOR_FORCE") => true,
        ColorChoice::Auto if env("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        ColorChoice::Auto => to_terminal,
    }
}

/// Whether stdout is a terminal that shows OSC 8 hyperlinks (`FORCE_HYPERLINK=1` forces them).
pub fn hyperlinks(to_terminal: bool) -> bool {
    match std::env::var("FORCE_HYPERLINK") {
        Ok(v) if !v.is_empty() => v != "0",
        _ => to_terminal && supports_hyperlinks::on(supports_hyperlinks::Stream::Stdout),
    }
}

/// `text` as an OSC 8 hyperlink to `url`.
pub fn hyperlink(url: &str, text: &str) -> String {
    format!("\u{1b}]8;;{url}\u{1b}\\{text}\u{1b}]8;;\u{1b}\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn colour_follows_flag_then_environment_then_terminal() {
        assert!(color(ColorChoice::Auto, true, &env(&[])));
        assert!(!color(ColorChoice::Auto, false, &env(&[])));
        assert!(!color(ColorChoice::Auto, true, &env(&[("NO_COLOR", "1")])));
        assert!(color(ColorChoice::Auto, true, &env(&[("NO_COLOR", "")])), "an empty NO_COLOR is unset");
        assert!(color(ColorChoice::Auto, false, &env(&[("FORCE_COLOR", "1")])));
        assert!(color(ColorChoice::Auto, false, &env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])));
        assert!(!color(ColorChoice::Auto, false, &env(&[("FORCE_COLOR", "0")])));
        assert!(!color(ColorChoice::Never, true, &env(&[("FORCE_COLOR", "1")])));
        assert!(color(ColorChoice::Always, false, &env(&[("NO_COLOR", "1")])));
    }
}
