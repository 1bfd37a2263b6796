//! The findings of a tree never depend on the directory corslint is started from: the same tree,
//! linted by absolute path from elsewhere, from inside one of its services, and as `.` from its
//! root, gives the same findings at the same places.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

type Finding = (String, PathBuf, u64, u64);

fn findings(cwd: &Path, target: &Path) -> BTreeSet<Finding> {
    let output = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(cwd)
        .args(["--output-format", "json", "--exit-zero"])
        .arg(target)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    json.as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let file = d["filename"].as_str().unwrap_or_default();
            let path = cwd.join(file).canonicalize().unwrap_or_else(|_| cwd.join(file));
            let at = |key: &str| d["location"][key].as_u64().unwrap_or_default();
            (d["code"].as_str().unwrap_or_default().to_string(), path, at("row"), at("column"))
        })
        .collect()
}

#[test]
fn findings_are_the_same_from_any_working_directory() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for (tree, inside) in [
        ("demo", "backend/app"),
        ("CORS304/two_deployments", "services/shop"),
        ("CORS304/compose_links_alias", "backend"),
        ("CORS101/dotenv_of_another_service", "services/api/app"),
        ("CORS101/dotenv_from_compose_env_file", "api"),
    ] {
        let tree = root.join(tree).canonicalize().expect("fixture");
        let from_root = findings(&tree, Path::new("."));
        assert!(!from_root.is_empty() || tree.ends_with("dotenv_of_another_service"), "{}", tree.display());
        let from_inside = findings(&tree.join(inside), &tree);
        let from_elsewhere = findings(&std::env::temp_dir(), &tree);
        let from_above = findings(tree.parent().expect("parent"), &tree);
        assert_eq!(from_inside, from_root, "{} from {inside}", tree.display());
        assert_eq!(from_elsewhere, from_root, "{} from the temporary directory", tree.display());
        assert_eq!(from_above, from_root, "{} from its parent", tree.display());
    }
}
