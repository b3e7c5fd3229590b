//! Helpers shared by the integration tests: finding and reading the official
//! OpenAPI files (never copies of them).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

/// `shared/spec`: `$SETPOLL_SPEC_DIR`, else the first `shared/spec` found
/// walking up from this crate (a worktree and a CI clone both have one above).
pub fn spec_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("SETPOLL_SPEC_DIR") {
        return PathBuf::from(dir);
    }
    let mut here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = here.join("shared").join("spec");
        if candidate.join("openapi").is_dir() {
            return candidate;
        }
        assert!(
            here.pop(),
            "shared/spec/openapi not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
}

pub fn read_spec_file(rel: &str) -> String {
    let path = spec_dir().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// `components.schemas.<name>` of an OpenAPI file, as JSON.
pub fn schema(file: &str, name: &str) -> serde_json::Value {
    let doc: serde_yaml::Value = serde_yaml::from_str(&read_spec_file(&format!("openapi/{file}")))
        .unwrap_or_else(|e| panic!("parsing {file}: {e}"));
    let s = &doc["components"]["schemas"][name];
    assert!(!s.is_null(), "{file} has no schema {name}");
    serde_json::to_value(s).unwrap()
}

pub const POLLING_FILES: [&str; 3] = [
    "events-v3.1.11.yaml",
    "events-v4.0.yaml",
    "aggregated-polling-v3.1.2.yaml",
];
