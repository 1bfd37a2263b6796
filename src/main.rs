//! The `corslint` command line: parses arguments and hands over to the library.

use clap::{Args, Parser, Subcommand, ValueEnum};
use corslint::config::CliOverrides;
use corslint::diagnostic::Severity;
use corslint::lint::{self, Options};
use corslint::report::{self, OutputFormat, ReportOptions};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "corslint",
    version,
    about = "Finds CORS misconfigurations in FastAPI/Starlette apps, nginx configs and deployment YAML before a browser does."
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the documentation of one rule.
    Rule {
        code: String,
        #[arg(long, value_enum, default_value = "text")]
        output_format: ListFormat,
    },
    /// List every rule with its code, name and severity.
    Rules {
        #[arg(long, value_enum, default_value = "text")]
        output_format: ListFormat,
    },
    /// Walk one browser request through the stack found in the repository and tell whether the
    /// browser would allow it (exit 0), block it (1), or whether the files do not determine it (2).
    Simulate(SimulateArgs),
    /// Show what a parser makes of a file.
    #[command(subcommand)]
    Debug(DebugCommand),
}

#[derive(Args, Debug)]
struct SimulateArgs {
    /// Files or directories holding the stack (default: the current directory).
    paths: Vec<PathBuf>,
    /// The page's origin (`https://app.example.com`).
    #[arg(long)]
    origin: String,
    /// The request method.
    #[arg(long, short = 'X', default_value = "GET")]
    method: String,
    /// A header the script sets: `Authorization` or `X-Token: value` (repeatable).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// `credentials: "include"` (cookies, HTTP auth).
    #[arg(long)]
    credentials: bool,
    /// With --credentials: the browser has no cookie for the site (no `Cookie` header is sent).
    #[arg(long)]
    no_cookies: bool,
    /// The request's `Content-Type` (`application/json` needs a preflight).
    #[arg(long)]
    content_type: Option<String>,
    /// The URL requested (`https://api.example.com/api/items`): picks the server, location and route.
    #[arg(long)]
    url: Option<String>,
    /// Start at this layer when several could answer.
    #[arg(long, value_parser = ["nginx", "ingress", "traefik", "app"])]
    via: Option<String>,
    /// The Starlette version to simulate (default: the latest behaviour).
    #[arg(long)]
    starlette_version: Option<String>,
    /// What the endpoint answers (default 200); 500 simulates an unhandled exception in the app.
    #[arg(long, value_parser = clap::value_parser!(u16).range(100..600))]
    endpoint_status: Option<u16>,
    /// `full` (step by step) or `json`.
    #[arg(long, value_enum, default_value = "full")]
    output_format: SimulateFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SimulateFormat {
    Full,
    Json,
}

#[derive(Subcommand, Debug)]
enum DebugCommand {
    /// Print an nginx file's parse as crossplane-style JSON, following its includes.
    Nginx {
        file: PathBuf,
        /// Do not follow `include` directives.
        #[arg(long)]
        single_file: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Files or directories to lint (default: the current directory). `-` reads stdin (with --stdin-filename).
    paths: Vec<PathBuf>,
    /// How to print findings.
    #[arg(long, value_enum, env = "CORSLINT_OUTPUT_FORMAT", default_value = "full")]
    output_format: OutputFormat,
    /// Write the report to this file instead of stdout.
    #[arg(short = 'o', long = "output-file")]
    output_file: Option<PathBuf>,
    /// Only these rules (codes or prefixes such as CORS1), replacing the configuration's selection.
    #[arg(long, value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Also these rules.
    #[arg(long, value_delimiter = ',')]
    extend_select: Vec<String>,
    /// Not these rules.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Lowest severity that fails the run (default: warning).
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Exit 0 even when findings fail the run (usage and I/O errors still exit 2).
    #[arg(long)]
    exit_zero: bool,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Lint stdin as this file name (editors).
    #[arg(long)]
    stdin_filename: Option<PathBuf>,
    /// Use this configuration file for every file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Skip explicitly named files that ignore files or `exclude` would skip (pre-commit).
    #[arg(long)]
    force_exclude: bool,
    /// No colours.
    #[arg(long)]
    no_color: bool,
    /// Also print what was skipped and why, on stderr.
    #[arg(short, long)]
    verbose: bool,
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "corslint: internal error: {info}\nThis is a bug in corslint, not in your files. Please report it with the file that triggers it."
        );
    }));
    let cli = Cli::parse();
    match std::panic::catch_unwind(move || run(cli)) {
        Ok(code) => code,
        Err(_) => ExitCode::from(2),
    }
}

fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Rule { code, output_format }) => print_rule(&code, output_format),
        Some(Command::Rules { output_format }) => print_rules(output_format),
        Some(Command::Debug(DebugCommand::Nginx { file, single_file })) => {
            match corslint::parse::nginx::crossplane::parse_file(&file, single_file) {
                Ok(tree) => emit(&serde_json::to_string_pretty(&tree).unwrap_or_default()),
                Err(e) => fail(format!("{}: {e}", file.display())),
            }
        }
        Some(Command::Simulate(args)) => simulate(args),
        None => check(cli.check),
    }
}

fn simulate(args: SimulateArgs) -> ExitCode {
    use corslint::simulate::{self, BrowserRequest, StarletteVersion, Url};
    let url = match args.url.as_deref().map(|u| (u, Url::parse(u))) {
        Some((text, None)) => return fail(format!("--url {text}: not an absolute URL (scheme://host/path)")),
        Some((_, url)) => url,
        None => None,
    };
    let starlette = match args.starlette_version.as_deref().map(StarletteVersion::parse) {
        Some(Err(e)) => return fail(e),
        Some(Ok(v)) => v,
        None => StarletteVersion::default(),
    };
    let mut headers: Vec<(String, String)> = args
        .headers
        .iter()
        .map(|h| match h.split_once(':') {
            Some((n, v)) => (n.trim().to_string(), v.trim().to_string()),
            None if h.eq_ignore_ascii_case("authorization") => (h.clone(), "Bearer token".to_string()),
            None => (h.clone(), "value".to_string()),
        })
        .collect();
    if let Some((name, _)) = headers.iter().find(|(n, _)| simulate::request::is_forbidden_header(n)) {
        return fail(format!(
            "--header {name}: browsers do not let scripts set it (cookies come with --credentials, Origin with --origin)"
        ));
    }
    if simulate::request::is_forbidden_method(&args.method) {
        return fail(format!("--method {}: fetch() refuses this method", args.method));
    }
    if let Some(ct) = &args.content_type {
        headers.push(("Content-Type".to_string(), ct.clone()));
    }
    let request = BrowserRequest {
        origin: args.origin.clone(),
        method: args.method.clone(),
        headers,
        credentials: args.credentials,
        cookies: args.credentials && !args.no_cookies,
        url,
    };
    let outcome = match lint::lint(&Options { paths: args.paths.clone(), ..Options::default() }) {
        Ok(outcome) => outcome,
        Err(e) => return fail(e),
    };
    let options = simulate::Options { via: args.via.clone(), starlette, endpoint_status: args.endpoint_status };
    let sim = match simulate::simulate(&outcome.project, &request, &options) {
        Ok(sim) => sim,
        Err(e) => return fail(e),
    };
    let text = match args.output_format {
        SimulateFormat::Full => simulate::report::text(&sim),
        SimulateFormat::Json => simulate::report::json(&sim),
    };
    let code = emit(&text);
    if code != ExitCode::SUCCESS {
        return code;
    }
    match (&sim.verdict.unknown, sim.verdict.allowed) {
        (Some(_), _) => ExitCode::from(2),
        (None, true) => ExitCode::SUCCESS,
        (None, false) => ExitCode::from(1),
    }
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("corslint: {message}");
    ExitCode::from(2)
}

