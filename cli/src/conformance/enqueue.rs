//! Making the bank under test queue SETs for a client: setpoll's
//! `POST /admin/events` contract (`--enqueue-url`, `--enqueue-token`) or any
//! shell command (`--enqueue-cmd 'template with {client} {n}'`).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::http::{self, Request, Url};

/// Longest an `--enqueue-cmd` run may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// How test SETs get queued.
#[derive(Clone, Debug)]
pub enum Enqueuer {
    /// `POST` one notification per SET to setpoll's admin contract.
    Admin {
        /// `--enqueue-url`.
        url: Url,
        /// `--enqueue-token`.
        token: String,
    },
    /// Run a shell command per batch, `{client}` and `{n}` substituted.
    Command(String),
}

impl Enqueuer {
    /// Whether the `jti`s of queued SETs are chosen here (the admin
    /// contract takes a `jti`); a command's SETs are recognised only by
    /// arriving.
    pub fn knows_jtis(&self) -> bool {
        matches!(self, Enqueuer::Admin { .. })
    }

    /// Queue `n` SETs for `client`, oldest first, and return the `jti`s
    /// chosen (`None` for a command).
    ///
    /// # Errors
    /// A message with the request and answer, or the command's output.
    pub fn enqueue(
        &self,
        client: &str,
        n: usize,
        tag: &str,
        timeout: Duration,
    ) -> Result<Vec<Option<String>>, String> {
        match self {
            Enqueuer::Admin { url, token } => {
                let mut jtis = Vec::with_capacity(n);
                for i in 0..n {
                    let jti = format!("{tag}-{i}");
                    let body = json!({
                        "clientId": client,
                        "jti": jti,
                        "sub": format!("https://aspsp.example/open-banking/v3.1/aisp/account-access-consents/{tag}"),
                        "txn": jti,
                        "events": {
                            "urn:uk:org:openbanking:events:resource-update": {
                                "subject": {
                                    "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
                                    "http://openbanking.org.uk/rid": tag,
                                    "http://openbanking.org.uk/rty": "account-access-consent",
                                    "http://openbanking.org.uk/rlk": [{
                                        "version": "v3.1",
                                        "link": format!("https://aspsp.example/open-banking/v3.1/aisp/account-access-consents/{tag}")
                                    }]
                                }
                            }
                        }
                    })
                    .to_string();
                    let request = Request::post_json(url, Some(token), &body);
                    let response = http::send(&request, timeout).map_err(|e| {
                        format!("--enqueue-url: {e}\n  request: {}", request.describe())
                    })?;
                    if !(200..300).contains(&response.status) {
                        return Err(format!(
                            "--enqueue-url answered {}\n  request: {}\n  response: {}",
                            response.status,
                            request.describe(),
                            response.describe()
                        ));
                    }
                    jtis.push(Some(jti));
                }
                Ok(jtis)
            }
            Enqueuer::Command(template) => {
                let line = template
                    .replace("{client}", &shell_quote(client))
                    .replace("{n}", &n.to_string());
                run_bounded(&line)?;
                Ok(vec![None; n])
            }
        }
    }
}

/// `s` as one single-quoted shell word.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Run `sh -c line`, killing it after [`COMMAND_TIMEOUT`].
fn run_bounded(line: &str) -> Result<(), String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(line)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("--enqueue-cmd: cannot start sh: {e}"))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < COMMAND_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "--enqueue-cmd did not finish within {} s: {line}",
                    COMMAND_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("--enqueue-cmd: {e}")),
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("--enqueue-cmd: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "--enqueue-cmd failed ({}): {line}\n  stderr: {}",
            out.status,
            http::cut(&out.stderr, 600)
        ))
    }
}
