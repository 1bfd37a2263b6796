//! Child processes of the suite: each one killed by its own pid when dropped, its stdout read
//! line by line with a deadline.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    lines: Receiver<String>,
    pub name: String,
}

impl Server {
    /// Spawns `command` with stdout piped; stderr goes to `stderr_log`.
    pub fn spawn(name: &str, mut command: Command, stderr_log: &std::path::Path) -> Result<Server, String> {
        command.stdin(Stdio::null());
        Server::start(name, command, stderr_log)
    }

    /// [`Server::spawn`] with stdin piped too, for a child that takes its work from stdin.
    pub fn spawn_with_input(
        name: &str,
        mut command: Command,
        stderr_log: &std::path::Path,
    ) -> Result<(Server, ChildStdin), String> {
        command.stdin(Stdio::piped());
        let mut server = Server::start(name, command, stderr_log)?;
        let stdin = server.child.stdin.take().ok_or("stdin not piped")?;
        Ok((server, stdin))
    }

    fn start(name: &str, mut command: Command, stderr_log: &std::path::Path) -> Result<Server, String> {
        let log = std::fs::File::create(stderr_log).map_err(|e| e.to_string())?;
        command.stdout(Stdio::piped()).stderr(log);
        let mut child = command.spawn().map_err(|e| format!("{name}: cannot start: {e}"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Server { child, lines, name: name.into() })
    }

    /// Lines up to and including the first one that starts with `marker`.
    pub fn read_until(&mut self, marker: &str, timeout: Duration) -> Result<Vec<String>, String> {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = line.starts_with(marker);
                    seen.push(line);
                    if done {
                        return Ok(seen);
                    }
                }
                Err(_) => {
                    let status = self.child.try_wait().ok().flatten();
                    return Err(format!(
                        "{}: no `{marker}` within {timeout:?} (exit: {status:?}); output {seen:?}",
                        self.name
                    ));
                }
            }
        }
    }

    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

/// A port that was free a moment ago (bind port 0, read it, release it).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}
