//! The scorecard: one line per check as it finishes (with a progress count),
//! a summary table, and the JSON (`--report`) and JUnit XML (`--junit`)
//! files CI systems read.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How a check ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The peer did what the clause asks.
    Pass,
    /// It did not; the detail says what was sent, what came back and what was expected.
    Fail,
    /// The inputs given do not allow the check (the detail says which flag would).
    Skip,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "SKIP",
        }
    }
}

/// What a check is: a stable id, what it verifies, and the clause it tests.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CheckDef {
    /// Stable id (`ack-cross-client`), used in reports and by `--list`.
    pub id: &'static str,
    /// One line: what the peer must do.
    pub title: &'static str,
    /// The clause: OpenAPI file and schema/operation, RFC section, OBIE page.
    pub clause: &'static str,
    /// Whether a failure makes the run fail (`false`: recommended practice).
    pub required: bool,
}

/// A finished check.
#[derive(Clone, Debug)]
pub struct CheckResult {
    /// Which check.
    pub def: CheckDef,
    /// How it ended.
    pub outcome: Outcome,
    /// Why: the evidence on failure, the reason on skip, a short note on pass.
    pub detail: String,
    /// Wall time spent.
    pub duration: Duration,
}

/// Collects results and prints them as they come.
pub struct Scorecard {
    mode: &'static str,
    target: String,
    planned: usize,
    started: Instant,
    results: Vec<CheckResult>,
    out: Box<dyn std::io::Write>,
}

impl Scorecard {
    /// A scorecard for `planned` checks of `mode` against `target`, printing to `out`.
    pub fn new(
        mode: &'static str,
        target: String,
        planned: usize,
        out: Box<dyn std::io::Write>,
    ) -> Self {
        Scorecard {
            mode,
            target,
            planned,
            started: Instant::now(),
            results: Vec::new(),
            out,
        }
    }

    /// Print a line that is not a check (setup notes).
    pub fn note(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }

    /// Record and print one result.
    pub fn record(&mut self, result: CheckResult) {
        let n = self.results.len() + 1;
        let width = self.planned.max(n).to_string().len();
        let level = if result.def.required {
            ""
        } else {
            " (recommended)"
        };
        let _ = writeln!(
            self.out,
            "[{n:>width$}/{planned}] {label} {id}{level}: {title}  [{clause}]",
            planned = self.planned.max(n),
            label = result.outcome.label(),
            id = result.def.id,
            title = result.def.title,
            clause = result.def.clause,
        );
        if result.outcome != Outcome::Pass && !result.detail.is_empty() {
            for line in result.detail.lines() {
                let _ = writeln!(self.out, "        {line}");
            }
        }
        let _ = self.out.flush();
        self.results.push(result);
    }

    /// Whether every required check that ran passed (skips do not fail a run).
    pub fn ok(&self) -> bool {
        !self
            .results
            .iter()
            .any(|r| r.def.required && r.outcome == Outcome::Fail)
    }

    fn count(&self, required: bool, outcome: Outcome) -> usize {
        self.results
            .iter()
            .filter(|r| r.def.required == required && r.outcome == outcome)
            .count()
    }

    /// Print the summary table.
    pub fn summary(&mut self) {
        let rows = [("required", true), ("recommended", false)];
        let mut text = String::from("\n| checks | pass | fail | skip |\n|---|---|---|---|\n");
        for (name, required) in rows {
            text.push_str(&format!(
                "| {name} | {} | {} | {} |\n",
                self.count(required, Outcome::Pass),
                self.count(required, Outcome::Fail),
                self.count(required, Outcome::Skip)
            ));
        }
        let failed: Vec<&str> = self
            .results
            .iter()
            .filter(|r| r.outcome == Outcome::Fail)
            .map(|r| r.def.id)
            .collect();
        if !failed.is_empty() {
            text.push_str(&format!("\nfailed: {}\n", failed.join(", ")));
        }
        text.push_str(&format!(
            "\nsetpoll conformance {}: {} ({} checks in {:.1} s)",
            self.mode,
            if self.ok() {
                "PASSED (every required check passed)"
            } else {
                "FAILED (a required check failed)"
            },
            self.results.len(),
            self.started.elapsed().as_secs_f64()
        ));
        self.note(&text);
    }

