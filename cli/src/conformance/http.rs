//! A small, bounded HTTP/1.1 client and server-side reader over `std::net`.
//!
//! The conformance kit needs byte-level control (raw bodies, any header,
//! dropped connections, slow answers) and hard bounds, not a general HTTP
//! stack: every request has a deadline, every read a size limit, and each
//! exchange uses one connection (`Connection: close`). Plain `http://` only:
//! put a TLS-terminating proxy in front of an `https://` endpoint.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Largest response (headers and body) read, bytes.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;
/// Largest request head the mock reads, bytes.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body the mock reads, bytes.
pub const MAX_REQUEST_BODY_BYTES: usize = 4 * 1024 * 1024;

/// An `http://host[:port]/path` URL the operator gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// Host as written (name or address).
    pub host: String,
    /// Port (80 when absent).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Url {
    /// Parse an operator-supplied URL.
    ///
    /// # Errors
    /// A message for anything but `http://host[:port][/path]`.
    pub fn parse(text: &str) -> Result<Url, String> {
        if text.starts_with("https://") {
            return Err(format!(
                "{text}: https is not supported by the conformance client; \
                 run it against a plain-HTTP listener or a local TLS-terminating proxy"
            ));
        }
        let rest = text
            .strip_prefix("http://")
            .ok_or_else(|| format!("{text}: not an http:// URL"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(format!("{text}: no usable host"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| format!("{text}: bad port {p:?}"))?;
                (h, port)
            }
            _ => (authority, 80),
        };
        if host.is_empty() || port == 0 {
            return Err(format!("{text}: no usable host"));
        }
        Ok(Url {
            host: host.to_owned(),
            port,
            path: path.to_owned(),
        })
    }

    /// `host:port`, for the `Host` header and messages.
    #[must_use]
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}:{}{}", self.host, self.port, self.path)
    }
}

/// One request to send.
#[derive(Clone, Debug)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// Where.
    pub url: Url,
    /// Extra headers (`Host`, `Content-Length` and `Connection` are added).
    pub headers: Vec<(String, String)>,
    /// The body, sent as is.
    pub body: Vec<u8>,
}

