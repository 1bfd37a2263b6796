//! Progress on long runs: after one second, on a terminal's stderr only, one line that says how
//! many files were walked and parsed and how many findings there are so far.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counters the pipeline bumps; cheap enough to bump for every file.
#[derive(Debug, Default)]
pub struct Progress {
    walked: AtomicUsize,
    parsed: AtomicUsize,
    findings: AtomicUsize,
    done: AtomicBool,
}

impl Progress {
    pub fn walked(&self) {
        self.walked.fetch_add(1, Ordering::Relaxed);
    }

    pub fn parsed(&self) {
        self.parsed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn findings(&self, count: usize) {
        self.findings.store(count, Ordering::Relaxed);
    }

    /// The line shown, e.g. `corslint: 12034 files walked, 87 parsed, 5 findings so far`.
    pub fn line(&self) -> String {
        format!(
            "corslint: {} files walked, {} parsed, {} findings so far",
            self.walked.load(Ordering::Relaxed),
            self.parsed.load(Ordering::Relaxed),
            self.findings.load(Ordering::Relaxed)
        )
    }
}

/// How long a run goes before it shows progress.
pub const DELAY: Duration = Duration::from_secs(1);

/// Shows `progress` on stderr until the returned guard is dropped (which clears the line).
pub struct Display {
    progress: Arc<Progress>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Display {
    pub fn start(progress: Arc<Progress>) -> Display {
        let shared = progress.clone();
        let thread = std::thread::Builder::new()
            .name("corslint-progress".into())
            .spawn(move || {
                let start = Instant::now();
                let mut shown = false;
                while !shared.done.load(Ordering::Relaxed) {
                    if start.elapsed() >= DELAY {
                        // `\r` and clear-to-end: one line, rewritten in place.
                        eprint!("\r{}\u{1b}[K", shared.line());
                        let _ = std::io::stderr().flush();
                        shown = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                if shown {
                    eprint!("\r\u{1b}[K");
                }
            })
            .ok();
        Display { progress, thread }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.progress.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
