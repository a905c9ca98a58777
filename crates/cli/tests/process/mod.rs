//! Host processes for the tests: `pokt …` children on loopback that are killed when their guard
//! drops, whose first stdout line (the address line every host prints) is awaited with a bound.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

pub mod net;
pub mod network;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh, empty directory named after `tag`.
    pub fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!(
            "pokt-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        Self(p)
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `pokt` child, killed (SIGKILL) and reaped on drop.
pub struct Proc {
    /// The child.
    pub child: Child,
    /// Its first stdout line.
    pub line: String,
}

impl Proc {
    /// Starts `pokt args…` and waits (≤ 60 s) for its first stdout line; stderr is inherited.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with(args, &[])
    }

    /// As [`Proc::start`], with extra environment variables.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pokt"));
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("the pokt binary runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so that the child never blocks on a full pipe.
            let mut sink = String::new();
            while r.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        let mut p = Self {
            child,
            line: String::new(),
        };
        p.line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        assert!(
            !p.line.is_empty(),
            "pokt {args:?} printed no address line within 60 s"
        );
        p
    }

    /// The first `http://…` word after `tag` in the address line (`tag` = "" for the first).
    pub fn url(&self, tag: &str) -> String {
        let rest = if tag.is_empty() {
            self.line.as_str()
        } else {
            self.line.split(tag).nth(1).unwrap_or_default()
        };
        rest.split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_default()
            .trim_end_matches([',', ';'])
            .to_string()
    }

    /// Sends SIGKILL and reaps the child.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM (Unix) and waits up to `limit` for the exit; returns its code.
    pub fn terminate(&mut self, limit: Duration) -> Option<i32> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}
