//! The `corslint` command line: parses arguments and hands over to the library.

use clap::{Args, Parser, Subcommand, ValueEnum};
use corslint::config::CliOverrides;
use corslint::diagnostic::Severity;
use corslint::lint::{self, BaselineUse, Options};
use corslint::report::{self, OutputFormat, ReportOptions, escape};
use corslint::terminal::ColorChoice;
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
    /// List the frontends found in the repository: the origins their pages have and the API each
    /// calls, with where each value comes from.
    Frontends {
        /// Files or directories to look in (default: the current directory).
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        output_format: ListFormat,
    },
    /// Show what a parser makes of a file.
    #[command(subcommand)]
    Debug(DebugCommand),
    /// Run the language server on stdin/stdout (editors start it).
    Server,
}

#[derive(Args, Debug)]
struct SimulateArgs {
    /// Files or directories holding the stack (default: the current directory).
    paths: Vec<PathBuf>,
    /// The page's origin (`https://app.example.com`). Without it, every (frontend origin, API,
    /// environment) pair the repository implies is walked and tabled: exit 1 if any is blocked,
    /// else 2 if any is unknown, else 0.
    #[arg(long)]
    origin: Option<String>,
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
    /// `full` (step by step, or the pair table without --origin), `json`, or `mermaid` (a sequence
    /// diagram of each walk).
    #[arg(long, value_enum, default_value = "full")]
    output_format: SimulateFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SimulateFormat {
    Full,
    Json,
    /// A Mermaid sequence diagram of one request (GitHub renders it in comments and step summaries).
    Mermaid,
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
    /// No colours (the same as `--color never`).
    #[arg(long)]
    no_color: bool,
    /// Colour the full and concise reports: `auto` colours a terminal unless NO_COLOR is set
    /// (FORCE_COLOR or CLICOLOR_FORCE force it).
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    color: ColorChoice,
    /// Print findings only: no summary line.
    #[arg(short, long, conflicts_with = "silent")]
    quiet: bool,
    /// Print nothing; the exit code tells.
    #[arg(long)]
    silent: bool,
    /// Also print what was skipped and why, on stderr.
    #[arg(short, long)]
    verbose: bool,
    /// Apply the safe fixes, then report what is left.
    #[arg(long, conflicts_with = "diff")]
    fix: bool,
    /// Also apply (with --fix) or show (with --diff) fixes that can widen what the configuration allows.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of applying them (exit 1 when there are any).
    #[arg(long)]
    diff: bool,
    /// Record every finding in FILE (a baseline) and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "fix", "diff", "add_noqa"])]
    write_baseline: Option<PathBuf>,
    /// Report only findings that the baseline FILE does not record (also `baseline =` in the config).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Add `# corslint: ignore[CODE]` comments for every finding, where a comment cannot change meaning.
    #[arg(long, conflicts_with_all = ["fix", "diff"])]
    add_noqa: bool,
    /// Lint named files alone, without the project around them.
    #[arg(long)]
    no_project: bool,
    /// List the files that would be linted, each with its kind, and exit.
    #[arg(long, conflicts_with_all = ["fix", "diff", "add_noqa", "write_baseline"])]
    show_files: bool,
    /// Print the configuration that governs FILE, with every resolved value, and exit.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff", "add_noqa", "write_baseline", "show_files"])]
    show_settings: Option<PathBuf>,
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "corslint: internal error: {info}\nThis is a bug in corslint, not in your files. Please report it with the file that triggers it."
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if e.use_stderr() {
                remove_stale_report(output_file_in(std::env::args_os().skip(1)).as_deref());
            }
            e.exit()
        }
    };
    let output_file = if cli.command.is_none() { cli.check.output_file.clone() } else { None };
    match std::panic::catch_unwind(move || run(cli)) {
        Ok(code) => code,
        Err(_) => {
            remove_stale_report(output_file.as_deref());
            ExitCode::from(2)
        }
    }
}

/// The `-o FILE` of a command line clap refused: a usage error must not leave an old report in
/// place. Read as clap would: `-o FILE`, `-oFILE`, `--output-file FILE`, `--output-file=FILE`, up
/// to `--`; none when the line runs a subcommand.
fn output_file_in(args: impl Iterator<Item = std::ffi::OsString>) -> Option<PathBuf> {
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let subcommands = ["rule", "rules", "simulate", "debug", "server", "help"];
    if args.iter().find(|a| !a.starts_with('-')).is_some_and(|first| subcommands.contains(&first.as_str())) {
        return None;
    }
    let mut found = None;
    let mut args = args.iter().take_while(|a| *a != "--");
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-o" | "--output-file" => args.next().filter(|v| !v.starts_with('-')).cloned(),
            other => other
                .strip_prefix("--output-file=")
                .or_else(|| other.strip_prefix("-o").filter(|v| !v.is_empty() && !other.starts_with("--")))
                .map(str::to_owned),
        };
        found = value.map(PathBuf::from).or(found);
    }
    found
}

