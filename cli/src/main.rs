//! `setpoll`: generate keys, publish JWK Sets, sign, verify and inspect
//! Security Event Tokens from the command line.
//!
//! Exit codes: 0 success; 1 a token failed verification (the `setErrs`
//! answer is printed on stdout); 2 bad usage or unusable input (a message on
//! stderr). The tool never panics on input.

mod inspect;

use std::io::Read as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Largest input read from stdin or a file, bytes. A SET is a few KiB; this
/// bound keeps a mistaken pipe from exhausting memory.
const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Parser)]
#[command(
    name = "setpoll",
    version,
    about = "Security Event Tokens for Open Banking UK aggregated polling"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a compact JWS from stdin and print its header and claims, WITHOUT verifying it.
    Inspect,
}

/// A failure to report: a message for stderr and the exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) code: u8,
}

impl Failure {
    /// Bad usage or unusable input: exit code 2.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

/// Read all of stdin (bounded) as UTF-8 text.
pub(crate) fn read_stdin(what: &str) -> Result<String, Failure> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Failure::input(format!("reading {what} from stdin: {e}")))?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::input(format!(
            "{what} on stdin is larger than {MAX_INPUT_BYTES} bytes"
        )));
    }
    String::from_utf8(buf).map_err(|e| {
        Failure::input(format!(
            "{what} on stdin is not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version on stdout (exit 0) and usage errors on stderr.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Inspect => inspect::run(),
    };
    match result {
        Ok(stdout) => {
            println!("{stdout}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("setpoll: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
