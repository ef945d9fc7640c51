//! A `rudder serve` child process and a minimal HTTP/1.1 client for it
//! (std sockets: every request closes its connection; chunked bodies are
//! decoded; SSE is read line by line from its own thread).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{TestNs, Tool};

/// How long an operation may run before a test gives up on it: operations
/// wait for their pods to become ready, which on a loaded two-core machine
/// takes far longer than an answer from the server.
pub const OPERATION: Duration = Duration::from_secs(90);

/// How long an `-A` server may take to its first `synced`: its snapshot
/// reads the newest record of every release of the suite (hundreds, in
/// namespace order, on a loaded machine), far more than the 20 s a
/// reaction to one event gets.
pub const SNAPSHOT: Duration = Duration::from_secs(120);

/// A running `rudder serve`; killed when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The token.
    pub token: String,
    /// Everything the server wrote to stderr so far.
    pub stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Header lines, lower-cased names.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Server {
    /// Starts `rudder serve --listen 127.0.0.1:0 ARGS` in `ns` with `env`.
    pub fn start(ns: &TestNs, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Tool::Rudder.command();
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("HELM_NAMESPACE", &ns.name);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Server::spawn(cmd)
    }

    /// Starts `cmd`, a command that ends up running `rudder serve` (perhaps
    /// through a wrapper), and waits for the line naming its address.
    pub fn spawn(mut cmd: Command) -> Server {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn rudder serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.starts_with("rudder serve: ") {
                    let _ = tx.send(line.clone());
                }
                let mut l = sink.lock().expect("log");
                l.push_str(&line);
                l.push('\n');
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("rudder serve did not start: {}", log.lock().expect("log")));
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("URL in the start line");
        let rest = url.trim_start_matches("http://");
        let addr = rest.split('/').next().expect("addr").to_string();
        let token = rest
            .split_once("token=")
            .map(|(_, t)| t.to_string())
            .unwrap_or_default();
        Server {
            child,
            addr,
            token,
            stderr: log,
        }
    }

    /// A request with the token as a bearer header.
    pub fn get(&self, path: &str) -> Answer {
        let auth = format!("Bearer {}", self.token);
        self.raw("GET", path, &[("Authorization", &auth)], b"")
    }

    /// A JSON `POST` with the token and no `Origin` (a script).
    pub fn post(&self, path: &str, body: &Value) -> Answer {
        let auth = format!("Bearer {}", self.token);
        self.raw(
            "POST",
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }

    /// Any request, exactly as given.
    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).expect("write");
        // The server may answer (413) before reading the whole body and
        // close; a write error then is expected.
        let _ = s.write_all(body);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        parse(&raw)
    }

    /// Waits until `/metrics` mentions `needle`.
    pub fn wait_metrics(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let m = self.get("/metrics").body;
            if m.contains(needle) {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "metrics never showed {needle}:\n{m}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls an operation until it is no longer running (up to
    /// [`OPERATION`]).
    pub fn wait_operation(&self, id: &str) -> Value {
        let deadline = Instant::now() + OPERATION;
        loop {
            let op = self.get(&format!("/api/v1/operations/{id}")).json();
            if op["state"] != "running" {
                return op;
            }
            assert!(Instant::now() < deadline, "operation still running: {op}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// [`Server::wait_operation`] with extra headers (behind the proxy).
    pub fn wait_operation_as(&self, id: &str, headers: &[(&str, &str)]) -> Value {
        let deadline = Instant::now() + OPERATION;
        loop {
            let op = self
                .raw("GET", &format!("/api/v1/operations/{id}"), headers, b"")
                .json();
            if op["state"] != "running" {
                return op;
            }
            assert!(Instant::now() < deadline, "operation still running: {op}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Opens the event stream; events arrive on the receiver as
    /// `(id, event, data)`.
    pub fn events(&self, last_event_id: Option<&str>) -> mpsc::Receiver<(String, String, Value)> {
        self.events_as(last_event_id, &[])
    }

    /// [`Server::events`] with extra headers (behind the proxy).
    pub fn events_as(
        &self,
        last_event_id: Option<&str>,
        headers: &[(&str, &str)],
    ) -> mpsc::Receiver<(String, String, Value)> {
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        let mut head = format!(
            "GET /api/v1/events HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nAccept: text/event-stream\r\n",
            self.addr, self.token
        );
        if let Some(id) = last_event_id {
            head.push_str(&format!("Last-Event-ID: {id}\r\n"));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).expect("write");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(s);
            let mut line = String::new();
            // Headers.
            loop {
                line.clear();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            // Chunked body: size line, data, CRLF; SSE lines inside.
            let mut text = String::new();
            let (mut id, mut name, mut data) = (String::new(), String::new(), String::new());
            loop {
                line.clear();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let Ok(size) = usize::from_str_radix(line.trim(), 16) else {
                    return;
                };
                let mut chunk = vec![0u8; size + 2];
                if r.read_exact(&mut chunk).is_err() {
                    return;
                }
                text.push_str(&String::from_utf8_lossy(&chunk[..size]));
                while let Some(i) = text.find('\n') {
                    let l: String = text.drain(..=i).collect();
                    let l = l.trim_end_matches('\n');
                    if l.is_empty() {
                        if !name.is_empty() || !data.is_empty() {
                            let v = serde_json::from_str(&data).unwrap_or(Value::Null);
                            if tx.send((id.clone(), name.clone(), v)).is_err() {
                                return;
                            }
                        }
                        name.clear();
                        data.clear();
                        id.clear();
                    } else if let Some(v) = l.strip_prefix("id:") {
                        id = v.trim().to_string();
                    } else if let Some(v) = l.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = l.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
            }
        });
        rx
    }
}

fn parse(raw: &[u8]) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = i + 2;
        out.extend_from_slice(&b[start..(start + size).min(b.len())]);
        b = &b[(start + size + 2).min(b.len())..];
    }
    out
}