/// On exit 2, the report `-o` was to replace goes: see [`report::output_file::remove_stale`].
fn remove_stale_report(path: Option<&std::path::Path>) {
    let Some(path) = path else { return };
    match report::output_file::remove_stale(path) {
        Ok(true) => {
            eprintln!("corslint: removed {}: it is not this run's report", escape::value(&path.to_string_lossy()))
        }
        Ok(false) => {}
        Err(e) => eprintln!(
            "corslint: {} is not this run's report and could not be removed: {e}",
            escape::value(&path.to_string_lossy())
        ),
    }
}

fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Rule { code, output_format }) => print_rule(&code, output_format),
        Some(Command::Rules { output_format }) => print_rules(output_format),
        Some(Command::Debug(DebugCommand::Nginx { file, single_file })) => {
            match corslint::parse::nginx::crossplane::parse_file(&file, single_file) {
                Ok(dump) => {
                    for note in &dump.notes {
                        eprintln!("note: {note}");
                    }
                    emit(&serde_json::to_string_pretty(&dump.json).unwrap_or_default())
                }
                Err(e) => fail(format!("{}: {e}", file.display())),
            }
        }
        Some(Command::Simulate(args)) => match args.origin.clone() {
            Some(origin) => simulate(args, origin),
            None => simulate_pairs(&args),
        },
        Some(Command::Frontends { paths, output_format }) => frontends(paths, output_format),
        Some(Command::Server) => match corslint::server::run_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(format!("language server: {e}")),
        },
        None => check(cli.check),
    }
}

fn frontends(paths: Vec<PathBuf>, format: ListFormat) -> ExitCode {
    use corslint::simulate::table;
    let outcome = match lint::lint(&Options { paths, ..Options::default() }) {
        Ok(outcome) => outcome,
        Err(e) => return fail(e),
    };
    if outcome.project.frontends.is_empty() && matches!(format, ListFormat::Text) {
        eprintln!(
            "corslint: no frontend found (a package.json depending on vite, @sveltejs/kit, astro, nuxt, next, react-scripts or @angular/cli, or [[frontends]] in corslint.toml)"
        );
        return ExitCode::SUCCESS;
    }
    match format {
        ListFormat::Text => emit(&table::frontends_text(&outcome.project)),
        ListFormat::Json => emit(&table::frontends_json(&outcome.project)),
    }
}

