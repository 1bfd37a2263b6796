//! The packages and CI integrations as users meet them: the wheel, the npm packages, the pre-commit
//! mirror, the GitHub Action's scripts, the release workflow and the Dockerfile.
//!
//! The tools come from `.ci/run`, which builds the wheel and the npm tarballs and installs the
//! checkers into a virtual environment: `CORSLINT_WHEEL_DIR`, `CORSLINT_NPM_TARBALLS`,
//! `CORSLINT_PKG_TOOLS` (its `bin/`), `CORSLINT_PKG_WHEELHOUSE`. Without one, the test that needs
//! it prints a note and passes, so a plain `cargo test` works anywhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const DEMO: &str = "fixtures/demo";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A directory `.ci/run` exported, or a printed note.
fn env_dir(var: &str, test: &str) -> Option<PathBuf> {
    match std::env::var_os(var).map(PathBuf::from).filter(|p| p.is_dir()) {
        Some(dir) => Some(dir),
        None => {
            println!("note: {var} is not set (bash .ci/run sets it); {test} skipped");
            None
        }
    }
}

/// A tool of the packaging virtual environment.
fn tool(name: &str, test: &str) -> Option<PathBuf> {
    let path = env_dir("CORSLINT_PKG_TOOLS", test)?.join(name);
    if path.exists() {
        Some(path)
    } else {
        println!("note: {} is missing; {test} skipped", path.display());
        None
    }
}

