//! Bounded reads of stdin and files, with messages fit for stderr.

use std::io::Read as _;
use std::path::Path;

use crate::Failure;

/// Largest input read from stdin or a file, bytes. A SET or a JWK Set is a
/// few KiB; the bound keeps a mistaken pipe from exhausting memory.
pub(crate) const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

fn bounded(mut reader: impl std::io::Read, what: &str) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    reader
        .by_ref()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Failure::input(format!("reading {what}: {e}")))?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::input(format!(
            "{what}: larger than {MAX_INPUT_BYTES} bytes"
        )));
    }
    Ok(buf)
}

fn utf8(buf: Vec<u8>, what: &str) -> Result<String, Failure> {
    String::from_utf8(buf).map_err(|e| {
        Failure::input(format!(
            "{what}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// All of stdin as UTF-8 text.
pub(crate) fn read_stdin(what: &str) -> Result<String, Failure> {
    let what = format!("{what} on stdin");
    utf8(bounded(std::io::stdin().lock(), &what)?, &what)
}

/// A whole file as UTF-8 text.
pub(crate) fn read_file(path: &Path) -> Result<String, Failure> {
    let what = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::input(format!("cannot open {what}: {e}")))?;
    utf8(bounded(file, &what)?, &what)
}