/// `corslint simulate` without `--origin`: every pair the repository implies.
fn simulate_pairs(args: &SimulateArgs) -> ExitCode {
    use corslint::simulate::pairs::{Outcome, pairs};
    use corslint::simulate::{self, table};
    if args.url.is_some() || args.via.is_some() || !args.headers.is_empty() || args.credentials {
        return fail("--url, --via, --header and --credentials describe one request: give --origin with them");
    }
    let outcome = match lint::lint(&Options { paths: args.paths.clone(), ..Options::default() }) {
        Ok(outcome) => outcome,
        Err(e) => return fail(e),
    };
    let all = pairs(&outcome.project);
    if all.is_empty() {
        eprintln!(
            "corslint: no frontend → API pair found (`corslint frontends` shows what was found); give --origin to simulate one request"
        );
        return ExitCode::SUCCESS;
    }
    let text = match args.output_format {
        SimulateFormat::Full => table::pairs_text(&all),
        SimulateFormat::Json => table::pairs_json(&outcome.project, &all),
        SimulateFormat::Mermaid => {
            let diagrams: Vec<String> = all
                .iter()
                .filter_map(|p| {
                    let diagram = simulate::mermaid::diagram(p.simulation.as_ref()?);
                    // Markdown, one fenced diagram a pair: a comment or step summary renders each.
                    let title = corslint::report::escape::value(&format!(
                        "{} → {} ({})",
                        p.origin,
                        p.api,
                        p.environment.name()
                    ))
                    .into_owned();
                    Some(format!("**{title}**\n\n```mermaid\n{diagram}```\n"))
                })
                .collect();
            diagrams.join("\n")
        }
    };
    let code = emit(&text);
    if code != ExitCode::SUCCESS {
        return code;
    }
    if all.iter().any(|p| matches!(p.outcome, Outcome::Blocked(_))) {
        ExitCode::from(1)
    } else if all.iter().any(|p| matches!(p.outcome, Outcome::Unknown(_))) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn simulate(args: SimulateArgs, origin: String) -> ExitCode {
    use corslint::simulate::{self, BrowserRequest, StarletteVersion, sendable};
    let url = match args.url.as_deref().map(sendable::url_arg) {
        Some(Err(e)) => return fail(e),
        Some(Ok(url)) => Some(url),
        None => None,
    };
    let starlette = match args.starlette_version.as_deref().map(StarletteVersion::parse) {
        Some(Err(e)) => return fail(e),
        Some(Ok(v)) => v,
        None => StarletteVersion::default(),
    };
    let mut headers: Vec<(String, String)> = args.headers.iter().map(|h| sendable::header_arg(h)).collect();
    if let Some(ct) = &args.content_type {
        headers.push(("Content-Type".to_string(), ct.clone()));
    }
    let request = BrowserRequest {
        origin,
        method: args.method.clone(),
        headers,
        credentials: args.credentials,
        cookies: args.credentials && !args.no_cookies,
        url,
    };
    // Before the walk: a request no browser makes is a usage error, whatever the files hold.
    if let Err(e) = sendable::check(&request) {
        return fail(e);
    }
    let outcome = match lint::lint(&Options { paths: args.paths.clone(), ..Options::default() }) {
        Ok(outcome) => outcome,
        Err(e) => return fail(e),
    };
    let options =
        simulate::Options { via: args.via.clone(), starlette, endpoint_status: args.endpoint_status, app: None };
    let sim = match simulate::simulate(&outcome.project, &request, &options) {
        Ok(sim) => sim,
        Err(e) => return fail(e),
    };
    let text = match args.output_format {
        SimulateFormat::Full => simulate::report::text(&sim),
        SimulateFormat::Json => simulate::report::json(&sim),
        SimulateFormat::Mermaid => simulate::mermaid::diagram(&sim),
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

/// Exit 2 with `message`, escaped: it may hold file names and config values from the repository.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("corslint: {}", escape::lines(&message.to_string()));
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
    match check_and_report(&args) {
        Ok(fails) => ExitCode::from(u8::from(fails && !args.exit_zero)),
        Err(message) => {
            remove_stale_report(args.output_file.as_deref());
            fail(message)
        }
    }
}

/// Lints and writes the report; `Ok(true)` when findings fail the run.
fn check_and_report(args: &CheckArgs) -> Result<bool, String> {
    for selector in args.select.iter().flatten().chain(&args.extend_select).chain(&args.ignore) {
        corslint::config::check_selector(selector)?;
    }
    if args.statistics && !report::has_statistics(args.output_format) {
        return Err(format!(
            "--statistics has no {} form: use it with full, concise, json or json-lines",
            args.output_format.to_possible_value().map_or_else(String::new, |v| v.get_name().to_owned())
        ));
    }
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    let stdin = match (&args.stdin_filename, reads_stdin || args.paths.is_empty()) {
        (Some(name), true) => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).map_err(|e| format!("cannot read stdin: {e}"))?;
            Some((name.clone(), String::from_utf8_lossy(&bytes).into_owned()))
        }
        (None, true) if reads_stdin => {
            return Err("reading from `-` needs --stdin-filename NAME to know the file's kind".into());
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
        baseline: match (&args.write_baseline, &args.baseline) {
            (Some(_), _) => BaselineUse::Off,
            (None, Some(path)) => BaselineUse::File(path.clone()),
            (None, None) => BaselineUse::FromConfig,
        },
        project_context: !args.no_project,
        overlays: Vec::new(),
        progress: None,
        findings_only: true,
    };
    if let Some(file) = &args.show_settings {
        let text = corslint::show::settings(file, &options, &options.cli).map_err(|e| e.to_string())?;
        write_stdout(text.as_bytes())?;
        return Ok(false);
    }
    if args.show_files {
        let text = corslint::show::files(&options).map_err(|e| e.to_string())?;
        write_stdout(text.as_bytes())?;
        return Ok(false);
    }
    let to_terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
    let shows_progress = std::io::stderr().is_terminal()
        && !args.silent
        && !args.quiet
        && !report::is_machine_format(args.output_format);
    let mut options = options;
    let progress = shows_progress.then(|| {
        let counters = std::sync::Arc::new(corslint::progress::Progress::default());
        options.progress = Some(counters.clone());
        corslint::progress::Display::start(counters)
    });
    let outcome = if args.fix || args.diff {
        let fixed = corslint::fix::run(&options, args.unsafe_fixes, args.fix).map_err(|e| e.to_string())?;
        drop(progress);
        for problem in &fixed.problems {
            eprintln!("corslint: {}", escape::value(problem));
        }
        if args.diff {
            write_stdout(fixed.diff.as_bytes())?;
            return Ok(!fixed.diff.is_empty());
        }
        if let Some(text) = &fixed.stdin_text {
            write_stdout(text.as_bytes())?;
            return Ok(fixed.outcome.has_failures());
        }
        if !args.silent && fixed.fixed > 0 {
            eprintln!("corslint: fixed {} {}", fixed.fixed, if fixed.fixed == 1 { "finding" } else { "findings" });
        }
        fixed.outcome
    } else {
        let outcome = lint::lint(&options).map_err(|e| e.to_string())?;
        drop(progress);
        outcome
    };
    if args.verbose {
        for note in &outcome.notes {
            eprintln!("corslint: {}", escape::value(note));
        }
    }
    if outcome.nothing_selected() && !args.silent {
        eprintln!(
            "corslint: warning: no Python, JavaScript, TypeScript, nginx, YAML or dotenv file found under the given paths: nothing was linted"
        );
    }
    if let Some(path) = &args.write_baseline {
        let count =
            corslint::baseline::write(path, &outcome.project, &outcome.diagnostics).map_err(|e| e.to_string())?;
        if !args.silent {
            eprintln!(
                "corslint: recorded {count} {} in {}",
                if count == 1 { "finding" } else { "findings" },
                escape::path(path)
            );
        }
        return Ok(false);
    }
    if args.add_noqa {
        let added = corslint::add_noqa::run(&outcome);
        for problem in &added.problems {
            eprintln!("corslint: {}", escape::value(problem));
        }
        if !args.silent {
            eprintln!(
                "corslint: added {} suppression {} in {} {}",
                added.comments,
                if added.comments == 1 { "code" } else { "codes" },
                added.files,
                if added.files == 1 { "file" } else { "files" }
            );
        }
        return Ok(false);
    }
    // Only `--color always` colours a report written with -o: the environment speaks of the terminal.
    let choice = if args.no_color { ColorChoice::Never } else { args.color };
    let color = (args.output_file.is_none() || choice == ColorChoice::Always)
        && corslint::terminal::color(choice, to_terminal, &|name| std::env::var(name).ok());
    let report_options = ReportOptions {
        format: args.output_format,
        color,
        statistics: args.statistics,
        quiet: args.quiet,
        hyperlinks: corslint::terminal::hyperlinks(to_terminal),
    };
    // Written as it is rendered: the report of a large monorepo is as large as its findings.
    let mut write = |out: &mut dyn Write| report::write(out, &outcome, &report_options);
    match &args.output_file {
        Some(path) => report::output_file::replace_with(path, &mut write)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        // Rendered all the same: the github format also writes the step summary.
        None if args.silent => write(&mut std::io::sink()).map_err(|e| format!("cannot write the report: {e}"))?,
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out).and_then(|()| out.flush()).map_err(|e| format!("cannot write to stdout: {e}"))?
        }
    }
    Ok(outcome.has_failures())
}

fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    std::io::stdout().lock().write_all(bytes).map_err(|e| format!("cannot write to stdout: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output_file(args: &[&str]) -> Option<PathBuf> {
        output_file_in(args.iter().map(std::ffi::OsString::from))
    }

    #[test]
    fn the_output_file_of_a_refused_command_line() {
        for args in [
            &["-o", "r.sarif", "--bad"][..],
            &["--output-file", "r.sarif", "."],
            &["--output-file=r.sarif"],
            &["-or.sarif", "--fial-on", "error"],
            &["--output-format", "sarif", "-o", "old.sarif", ".", "-o", "r.sarif"],
        ] {
            assert_eq!(output_file(args), Some(PathBuf::from("r.sarif")), "{args:?}");
        }
        assert_eq!(output_file(&["-o", "--select", "CORS1"]), None, "a flag is not a file name");
        assert_eq!(output_file(&["--", "-o", "r.sarif"]), None, "after `--` come paths");
        assert_eq!(output_file(&["simulate", "-o", "r.sarif"]), None, "subcommands have no -o");
    }
}