fn print_rule(code: &str, format: ListFormat) -> ExitCode {
    let (Some(rule), Some(page)) = (corslint::rules::find(code), corslint::docs::page(code)) else {
        return fail(format!("`{code}` is not a rule code; `corslint rules` lists them"));
    };
    let text = match format {
        ListFormat::Text => page.to_string(),
        ListFormat::Json => serde_json::json!({
            "code": rule.code, "name": rule.name, "severity": rule.severity,
            "summary": corslint::docs::summary(rule.code), "url": corslint::diagnostic::rule_url(rule.code),
            "documentation": page,
        })
        .to_string(),
    };
    emit(&text)
}

fn print_rules(format: ListFormat) -> ExitCode {
    let rules = corslint::rules::RULES;
    let text = match format {
        ListFormat::Text => rules
            .iter()
            .map(|r| format!("{}  {:<36} {:<8} {}\n", r.code, r.name, r.severity, corslint::docs::summary(r.code)))
            .collect(),
        ListFormat::Json => serde_json::Value::Array(
            rules
                .iter()
                .map(|r| {
                    serde_json::json!({"code": r.code, "name": r.name, "severity": r.severity,
                        "summary": corslint::docs::summary(r.code), "url": corslint::diagnostic::rule_url(r.code)})
                })
                .collect(),
        )
        .to_string(),
    };
    emit(&text)
}

fn emit(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{}", text.trim_end()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("cannot write to stdout: {e}")),
    }
}

fn check(args: CheckArgs) -> ExitCode {
    for selector in args.select.iter().flatten().chain(&args.extend_select).chain(&args.ignore) {
        if let Err(message) = corslint::config::check_selector(selector) {
            return fail(message);
        }
    }
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    let stdin = match (&args.stdin_filename, reads_stdin || args.paths.is_empty()) {
        (Some(name), true) => {
            let mut text = String::new();
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                return fail(format!("cannot read stdin: {e}"));
            }
            text.push_str(&String::from_utf8_lossy(&bytes));
            Some((name.clone(), text))
        }
        (None, true) if reads_stdin => {
            return fail("reading from `-` needs --stdin-filename NAME to know the file's kind");
        }
        _ => None,
    };
    let options = Options {
        paths: args.paths.clone(),
        stdin,
        force_exclude: args.force_exclude,
        config: args.config.clone(),
        cli: CliOverrides {
            select: args.select.clone(),
            extend_select: args.extend_select.clone(),
            ignore: args.ignore.clone(),
            fail_on: args.fail_on.map(|f| match f {
                FailOn::Error => Severity::Error,
                FailOn::Warning => Severity::Warning,
                FailOn::Info => Severity::Info,
            }),
        },
    };
    let outcome = match lint::lint(&options) {
        Ok(outcome) => outcome,
        Err(e) => return fail(e),
    };
    if args.verbose {
        for note in &outcome.notes {
            eprintln!("corslint: {note}");
        }
    }
    if outcome.nothing_selected() {
        eprintln!(
            "corslint: warning: no Python, nginx, YAML or dotenv file found under the given paths: nothing was linted"
        );
    }
    let color = args.output_file.is_none()
        && !args.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    let report_options = ReportOptions { format: args.output_format, color, statistics: args.statistics };
    let mut buffer = Vec::new();
    if let Err(e) = report::write(&mut buffer, &outcome, &report_options) {
        return fail(format!("cannot write the report: {e}"));
    }
    let written = match &args.output_file {
        Some(path) => std::fs::write(path, &buffer).map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => std::io::stdout().lock().write_all(&buffer).map_err(|e| format!("cannot write to stdout: {e}")),
    };
    if let Err(message) = written {
        return fail(message);
    }
    if outcome.has_failures() && !args.exit_zero { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