fn wheel(test: &str) -> Option<PathBuf> {
    let dir = env_dir("CORSLINT_WHEEL_DIR", test)?;
    let wheels: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("wheel dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "one wheel in {}: {wheels:?}", dir.display());
    wheels.into_iter().next()
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(command: &mut Command) -> Output {
    let output = run(command);
    assert!(output.status.success(), "{command:?} failed:\n{}\n{}", text(&output.stdout), text(&output.stderr));
    output
}

/// The demo's findings as JSON, from the binary under test: what every package must reproduce.
fn demo_json(binary: &Path) -> serde_json::Value {
    let output = run(Command::new(binary).args(["--output-format", "json", "."]).current_dir(repo().join(DEMO)));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn expect_version(binary: &Path) {
    let output = succeeded(Command::new(binary).arg("--version"));
    assert_eq!(text(&output.stdout).trim(), format!("corslint {VERSION}"));
}

#[test]
fn one_version_drives_every_package() {
    expect_version(Path::new(env!("CARGO_BIN_EXE_corslint")));
    let pyproject = read("pyproject.toml");
    assert!(pyproject.contains("dynamic = [\"version\"]"), "the wheel takes Cargo.toml's version");
    assert!(read("action.yml").contains(&format!("default: {VERSION}\n")), "action.yml installs this version");
    let mirror = read("packaging/pre-commit-mirror/pyproject.toml");
    assert!(
        mirror.contains(&format!("version = \"{VERSION}\"")) && mirror.contains(&format!("\"corslint=={VERSION}\""))
    );
    let launcher: serde_json::Value = serde_json::from_str(&read("npm/corslint/package.json")).expect("JSON");
    assert!(launcher.get("scripts").is_none(), "the npm launcher runs no install script");
    assert!(read("CHANGELOG.md").contains(&format!("## {VERSION}")));
}

#[test]
fn the_mirror_hook_lints_what_the_rust_hook_lints() {
    let field = |text: &str, key: &str| {
        text.lines().find_map(|l| l.trim().strip_prefix(&format!("{key}: ")).map(str::to_string)).unwrap_or_default()
    };
    let rust = read(".pre-commit-hooks.yaml");
    let python = read("packaging/pre-commit-mirror/.pre-commit-hooks.yaml");
    for key in ["id", "entry", "args", "types", "files", "require_serial"] {
        assert_eq!(field(&rust, key), field(&python, key), "{key}");
    }
    assert_eq!(field(&rust, "language"), "rust");
    assert_eq!(field(&python, "language"), "python");
}

#[test]
fn wheel_installs_into_a_fresh_virtualenv_and_lints_the_demo() {
    let Some(wheel) = wheel("wheel install") else { return };
    let name = wheel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    assert!(name.starts_with(&format!("corslint-{VERSION}-py3-none-")), "{name}");
    assert!(name.contains("manylinux2014_x86_64"), "{name}: built for manylinux2014");
    let venv = tempfile::tempdir().expect("tempdir");
    succeeded(Command::new("python3").args(["-m", "venv"]).arg(venv.path()));
    let started = Instant::now();
    succeeded(
        Command::new(venv.path().join("bin/pip"))
            .args(["install", "--quiet", "--no-index", "--disable-pip-version-check"])
            .arg(&wheel),
    );
    println!(
        "wheel: {} bytes, installed in {:.2} s",
        std::fs::metadata(&wheel).map_or(0, |m| m.len()),
        started.elapsed().as_secs_f64()
    );
    let installed = venv.path().join("bin/corslint");
    expect_version(&installed);
    assert_eq!(demo_json(&installed), demo_json(Path::new(env!("CARGO_BIN_EXE_corslint"))));
}

#[test]
fn wheel_installs_as_a_tool_with_uv_and_pipx() {
    let (Some(wheel), Some(uv), Some(pipx)) =
        (wheel("uv/pipx install"), tool("uv", "uv/pipx install"), tool("pipx", "uv/pipx install"))
    else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let bin = home.path().join("bin");
    let uv_env = |command: &mut Command| {
        command
            .env("UV_TOOL_DIR", home.path().join("uv-tools"))
            .env("UV_TOOL_BIN_DIR", &bin)
            .env("UV_CACHE_DIR", home.path().join("uv-cache"))
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("UV_OFFLINE", "1");
    };
    let mut install = Command::new(&uv);
    install.args(["tool", "install"]).arg(&wheel);
    uv_env(&mut install);
    succeeded(&mut install);
    expect_version(&bin.join("corslint"));
    let mut uvx = Command::new(&uv);
    uvx.args(["tool", "run", "--from"]).arg(&wheel).args(["corslint", "--version"]);
    uv_env(&mut uvx);
    assert_eq!(text(&succeeded(&mut uvx).stdout).trim(), format!("corslint {VERSION}"));

    let pipx_bin = home.path().join("pipx-bin");
    succeeded(
        Command::new(&pipx)
            .args(["install", "--pip-args=--no-index"])
            .arg(&wheel)
            .env("PIPX_HOME", home.path().join("pipx"))
            .env("PIPX_BIN_DIR", &pipx_bin)
            .env("PIPX_MAN_DIR", home.path().join("man")),
    );
    expect_version(&pipx_bin.join("corslint"));
}

#[test]
fn npm_packages_install_offline_and_run_through_npx() {
    let Some(tarballs) = env_dir("CORSLINT_NPM_TARBALLS", "npm install") else { return };
    let launcher = tarballs.join(format!("corslint-{VERSION}.tgz"));
    let platform = tarballs.join(format!("corslint-cli-linux-x64-gnu-{VERSION}.tgz"));
    for tarball in [&launcher, &platform] {
        println!("{}: {} bytes", tarball.display(), std::fs::metadata(tarball).map_or(0, |m| m.len()));
    }
    let project = tempfile::tempdir().expect("tempdir");
    std::fs::write(project.path().join("package.json"), r#"{"name":"try-corslint","version":"1.0.0","private":true}"#)
        .expect("write");
    let cache = project.path().join(".npm-cache");
    // Offline: nothing may come from the registry, so both packages come from the tarballs and
    // the other platforms' optional dependencies are skipped.
    succeeded(
        Command::new("npm")
            .args(["install", "--offline", "--no-audit", "--no-fund", "--cache"])
            .arg(&cache)
            .arg(&launcher)
            .arg(&platform)
            .current_dir(project.path()),
    );
    let npx = succeeded(
        Command::new("npx")
            .args(["--offline", "--cache"])
            .arg(&cache)
            .args(["corslint", "--version"])
            .current_dir(project.path()),
    );
    assert_eq!(text(&npx.stdout).trim(), format!("corslint {VERSION}"));
    let launcher_js = project.path().join("node_modules/.bin/corslint");
    let demo = run(Command::new(&launcher_js).args(["--output-format", "json", "."]).current_dir(repo().join(DEMO)));
    assert_eq!(demo.status.code(), Some(1), "the launcher passes the exit code on");
    let json: serde_json::Value = serde_json::from_slice(&demo.stdout).expect("JSON");
    assert_eq!(json, demo_json(Path::new(env!("CARGO_BIN_EXE_corslint"))));
}

/// A git repository in `dir` with everything in it committed.
fn git_repository(dir: &Path) {
    let git = |args: &[&str]| {
        succeeded(
            Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
                .args(args)
                .current_dir(dir),
        )
    };
    git(&["init", "--quiet"]);
    git(&["add", "-A"]);
    git(&["commit", "--quiet", "--no-verify", "-m", "fixture"]);
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn pre_commit_mirror_installs_the_wheel_and_fails_on_findings() {
    let test = "pre-commit try-repo";
    let (Some(wheels), Some(wheelhouse), Some(pre_commit)) =
        (env_dir("CORSLINT_WHEEL_DIR", test), env_dir("CORSLINT_PKG_WHEELHOUSE", test), tool("pre-commit", test))
    else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let mirror = work.path().join("mirror");
    std::fs::create_dir_all(&mirror).expect("mkdir");
    copy_tree(&repo().join("packaging/pre-commit-mirror"), &mirror);
    git_repository(&mirror);
    let project = work.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    copy_tree(&repo().join(DEMO), &project);
    git_repository(&project);
    let output = run(Command::new(&pre_commit)
        .args(["try-repo"])
        .arg(&mirror)
        .args(["corslint", "--all-files", "--color", "never"])
        .current_dir(&project)
        .env("PRE_COMMIT_HOME", work.path().join("cache"))
        .env("PIP_NO_INDEX", "1")
        // pip splits a list option given in the environment on whitespace.
        .env("PIP_FIND_LINKS", format!("{} {}", wheels.display(), wheelhouse.display())));
    let out = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{out}\n{}", text(&output.stderr));
    assert!(out.contains("corslint") && out.contains("Failed"), "{out}");
    assert!(out.contains("CORS304"), "the demo's findings are printed:\n{out}");
}

#[test]
fn action_yml_matches_the_github_actions_schema() {
    let Some(check) = tool("check-jsonschema", "action.yml schema") else { return };
    succeeded(Command::new(check).args(["--builtin-schema", "vendor.github-actions"]).arg(repo().join("action.yml")));
}

#[test]
fn workflows_pass_actionlint() {
    let Some(actionlint) = tool("actionlint", "actionlint") else { return };
    let workflows: Vec<PathBuf> = std::fs::read_dir(repo().join(".github/workflows"))
        .expect(".github/workflows")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(workflows.iter().any(|p| p.ends_with("release.yml")));
    // shellcheck is not installed here: actionlint checks expressions, contexts and action inputs.
    succeeded(Command::new(actionlint).args(["-shellcheck=", "-pyflakes="]).args(&workflows).current_dir(repo()));
}

#[test]
fn dockerfile_passes_hadolint() {
    let Some(hadolint) = tool("hadolint", "hadolint") else { return };
    succeeded(Command::new(hadolint).arg(repo().join("Dockerfile")));
}

/// One step of the composite action.
struct Step {
    id: Option<String>,
    run: Option<String>,
    env: Vec<(String, String)>,
    working_directory: Option<String>,
}

fn action() -> (saphyr::Yaml<'static>, Vec<Step>) {
    use saphyr::LoadableYamlNode;
    let text: &'static str = Box::leak(read("action.yml").into_boxed_str());
    let docs = saphyr::Yaml::load_from_str(text).expect("action.yml is YAML");
    let action = docs.into_iter().next().expect("one document");
    let string = |y: Option<&saphyr::Yaml>| y.and_then(|y| y.as_str()).map(str::to_string);
    let steps = action["runs"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .map(|step| Step {
            id: string(step.as_mapping_get("id")),
            run: string(step.as_mapping_get("run")),
            env: step
                .as_mapping_get("env")
                .and_then(|e| e.as_mapping())
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.as_str().unwrap_or("").to_string(), v.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            working_directory: string(step.as_mapping_get("working-directory")),
        })
        .collect();
    (action, steps)
}

/// `${{ inputs.X }}` and `${{ steps.ID.outputs.X }}`, the only expressions the scripts' environment uses.
fn substitute(value: &str, inputs: &HashMap<&str, String>, outputs: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expression = rest[start + 3..end].trim();
        let value = match expression.strip_prefix("inputs.") {
            Some(name) => inputs.get(name).cloned().unwrap_or_else(|| panic!("no input {name}")),
            None => outputs.get(expression).cloned().unwrap_or_default(),
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

struct ActionRun {
    exit: Option<i32>,
    stdout: String,
    outputs: HashMap<String, String>,
    summary: String,
}

/// Runs the action's `run:` steps as the runner does (`bash --noprofile --norc -eo pipefail`), with
/// its inputs, a fresh `GITHUB_OUTPUT` per step and one `GITHUB_STEP_SUMMARY`, in this checkout as
/// the workspace. The install step installs the built wheel when there is one (no index);
/// otherwise the binary under test stands in for it.
fn run_action(given: &[(&'static str, &str)], temp: &Path) -> ActionRun {
    let (action, steps) = action();
    let defaults = action["inputs"].as_mapping().expect("inputs");
    let mut inputs: HashMap<&str, String> = HashMap::new();
    for (name, spec) in defaults.iter() {
        let name: &'static str = Box::leak(name.as_str().expect("input name").to_string().into_boxed_str());
        inputs.insert(name, spec.as_mapping_get("default").and_then(|d| d.as_str()).unwrap_or("").to_string());
    }
    for (name, value) in given {
        assert!(inputs.contains_key(name), "action.yml has no input {name}");
        inputs.insert(name, value.to_string());
    }
    let wheels = std::env::var_os("CORSLINT_WHEEL_DIR").filter(|d| Path::new(d).is_dir());
    let summary = temp.join("summary.md");
    let mut outputs: HashMap<String, String> = HashMap::new();
    let mut last = ActionRun { exit: None, stdout: String::new(), outputs: HashMap::new(), summary: String::new() };
    for (index, step) in steps.iter().enumerate() {
        let Some(script) = &step.run else { continue };
        let id = step.id.clone().unwrap_or_else(|| format!("step{index}"));
        if id == "install" && wheels.is_none() {
            outputs.insert("steps.install.outputs.corslint".into(), env!("CARGO_BIN_EXE_corslint").into());
            continue;
        }
        assert!(!script.contains("${{"), "step {id}: inputs reach scripts only through env");
        let output_file = temp.join(format!("output-{id}"));
        std::fs::write(&output_file, "").expect("write");
        let script_file = temp.join(format!("{id}.sh"));
        std::fs::write(&script_file, script).expect("write");
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(
                repo().join(step.working_directory.as_deref().map_or(".".into(), |w| substitute(w, &inputs, &outputs))),
            )
            .env("RUNNER_TEMP", temp)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_WORKSPACE", repo())
            .env_remove("CORSLINT_OUTPUT_FORMAT");
        if let Some(wheels) = &wheels {
            command.env("PIP_NO_INDEX", "1").env("PIP_FIND_LINKS", wheels);
        }
        for (name, value) in &step.env {
            command.env(name, substitute(value, &inputs, &outputs));
        }
        let output = run(&mut command);
        for line in std::fs::read_to_string(&output_file).unwrap_or_default().lines() {
            if let Some((name, value)) = line.split_once('=') {
                outputs.insert(format!("steps.{id}.outputs.{name}"), value.to_string());
            }
        }
        last = ActionRun {
            exit: output.status.code(),
            stdout: text(&output.stdout),
            outputs: outputs.clone(),
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        };
        if !output.status.success() {
            break;
        }
        if id == "install" {
            assert!(last.stdout.contains(&format!("corslint {VERSION}")), "{}", last.stdout);
        }
    }
    last
}

#[test]
fn action_steps_lint_the_demo_annotate_summarise_and_decide() {
    let temp = tempfile::tempdir().expect("tempdir");
    let result = run_action(&[("working-directory", DEMO), ("version", VERSION)], temp.path());
    assert_eq!(result.exit, Some(1), "the demo has errors: the corslint step fails\n{}", result.stdout);
    assert_eq!(result.outputs.get("steps.lint.outputs.exit-code").map(String::as_str), Some("1"));
    let sarif_path = result.outputs.get("steps.lint.outputs.sarif-file").expect("sarif-file output");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_path).expect("SARIF written")).expect("JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    // Run from the demo folder, the paths are still the repository's.
    let prefix = if repo().join(".git").exists() { "fixtures/demo/" } else { "" };
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.starts_with(prefix) && !uri.contains(".."), "{uri}");
    }
    assert!(result.stdout.lines().any(|l| l.starts_with(&format!("::error file={prefix}backend/app/main.py"))));
    assert!(result.summary.starts_with("## corslint") && result.summary.contains("| [CORS304]("), "{}", result.summary);

    let temp = tempfile::tempdir().expect("tempdir");
    let info_only =
        run_action(&[("working-directory", DEMO), ("args", ". --select CORS207"), ("version", VERSION)], temp.path());
    assert_eq!(info_only.exit, Some(0), "info findings do not fail by default\n{}", info_only.stdout);
    let temp = tempfile::tempdir().expect("tempdir");
    let failing_info = run_action(
        &[("working-directory", DEMO), ("args", ". --select CORS207"), ("fail-on", "info"), ("version", VERSION)],
        temp.path(),
    );
    assert_eq!(failing_info.exit, Some(1), "fail-on reaches corslint");

    let temp = tempfile::tempdir().expect("tempdir");
    let broken = run_action(&[("args", "no/such/path"), ("version", VERSION)], temp.path());
    assert_eq!(broken.exit, Some(2));
    assert!(!broken.outputs.contains_key("steps.lint.outputs.sarif-file"), "no report to upload after exit 2");
}

#[test]
fn action_upload_survives_forks_and_missing_code_scanning() {
    let text = read("action.yml");
    let upload = text.split("- name: Upload SARIF").nth(1).expect("an upload step");
    assert!(upload.contains("uses: github/codeql-action/upload-sarif@v4"));
    assert!(upload.contains("continue-on-error: true"));
    assert!(upload.contains("github.event.pull_request.head.repo.full_name == github.repository"));
    assert!(upload.contains("!cancelled()"), "uploads after findings too");
    assert!(upload.contains("category: ${{ inputs.category }}"));
}

#[test]
fn readme_workflow_uses_the_action_without_swallowing_failures() {
    let readme = read("README.md");
    let workflow = readme.split("# .github/workflows/corslint.yml").nth(1).and_then(|w| w.split("```").next());
    let workflow = workflow.expect("the README shows a workflow");
    for needed in
        ["  push:", "  pull_request:", "contents: read", "security-events: write", "uses: corslint/corslint@v"]
    {
        assert!(workflow.contains(needed), "{needed} missing from the README's workflow:{workflow}");
    }
    assert!(!readme.contains("|| true"), "a failing corslint must fail the job");
    let install = readme.split("## Install").nth(1).and_then(|s| s.split("\n## ").next()).expect("an Install section");
    let order = ["pip install", "uv tool install", "npx corslint", "cargo install --locked", "uses: corslint/corslint"];
    let positions: Vec<usize> =
        order.iter().map(|o| install.find(o).unwrap_or_else(|| panic!("{o} missing"))).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "Install lists {order:?} in that order");
}
