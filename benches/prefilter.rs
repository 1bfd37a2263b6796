//! Prefilter benchmark: the byte prefilter ([`corslint::parse::worth_parsing`]) and the walk
//! through Python imports ([`corslint::parse::python_imports::worth_parsing`]) alone, over the files
//! the walk selects in real trees, without the walk, the reads or the parsers around them.
//!
//! `BENCH_PREFILTER=DIR,DIR cargo bench --bench prefilter` (runs: `BENCH_RUNS`, default 5; the
//! fastest is printed: the files are in memory, so the slower runs measure only the machine's load).

use corslint::parse::{python_imports, worth_parsing};
use corslint::source::FileKind;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn fastest(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut out = 0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        out = f();
        best = best.min(start.elapsed());
    }
    (best, out)
}

fn main() {
    let trees: Vec<PathBuf> = std::env::var("BENCH_PREFILTER")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(PathBuf::from)
        .collect();
    if trees.is_empty() {
        return println!("prefilter: no trees (BENCH_PREFILTER=DIR,DIR)");
    }
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    for tree in trees {
        let found = corslint::discover::discover(std::slice::from_ref(&tree), &|_, _| true).files;
        let mut by_kind: BTreeMap<String, Vec<(FileKind, &[u8])>> = BTreeMap::new();
        for f in &found {
            by_kind.entry(format!("{:?}", f.kind)).or_default().push((f.kind, &f.bytes));
        }
        println!("{}:", tree.display());
        let mut total = Duration::ZERO;
        for (name, files) in &by_kind {
            let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
            let (time, kept) = fastest(runs, || files.iter().filter(|(kind, b)| worth_parsing(*kind, b)).count());
            total += time;
            println!(
                "  {name:>13}: {:>6} files {:>7.1} MB, {kept:>5} kept, {:>7.2} ms, {:>6.0} MB/s",
                files.len(),
                bytes as f64 / 1e6,
                time.as_secs_f64() * 1e3,
                bytes as f64 / 1e6 / time.as_secs_f64().max(1e-9)
            );
        }
        let python: Vec<python_imports::Candidate<'_>> = found
            .iter()
            .filter(|f| f.kind == FileKind::Python && worth_parsing(f.kind, &f.bytes))
            .map(|f| python_imports::Candidate { path: &f.path, bytes: &f.bytes })
            .collect();
        let (time, kept) = fastest(runs, || python_imports::worth_parsing(&python).into_iter().filter(|k| *k).count());
        total += time;
        println!(
            "  python imports: {} candidates, {kept} kept, {:.2} ms; prefilter total {:.2} ms",
            python.len(),
            time.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3
        );
    }
}
