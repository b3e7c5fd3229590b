//! Cross-cutting tests of setpoll and the seeded generator of the golden
//! vectors in `tests/vectors/` (see `tests/vectors/README.md` for the format).
//!
//! [`generate`] builds every vector file in memory; the `gen-vectors` binary
//! writes them (or, with `--check`, compares them with the committed files),
//! and `tests/tests/vectors.rs` runs the committed files through the core.

pub mod gen;
pub mod script;
pub mod wycheproof;

use std::path::PathBuf;

use serde_json::Value;

/// One generated vector file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorFile {
    /// File name inside `tests/vectors/` (`request_parse.json`).
    pub name: String,
    /// The exact bytes to write: pretty JSON, 2-space indent, trailing newline.
    pub text: String,
}

/// Why generation failed (a bug in the generator or in the core).
#[derive(Debug)]
pub struct GenError(pub String);

impl core::fmt::Display for GenError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GenError {}

impl From<serde_json::Error> for GenError {
    fn from(e: serde_json::Error) -> Self {
        GenError(format!("JSON: {e}"))
    }
}

/// What a generator binary was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GenCommand {
    /// Write the files into this directory.
    Write(PathBuf),
    /// Compare the files in this directory with the generator's output.
    Check(PathBuf),
    /// Print the usage and stop.
    Help,
}

/// Parse a generator's arguments: `[--check] [--out DIR]`, with `dir` the
/// default directory.
///
/// # Errors
/// A message for an unknown argument or `--out` without a directory.
pub fn gen_command(
    mut args: impl Iterator<Item = String>,
    dir: PathBuf,
) -> Result<GenCommand, String> {
    let (mut check, mut dir) = (false, dir);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--out" => dir = PathBuf::from(args.next().ok_or("--out needs a directory")?),
            "-h" | "--help" => return Ok(GenCommand::Help),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(if check {
        GenCommand::Check(dir)
    } else {
        GenCommand::Write(dir)
    })
}

/// `tests/vectors/`, the directory of the committed vector files.
#[must_use]
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// The canonical text of a vector file: `serde_json`'s pretty printer (two
/// spaces, `": "` after names, members in insertion order, non-ASCII
/// characters written as UTF-8) followed by one newline.
///
/// # Errors
/// Only if serialisation fails, which a `Value` never does.
pub fn render(value: &Value) -> Result<String, GenError> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Every vector file, generated deterministically from fixed seeds.
///
/// # Errors
/// When the core refuses something the generator needs to succeed (for
/// example a key it generated), which means a bug.
pub fn generate() -> Result<Vec<VectorFile>, GenError> {
    let keys = gen::keys::Keys::generate()?;
    let files = [
        ("request_parse.json", gen::request::file()?),
        ("response_parse.json", gen::response::file()?),
        ("claims.json", gen::claims::file()?),
        ("claims_build.json", gen::claims::build_file()?),
        ("verify.json", gen::verify::file(&keys)?),
        ("sign.json", gen::sign::file(&keys)?),
        ("jwk.json", gen::jwk::jwk_file(&keys)?),
        ("jwks.json", gen::jwk::jwks_file(&keys)?),
        ("transmitter.json", gen::transmitter::file()?),
        ("receiver.json", gen::receiver::file(&keys)?),
        ("defaults.json", gen::defaults::file(&keys)?),
    ];
    files
        .into_iter()
        .map(|(name, value)| {
            Ok(VectorFile {
                name: name.to_owned(),
                text: render(&value)?,
            })
        })
        .collect()
}

/// Regenerate in memory and list the files that differ from `dir` (missing,
/// changed, or present in `dir` but no longer generated; `README.md` and
/// other non-JSON files are ignored).
///
/// # Errors
/// When generation fails or `dir` cannot be read.
pub fn stale_files(dir: &std::path::Path) -> Result<Vec<String>, GenError> {
    let files = generate()?;
    let mut stale = Vec::new();
    for f in &files {
        match std::fs::read(dir.join(&f.name)) {
            Ok(bytes) if bytes == f.text.as_bytes() => {}
            Ok(_) => stale.push(format!("{} (differs)", f.name)),
            Err(_) => stale.push(format!("{} (missing)", f.name)),
        }
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| GenError(format!("reading {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") && !files.iter().any(|f| f.name == name) {
            stale.push(format!("{name} (no longer generated)"));
        }
    }
    stale.sort();
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::{gen_command, GenCommand};
    use std::path::PathBuf;

    fn parse(args: &[&str]) -> Result<GenCommand, String> {
        gen_command(args.iter().map(|a| (*a).to_owned()), PathBuf::from("d"))
    }

    #[test]
    fn generator_arguments() {
        assert_eq!(parse(&[]), Ok(GenCommand::Write("d".into())));
        assert_eq!(parse(&["--check"]), Ok(GenCommand::Check("d".into())));
        assert_eq!(
            parse(&["--out", "x", "--check"]),
            Ok(GenCommand::Check("x".into()))
        );
        assert_eq!(parse(&["-h"]), Ok(GenCommand::Help));
        assert!(parse(&["--out"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }
}
