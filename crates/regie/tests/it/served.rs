//! A real `regie serve` on a free loopback port, over its own data folder, and an HTTP client.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};

use serde_json::Value;
use ureq::Agent;

use crate::harness::TestRegie;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct Served {
    pub regie: TestRegie,
    pub base: String,
    child: Option<Child>,
    pub agent: Agent,
    /// How it was started, to start it again.
    workers: usize,
    environment: Vec<(String, String)>,
}

/// An answer: status, headers we look at, and the body.
pub struct Answer {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
    }

    /// The error code of a `{code, message}` answer.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

impl Served {
    /// Starts a server (no job worker, previews off) on `regie`'s data folder.
    pub fn start(regie: TestRegie) -> Self {
        Self::start_with_workers(regie, 0)
    }

    /// Starts a server running `workers` jobs at once.
    pub fn start_with_workers(regie: TestRegie, workers: usize) -> Self {
        Self::start_with_env(regie, workers, &[])
    }

    /// Starts a server with extra environment variables (limits, timeouts).
    pub fn start_with_env(regie: TestRegie, workers: usize, environment: &[(&str, &str)]) -> Self {
        let environment: Vec<(String, String)> =
            environment.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        let (child, base) = spawn(&regie, workers, &environment);
        let agent: Agent = Agent::config_builder().http_status_as_error(false).build().into();
        Self { regie, base, child: Some(child), agent, workers, environment }
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts the server again on the same data folder (on a new port).
    pub fn start_again(&mut self) {
        self.kill();
        let (child, base) = spawn(&self.regie, self.workers, &self.environment);
        self.child = Some(child);
        self.base = base;
    }

    /// The server's `host:port`, for raw TCP clients.
    pub fn address(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds a user with the test password through the CLI.
    pub fn add_user(&self, name: &str, role: &str) {
        let mut child = self
            .regie
            .command()
            .args(["users", "add", name, "--role", role, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
    }

    /// Logs in over the API and returns the bearer token.
    pub fn login(&self, name: &str) -> String {
        let answer = self.send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"username": name, "password": PASSWORD})),
        );
        assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
        answer.json()["token"].as_str().unwrap().to_owned()
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(token) = token {
            headers.push(("authorization".into(), format!("Bearer {token}")));
        }
        let bytes = body.map(|body| {
            headers.push(("content-type".into(), "application/json".into()));
            serde_json::to_vec(&body).unwrap()
        });
        self.raw(method, path, &headers, bytes)
    }

    pub fn get(&self, path: &str, token: &str) -> Answer {
        self.send("GET", path, Some(token), None)
    }

    /// Sends any request with the given headers and body bytes.
    pub fn raw(&self, method: &str, path: &str, headers: &[(String, String)], body: Option<Vec<u8>>) -> Answer {
        let mut request = ureq::http::Request::builder().method(method).uri(self.url(path));
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let mut response = match body {
            Some(bytes) => self.agent.run(request.body(bytes).unwrap()),
            None => self.agent.run(request.body(()).unwrap()),
        }
        .unwrap_or_else(|error| panic!("{method} {path}: {error}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap_or_default();
        Answer { status, headers, body }
    }

    /// Stops the server with SIGTERM and returns its exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        child.wait().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Ingests `fixture` into `collection` through the CLI (no previews) and returns the asset id.
pub fn ingest_into(regie: &TestRegie, fixture_path: &std::path::Path, collection: &str) -> String {
    let output = regie
        .command()
        .env("REGIE_JOBS_PREVIEWS_AT_INGEST", "0")
        .args(["ingest", "--json", "--collection", collection])
        .arg(fixture_path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    line["asset_id"].as_str().unwrap().to_owned()
}

/// Starts `regie serve` on a free loopback port and returns it with its base URL.
fn spawn(regie: &TestRegie, workers: usize, environment: &[(String, String)]) -> (Child, String) {
    let mut child = regie
        .command()
        .envs(environment.iter().map(|(name, value)| (name.as_str(), value.as_str())))
        .env("REGIE_JOBS_PREVIEWS_AT_INGEST", "0")
        .env("REGIE_JOBS_RETRY_BACKOFF_S", "1")
        .args(["serve", "--listen", "127.0.0.1:0", "--workers", &workers.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("regie serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected: {line:?}")).to_owned();
    (child, base)
}
