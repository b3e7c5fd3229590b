//! The poller's command line, run as a process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::process::Command;
use std::time::{Duration, Instant};

fn poller() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tpp-poller"))
}

#[test]
fn help_lists_the_documented_flags() {
    let out = poller().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--server",
        "--token",
        "--client-id",
        "--state",
        "--expect",
        "--jwks-url",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}:\n{text}");
    }
}

#[test]
fn an_unreachable_server_is_an_error_after_the_time_budget() {
    let dir = std::env::temp_dir().join(format!("setpoll-poller-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    // Port 9 (discard) on loopback: nothing listens there in a test box.
    let out = poller()
        .args([
            "--server",
            "http://127.0.0.1:9",
            "--token",
            "t",
            "--client-id",
            "c",
        ])
        .args(["--max-run-secs", "1", "--state"])
        .arg(dir.join("state.sqlite3"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("JWKS"), "says what failed: {err}");
    assert!(started.elapsed() < Duration::from_secs(20));
}
