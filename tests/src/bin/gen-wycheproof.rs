//! Writes the Wycheproof export `tests/wycheproof/wycheproof.json` (the
//! cases the JavaScript runners check `node:crypto` and WebCrypto against).
//!
//! ```text
//! cargo run -p setpoll-tests --bin gen-wycheproof            # regenerate
//! cargo run -p setpoll-tests --bin gen-wycheproof -- --check # fail if stale
//! cargo run -p setpoll-tests --bin gen-wycheproof -- --out DIR
//! ```

use std::process::ExitCode;

use setpoll_tests::wycheproof::{export_dir, export_text, EXPORT_FILE};
use setpoll_tests::GenCommand;

fn main() -> ExitCode {
    let (check, dir) = match setpoll_tests::gen_command(std::env::args().skip(1), export_dir()) {
        Ok(GenCommand::Write(dir)) => (false, dir),
        Ok(GenCommand::Check(dir)) => (true, dir),
        Ok(GenCommand::Help) => {
            println!("usage: gen-wycheproof [--check] [--out DIR]");
            return ExitCode::SUCCESS;
        }
        Err(msg) => return usage(&msg),
    };
    let text = match export_text() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("gen-wycheproof: {e}");
            return ExitCode::FAILURE;
        }
    };
    let path = dir.join(EXPORT_FILE);
    if check {
        return match std::fs::read(&path) {
            Ok(bytes) if bytes == text.as_bytes() => {
                println!("{} is up to date", path.display());
                ExitCode::SUCCESS
            }
            Ok(_) | Err(_) => {
                eprintln!("stale or missing: {}", path.display());
                eprintln!(
                    "run `cargo run -p setpoll-tests --bin gen-wycheproof` and review the diff"
                );
                ExitCode::FAILURE
            }
        };
    }
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &text)) {
        eprintln!("gen-wycheproof: writing {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {}", path.display());
    ExitCode::SUCCESS
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("gen-wycheproof: {msg}\nusage: gen-wycheproof [--check] [--out DIR]");
    ExitCode::from(2)
}
