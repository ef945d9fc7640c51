//! A headless Chromium driven over W3C WebDriver (Debian's `chromium` and
//! `chromedriver`, installed by `tests/cluster/build.sh`; a missing browser
//! fails the test, never skips it). A small client on std sockets: one
//! request per connection, JSON in and out.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::harness::repo_root;
use crate::harness::servers::build_env;

/// The WebDriver key code of Escape.
pub const ESCAPE: &str = "\u{E00C}";

fn binaries() -> &'static (PathBuf, PathBuf) {
    static BINS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BINS.get_or_init(|| {
        let mut env = build_env(&["chromium"]);
        (
            env.remove("CHROMIUM_BIN")
                .expect("build.sh --env chromium prints CHROMIUM_BIN"),
            env.remove("CHROMEDRIVER_BIN")
                .expect("build.sh --env chromium prints CHROMEDRIVER_BIN"),
        )
    })
}

/// Where screenshots go: `target/artefacts/page/`.
pub fn artefacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let dir = target.join("artefacts/page");
    std::fs::create_dir_all(&dir).expect("artefacts dir");
    dir
}

/// One browser session with its own chromedriver and profile; both end
/// when dropped.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.request("DELETE", &format!("/session/{}", self.session), None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Starts chromedriver on a port it picks (`--port=0`: it says which), so
/// concurrent tests never race for one. It binds the same port number on
/// IPv4 and IPv6 loopback and exits ("IPv6 port not available") when
/// the IPv6 one happens to be taken:
/// only then is it started again (at most three times); the browser and
/// the page under test are never retried.
fn chromedriver_on_free_port(chromedriver: &Path) -> (Child, u16) {
    let mut tried = String::new();
    for attempt in 1..=3 {
        let mut driver = Command::new(chromedriver)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", chromedriver.display()));
        let out = driver.stdout.take().expect("chromedriver stdout");
        let said = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let log = Arc::clone(&said);
        std::thread::spawn(move || {
            // Keep reading to the end so the pipe never fills.
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(mut l) = log.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
                if let Some(p) = line
                    .strip_prefix("ChromeDriver was started successfully on port ")
                    .and_then(|p| p.trim_end_matches('.').parse::<u16>().ok())
                {
                    let _ = tx.send(p);
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(port) => return (driver, port),
            Err(_) => {
                let _ = driver.kill();
                let status = driver.wait();
                tried.push_str(&format!(
                    "attempt {attempt}: {status:?}\n{}",
                    said.lock().map(|s| s.clone()).unwrap_or_default()
                ));
            }
        }
    }
    panic!("chromedriver did not start:\n{tried}");
}

impl Browser {
    /// Starts Chromium headless with a `width`×`height` window.
    pub fn start(width: u32, height: u32) -> Browser {
        let (chromium, chromedriver) = binaries();
        let (driver, port) = chromedriver_on_free_port(chromedriver);
        let profile = tempfile::tempdir().expect("profile dir");
        let mut b = Browser {
            driver,
            port,
            session: String::new(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(v) = b.request("GET", "/status", None)
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver never got ready");
            std::thread::sleep(Duration::from_millis(50));
        }
        let args = json!([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            format!("--user-data-dir={}", b._profile.path().display()),
            format!("--window-size={width},{height}"),
        ]);
        // Headless Chromium will not make a window narrower than 500 px;
        // device metrics set the viewport itself (a desktop page, no touch).
        let metrics = json!({"deviceMetrics": {
            "width": width, "height": height, "pixelRatio": 1.0, "mobile": false, "touch": false,
        }});
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args, "mobileEmulation": metrics},
        }}});
        let v = b
            .request("POST", "/session", Some(&caps))
            .unwrap_or_else(|e| panic!("new session: {e}"));
        b.session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id: {v}"))
            .to_string();
        b
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let body = body.map(Value::to_string).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.port,
            body.len()
        );
        s.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
        s.write_all(body.as_bytes()).map_err(|e| e.to_string())?;
        // chromedriver keeps the connection open whatever `Connection`
        // says: read exactly `Content-Length` bytes of body.
        let mut raw = Vec::new();
        let mut buf = [0u8; 64 * 1024];
        let (status, body) = loop {
            let n = s.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err(format!("{method} {path}: connection closed early"));
            }
            raw.extend_from_slice(&buf[..n]);
            let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| format!("{method} {path}: no content-length in {head}"))?;
            if raw.len() >= end + 4 + length {
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                break (
                    status,
                    String::from_utf8_lossy(&raw[end + 4..end + 4 + length]).into_owned(),
                );
            }
        };
        let v: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
        if status != 200 {
            return Err(format!("{method} {path}: {status} {v}"));
        }
        Ok(v)
    }

    /// A command of this session; its `value`. Panics on a WebDriver error.
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        match self.request(method, &path, body.as_ref()) {
            Ok(mut v) => v["value"].take(),
            Err(e) => panic!("{e}"),
        }
    }

    /// Loads `url`.
    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    /// The browser's Back button.
    pub fn back(&self) {
        self.cmd("POST", "/back", Some(json!({})));
    }

    /// The WebDriver id of the first element matching `css`.
    pub fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        // The element reference is the object's only value, whatever the
        // W3C key's spelling.
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    /// Clicks the first element matching `css` (as a user would: the
    /// driver scrolls it into view and refuses a hidden or covered one).
    pub fn click(&self, css: &str) {
        self.on_element(css, "click", json!({}));
    }

    /// Types `text` (WebDriver key codes allowed) into the element.
    pub fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, "value", json!({"text": text}));
    }

    /// Sends `action` to the first element matching `css`. The page
    /// rebuilds parts of itself as events arrive (the namespace options
    /// when another test's namespace appears, say): an element found just
    /// before that is stale, so it is looked up again, as a user would
    /// click what is on the screen now.
    fn on_element(&self, css: &str, action: &str, body: Value) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let id = self.find(css);
            let path = format!("/session/{}/element/{id}/{action}", self.session);
            match self.request("POST", &path, Some(&body)) {
                Ok(_) => return,
                Err(e) if e.contains("stale element reference") && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    /// Clears an input.
    pub fn clear(&self, css: &str) {
        self.on_element(css, "clear", json!({}));
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    pub fn js(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Runs `script` until it returns something other than null / false /
    /// empty; that value. Fails after 20 s naming `what` and the last value.
    pub fn wait(&self, what: &str, script: &str, args: Value) -> Value {
        self.wait_up_to(Duration::from_secs(20), what, script, args)
    }

    /// [`Browser::wait`] with a time limit of its own.
    pub fn wait_up_to(&self, limit: Duration, what: &str, script: &str, args: Value) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let v = self.js(script, args.clone());
            let done = match &v {
                Value::Null | Value::Bool(false) => false,
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => true,
            };
            if done {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "waited {limit:?} for {what}; last: {v}; page: {}",
                self.js("return document.body.innerText", json!([]))
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Saves a PNG of the viewport as `target/artefacts/page/NAME.png`.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let v = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 screenshot"))
            .expect("screenshot decodes");
        let path = artefacts().join(format!("{name}.png"));
        write(&path, &png);
        path
    }
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
