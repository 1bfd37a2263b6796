//! A `package.json` script as far as the dev server's origin goes: which tool it starts and the
//! `--port`, `-p`, `PORT=`, `--host`, `--strictPort` and `--https` it passes.

use crate::model::frontend::Tool;

/// What one script says about the dev server it starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DevCommand {
    pub port: Option<u16>,
    /// `--host 127.0.0.1`: the address the dev server prints and the user opens.
    pub host: Option<String>,
    pub strict_port: bool,
    pub https: bool,
}

/// The dev-server command of `tool` in `script`, if it is one (`vite`, `vite dev`, `next dev`,
/// `react-scripts start`, `ng serve`; not `vite build`, `next start`).
pub fn dev_command(tool: Tool, script: &str) -> Option<DevCommand> {
    // `cross-env PORT=3001 react-scripts start && ...`: each `&&`/`;` part is one command.
    for part in script.split(['&', ';', '|']) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| starts_dev(tool, w)) else { continue };
        let next = words.get(at + 1).copied();
        let is_dev = match tool {
            Tool::Vite | Tool::SvelteKit => {
                next.is_none_or(|w| w.starts_with('-') || w == "dev" || w == "serve" || w == ".")
            }
            Tool::Astro | Tool::Nuxt => next == Some("dev"),
            Tool::Next => next == Some("dev"),
            Tool::CreateReactApp => next == Some("start"),
            Tool::Angular => matches!(next, Some("serve" | "s")),
            Tool::Declared => false,
        };
        if !is_dev {
            continue;
        }
        let mut command = DevCommand::default();
        for word in words.get(..at).unwrap_or_default() {
            if let Some(port) = word.strip_prefix("PORT=") {
                command.port = port.parse().ok();
            }
            if matches!(*word, "HTTPS=true") {
                command.https = true;
            }
        }
        let args = words.get(at + 1..).unwrap_or_default();
        let mut i = 0;
        while let Some(word) = args.get(i) {
            let (flag, inline) = match word.split_once('=') {
                Some((f, v)) if f.starts_with('-') => (f, Some(v)),
                _ => (*word, None),
            };
            let value = || inline.or_else(|| args.get(i + 1).copied().filter(|v| !v.starts_with('-')));
            match flag {
                "--port" => command.port = value().and_then(|v| v.parse().ok()),
                "-p" if matches!(tool, Tool::Next | Tool::Nuxt) => command.port = value().and_then(|v| v.parse().ok()),
                "--host" | "--hostname" | "-H" => command.host = value().map(str::to_string),
                "--strictPort" | "--strict-port" => command.strict_port = true,
                "--https" | "--ssl" | "--experimental-https" => command.https = inline != Some("false"),
                _ => {}
            }
            i += 1;
        }
        return Some(command);
    }
    None
}

fn starts_dev(tool: Tool, word: &str) -> bool {
    match tool {
        Tool::Vite | Tool::SvelteKit => word == "vite",
        Tool::Astro => word == "astro",
        Tool::Nuxt => word == "nuxt" || word == "nuxi",
        Tool::Next => word == "next",
        Tool::CreateReactApp => word == "react-scripts",
        Tool::Angular => word == "ng",
        Tool::Declared => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_dev_servers_port_and_flags() {
        let vite = dev_command(Tool::Vite, "vite --port 3001 --strictPort").unwrap();
        assert_eq!((vite.port, vite.strict_port), (Some(3001), true));
        assert_eq!(dev_command(Tool::Vite, "vite").unwrap().port, None);
        assert_eq!(dev_command(Tool::Vite, "vite --host 127.0.0.1").unwrap().host.as_deref(), Some("127.0.0.1"));
        assert_eq!(dev_command(Tool::Vite, "vite --port=4000").unwrap().port, Some(4000));
        assert!(dev_command(Tool::Vite, "tsc && vite build").is_none());
        assert!(dev_command(Tool::Vite, "vite preview").is_none());
        assert_eq!(dev_command(Tool::Next, "next dev -p 4000").unwrap().port, Some(4000));
        assert!(dev_command(Tool::Next, "next start").is_none());
        let cra = dev_command(Tool::CreateReactApp, "cross-env PORT=3001 react-scripts start").unwrap();
        assert_eq!(cra.port, Some(3001));
        assert_eq!(dev_command(Tool::Angular, "ng serve --port 4300").unwrap().port, Some(4300));
        assert!(dev_command(Tool::Angular, "ng build").is_none());
        assert_eq!(dev_command(Tool::SvelteKit, "vite dev --port 5000").unwrap().port, Some(5000));
        assert_eq!(dev_command(Tool::Astro, "astro dev --port 4400").unwrap().port, Some(4400));
        assert!(dev_command(Tool::Astro, "astro build").is_none());
        assert_eq!(dev_command(Tool::Nuxt, "nuxi dev -p 3100").unwrap().port, Some(3100));
        assert!(dev_command(Tool::Nuxt, "nuxt generate").is_none());
    }
}