    /// The JSON report.
    pub fn to_json(&self) -> Value {
        let checks: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                json!({
                    "id": r.def.id,
                    "title": r.def.title,
                    "clause": r.def.clause,
                    "required": r.def.required,
                    "outcome": r.outcome.label().to_ascii_lowercase(),
                    "detail": r.detail,
                    "durationMs": u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX),
                })
            })
            .collect();
        json!({
            "tool": "setpoll conformance",
            "toolVersion": env!("CARGO_PKG_VERSION"),
            "mode": self.mode,
            "target": self.target,
            "ok": self.ok(),
            "passed": self.results.iter().filter(|r| r.outcome == Outcome::Pass).count(),
            "failed": self.results.iter().filter(|r| r.outcome == Outcome::Fail).count(),
            "skipped": self.results.iter().filter(|r| r.outcome == Outcome::Skip).count(),
            "durationMs": u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "checks": checks,
        })
    }

    /// The JUnit XML report: one `testcase` per check; a failed recommended
    /// check is reported as skipped with its evidence, so it does not fail CI.
    pub fn to_junit(&self) -> String {
        let failures = self
            .results
            .iter()
            .filter(|r| r.outcome == Outcome::Fail && r.def.required)
            .count();
        let skipped = self.results.len()
            - failures
            - self
                .results
                .iter()
                .filter(|r| r.outcome == Outcome::Pass)
                .count();
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let suite = format!("setpoll conformance {}", self.mode);
        x.push_str(&format!(
            "<testsuites name=\"{n}\" tests=\"{t}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{s:.3}\">\n\
             <testsuite name=\"{n}\" tests=\"{t}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{s:.3}\">\n\
             <properties><property name=\"target\" value=\"{target}\"/></properties>\n",
            n = xml(&suite),
            t = self.results.len(),
            s = self.started.elapsed().as_secs_f64(),
            target = xml(&self.target),
        ));
        for r in &self.results {
            x.push_str(&format!(
                "<testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
                xml(&format!("conformance.{}", self.mode)),
                xml(&format!("{}: {} [{}]", r.def.id, r.def.title, r.def.clause)),
                r.duration.as_secs_f64()
            ));
            match (r.outcome, r.def.required) {
                (Outcome::Pass, _) => {}
                (Outcome::Fail, true) => x.push_str(&format!(
                    "<failure message=\"{}\">{}</failure>",
                    xml(r.detail.lines().next().unwrap_or("failed")),
                    xml(&r.detail)
                )),
                (Outcome::Fail, false) => x.push_str(&format!(
                    "<skipped message=\"{}\"/>",
                    xml(&format!("recommended check failed: {}", r.detail))
                )),
                (Outcome::Skip, _) => {
                    x.push_str(&format!("<skipped message=\"{}\"/>", xml(&r.detail)));
                }
            }
            x.push_str("</testcase>\n");
        }
        x.push_str("</testsuite>\n</testsuites>\n");
        x
    }

    /// Write the requested report files.
    ///
    /// # Errors
    /// A message naming the file that could not be written.
    pub fn write_files(&self, report: Option<&Path>, junit: Option<&Path>) -> Result<(), String> {
        if let Some(p) = report {
            let text = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default();
            std::fs::write(p, text + "\n").map_err(|e| format!("--report {}: {e}", p.display()))?;
        }
        if let Some(p) = junit {
            std::fs::write(p, self.to_junit())
                .map_err(|e| format!("--junit {}: {e}", p.display()))?;
        }
        Ok(())
    }
}

/// Escape text for an XML attribute or element; control characters XML 1.0
/// cannot carry become `?`.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEF: CheckDef = CheckDef {
        id: "x",
        title: "t <&>",
        clause: "c",
        required: true,
    };

    #[test]
    fn reports_count_and_escape() {
        let mut card = Scorecard::new("aspsp", "http://h/".into(), 2, Box::new(std::io::sink()));
        card.record(CheckResult {
            def: DEF,
            outcome: Outcome::Pass,
            detail: String::new(),
            duration: Duration::ZERO,
        });
        assert!(card.ok());
        card.record(CheckResult {
            def: CheckDef {
                required: false,
                ..DEF
            },
            outcome: Outcome::Fail,
            detail: "soft".into(),
            duration: Duration::ZERO,
        });
        assert!(card.ok(), "a recommended failure does not fail the run");
        card.record(CheckResult {
            def: DEF,
            outcome: Outcome::Fail,
            detail: "got \"500\"\nexpected 200".into(),
            duration: Duration::ZERO,
        });
        assert!(!card.ok());
        let j = card.to_json();
        assert_eq!(j.get("failed"), Some(&Value::from(2)));
        assert_eq!(j.get("ok"), Some(&Value::Bool(false)));
        let x = card.to_junit();
        assert!(x.contains("failures=\"1\""), "{x}");
        assert!(x.contains("skipped=\"1\""), "{x}");
        assert!(x.contains("t &lt;&amp;&gt;"), "{x}");
        assert!(x.contains("got &quot;500&quot;&#10;expected 200"), "{x}");
    }
}