impl Request {
    /// A `POST` with a JSON body and a bearer token.
    #[must_use]
    pub fn post_json(url: &Url, token: Option<&str>, body: &str) -> Self {
        let mut headers = vec![(
            "Content-Type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        )];
        if let Some(t) = token {
            headers.push(("Authorization".to_owned(), format!("Bearer {t}")));
        }
        Request {
            method: "POST",
            url: url.clone(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    /// Replace (or add) a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Remove a header.
    #[must_use]
    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    /// A short text form for failure reports (body cut at 600 bytes).
    #[must_use]
    pub fn describe(&self) -> String {
        let mut s = format!("{} {}", self.method, self.url);
        for (n, v) in &self.headers {
            let v = if n.eq_ignore_ascii_case("authorization") {
                "Bearer <redacted>"
            } else {
                v
            };
            s.push_str(&format!("\n    {n}: {v}"));
        }
        if !self.body.is_empty() {
            s.push_str(&format!("\n    {}", cut(&self.body, 600)));
        }
        s
    }
}

/// A response read back.
#[derive(Clone, Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
    /// Time from connecting to the end of the body.
    pub elapsed: Duration,
}

impl Response {
    /// The first header of that name (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A short text form for failure reports (body cut at 600 bytes).
    #[must_use]
    pub fn describe(&self) -> String {
        let mut s = format!("{} ({} ms)", self.status, self.elapsed.as_millis());
        for (n, v) in &self.headers {
            s.push_str(&format!("\n    {n}: {v}"));
        }
        if !self.body.is_empty() {
            s.push_str(&format!("\n    {}", cut(&self.body, 600)));
        }
        s
    }
}

/// `bytes` as text, cut at `max` bytes on a character boundary.
#[must_use]
pub fn cut(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= max {
        return text.into_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &text[..end], bytes.len())
}

/// Why no response came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// The host name did not resolve or the connection was refused or timed out.
    Connect(String),
    /// The exchange failed or ran out of time after connecting.
    Io(String),
    /// The response is not HTTP/1.x or breaks its framing.
    Malformed(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Connect(m) => write!(f, "cannot connect: {m}"),
            HttpError::Io(m) => write!(f, "no complete response: {m}"),
            HttpError::Malformed(m) => write!(f, "malformed response: {m}"),
        }
    }
}

/// Send `request` and read the response within `timeout` (connect included).
///
/// # Errors
/// [`HttpError`] when no complete, well-framed response arrived in time.
pub fn send(request: &Request, timeout: Duration) -> Result<Response, HttpError> {
    let started = Instant::now();
    let deadline = started + timeout;
    let addrs: Vec<_> = (request.url.host.as_str(), request.url.port)
        .to_socket_addrs()
        .map_err(|e| HttpError::Connect(format!("{}: {e}", request.url.authority())))?
        .collect();
    let mut last = format!("{}: no address", request.url.authority());
    let mut stream = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    let mut stream = stream.ok_or(HttpError::Connect(last))?;
    let io = |e: std::io::Error| HttpError::Io(e.to_string());
    let _ = stream.set_nodelay(true);
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        request.method,
        request.url.path,
        request.url.authority(),
        request.body.len()
    );
    for (n, v) in &request.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut wire = head.into_bytes();
    wire.extend_from_slice(&request.body);
    stream
        .set_write_timeout(Some(remaining(deadline)?))
        .map_err(io)?;
    stream.write_all(&wire).map_err(io)?;
    let raw = read_until_close(&mut stream, deadline)?;
    let mut response = parse_response(&raw)?;
    response.elapsed = started.elapsed();
    Ok(response)
}

fn remaining(deadline: Instant) -> Result<Duration, HttpError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(HttpError::Io("timed out".into()))
    } else {
        Ok(left)
    }
}

fn read_until_close(stream: &mut TcpStream, deadline: Instant) -> Result<Vec<u8>, HttpError> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        stream
            .set_read_timeout(Some(remaining(deadline)?))
            .map_err(|e| HttpError::Io(e.to_string()))?;
        match stream.read(&mut buf) {
            Ok(0) => return Ok(raw),
            Ok(n) => {
                raw.extend_from_slice(buf.get(..n).unwrap_or_default());
                if raw.len() > MAX_RESPONSE_BYTES {
                    return Err(HttpError::Malformed(format!(
                        "larger than {MAX_RESPONSE_BYTES} bytes"
                    )));
                }
                // A complete Content-Length response ends the read even if
                // the peer keeps the connection open.
                if complete(&raw) {
                    return Ok(raw);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if raw.is_empty() => return Err(HttpError::Io(e.to_string())),
            Err(e) => {
                return Err(HttpError::Io(format!(
                    "{e} after {} bytes of response",
                    raw.len()
                )))
            }
        }
    }
}

