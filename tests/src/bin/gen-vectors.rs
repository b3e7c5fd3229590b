//! Writes the golden vectors into `tests/vectors/` (or another directory).
//!
//! ```text
//! cargo run -p setpoll-tests --bin gen-vectors            # regenerate
//! cargo run -p setpoll-tests --bin gen-vectors -- --check # fail if stale
//! cargo run -p setpoll-tests --bin gen-vectors -- --out DIR
//! ```
//!
//! Generation is deterministic: every random input comes from a ChaCha20
//! generator with a fixed seed, and every output is canonical JSON. The
//! format, including the transmitter/receiver step vocabulary, is described
//! in `tests/vectors/README.md`.

use std::process::ExitCode;

use setpoll_tests::GenCommand;

fn main() -> ExitCode {
    let (check, dir) =
        match setpoll_tests::gen_command(std::env::args().skip(1), setpoll_tests::vectors_dir()) {
            Ok(GenCommand::Write(dir)) => (false, dir),
            Ok(GenCommand::Check(dir)) => (true, dir),
            Ok(GenCommand::Help) => {
                println!("usage: gen-vectors [--check] [--out DIR]");
                return ExitCode::SUCCESS;
            }
            Err(msg) => return usage(&msg),
        };
    if check {
        return match setpoll_tests::stale_files(&dir) {
            Ok(stale) if stale.is_empty() => {
                println!("vectors in {} are up to date", dir.display());
                ExitCode::SUCCESS
            }
            Ok(stale) => {
                eprintln!("stale vectors in {}:", dir.display());
                for s in stale {
                    eprintln!("  {s}");
                }
                eprintln!("run `cargo run -p setpoll-tests --bin gen-vectors` and review the diff");
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("gen-vectors: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let files = match setpoll_tests::generate() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("gen-vectors: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("gen-vectors: creating {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for f in files {
        let path = dir.join(&f.name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if let Err(e) = std::fs::write(&path, f.text.as_bytes()) {
            eprintln!("gen-vectors: writing {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("gen-vectors: {msg}\nusage: gen-vectors [--check] [--out DIR]");
    ExitCode::from(2)
}