/// Whether `raw` holds a full head and a `Content-Length` body.
fn complete(raw: &[u8]) -> bool {
    let Some(end) = find(raw, b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(raw.get(..end).unwrap_or_default());
    let len = head.lines().skip(1).find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    len.is_some_and(|len| raw.len() >= end + 4 + len)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &str) -> (Vec<&str>, Vec<(String, String)>) {
    let mut lines = head.split("\r\n");
    let first: Vec<&str> = lines.next().unwrap_or_default().splitn(3, ' ').collect();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    (first, headers)
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn parse_response(raw: &[u8]) -> Result<Response, HttpError> {
    let bad = |m: &str| HttpError::Malformed(m.to_owned());
    let end = find(raw, b"\r\n\r\n").ok_or_else(|| {
        if raw.is_empty() {
            HttpError::Io("the connection closed without a response".into())
        } else {
            bad("no end of headers")
        }
    })?;
    let head = std::str::from_utf8(raw.get(..end).unwrap_or_default())
        .map_err(|_| bad("headers are not UTF-8"))?;
    let (first, headers) = parse_head(head);
    if !first.first().is_some_and(|v| v.starts_with("HTTP/1.")) {
        return Err(bad("not an HTTP/1.x status line"));
    }
    let status = first
        .get(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("no status code"))?;
    let rest = raw.get(end + 4..).unwrap_or_default();
    let body = if header_of(&headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        dechunk(rest).ok_or_else(|| bad("broken chunked encoding"))?
    } else if let Some(len) = header_of(&headers, "content-length") {
        let len = len
            .parse::<usize>()
            .map_err(|_| bad("bad Content-Length"))?;
        rest.get(..len)
            .ok_or_else(|| bad("body shorter than Content-Length"))?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Response {
        status,
        headers,
        body,
        elapsed: Duration::ZERO,
    })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n")?;
        let size_text = std::str::from_utf8(rest.get(..line_end)?).ok()?;
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        rest = rest.get(line_end + 2..)?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// A request the mock ASPSP read from a poller.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// Method.
    pub method: String,
    /// Path (query removed).
    pub path: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Incoming {
    /// The first header of that name (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }
}

/// Read one request (head and `Content-Length` body) from `stream`, within
/// `timeout`, bounded in size.
///
/// # Errors
/// A message when the request is incomplete, too large or not HTTP/1.x.
pub fn read_request(stream: &mut TcpStream, timeout: Duration) -> Result<Incoming, String> {
    let deadline = Instant::now() + timeout;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let end = loop {
        if let Some(end) = find(&raw, b"\r\n\r\n") {
            break end;
        }
        if raw.len() > MAX_HEAD_BYTES {
            return Err("request head too large".into());
        }
        let left = remaining(deadline).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        match stream.read(&mut buf) {
            Ok(0) => return Err("connection closed before a full request".into()),
            Ok(n) => raw.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    };
    let head = std::str::from_utf8(raw.get(..end).unwrap_or_default())
        .map_err(|_| "request head is not UTF-8".to_owned())?
        .to_owned();
    let (first, headers) = parse_head(&head);
    let method = first.first().copied().unwrap_or_default().to_owned();
    let target = first.get(1).copied().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let len = match header_of(&headers, "content-length") {
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| "bad Content-Length".to_owned())?,
        None if header_of(&headers, "transfer-encoding").is_some() => {
            return Err("chunked request bodies are not read; send Content-Length".into())
        }
        None => 0,
    };
    if len > MAX_REQUEST_BODY_BYTES {
        return Err(format!("request body of {len} bytes is too large"));
    }
    let mut body = raw.get(end + 4..).unwrap_or_default().to_vec();
    while body.len() < len {
        let left = remaining(deadline).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        match stream.read(&mut buf) {
            Ok(0) => return Err("connection closed inside the body".into()),
            Ok(n) => body.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    body.truncate(len);
    Ok(Incoming {
        method,
        path,
        headers,
        body,
    })
}

/// Write a complete response and close the write side.
pub fn write_response(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
) {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut wire = head.into_bytes();
    wire.extend_from_slice(body);
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let _ = stream.write_all(&wire);
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("http://127.0.0.1:8080/open-banking/v3.1/events").unwrap_or_else(|e| {
            unreachable!("{e}");
        });
        assert_eq!(u.port, 8080);
        assert_eq!(u.path, "/open-banking/v3.1/events");
        assert_eq!(Url::parse("http://bank.example").map(|u| u.port), Ok(80));
        assert!(Url::parse("https://bank.example/events").is_err());
        assert!(Url::parse("ftp://x").is_err());
        assert!(Url::parse("http://:80/").is_err());
        assert!(Url::parse("http://h:99999/").is_err());
    }

    #[test]
    fn responses_are_framed() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let r = parse_response(raw).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(r.body, b"abcde");
        let raw = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}";
        assert!(complete(raw));
        assert_eq!(parse_response(raw).map(|r| r.status), Ok(201));
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}").is_err());
    }
}
