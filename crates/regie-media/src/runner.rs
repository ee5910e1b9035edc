//! Runs external tools: an argument vector and no shell, stdin closed, a timeout, the child killed
//! if the future is dropped, at most a fixed number at once, and stderr kept for the error.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::MediaError;

/// A tool as the runner knows it: its program name and the Debian package that installs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tool {
    pub program: &'static str,
    pub package: &'static str,
}

pub(crate) const FFPROBE: Tool = Tool { program: "ffprobe", package: "ffmpeg" };
pub(crate) const FFMPEG: Tool = Tool { program: "ffmpeg", package: "ffmpeg" };

/// Size of the chunks a streaming run hands on.
const STREAM_CHUNK: usize = 256 * 1024;

/// What a finished tool printed.
pub(crate) struct ToolOutput {
    pub stdout: Vec<u8>,
    /// The last lines of stderr, for errors.
    pub stderr: String,
    /// All of stderr, for tools that report results there (ffmpeg's detection filters).
    pub stderr_full: String,
    pub success: bool,
    /// The exit status, when the tool exited rather than being killed.
    pub status_code: Option<i32>,
}

/// Starts tools with a shared concurrency limit and timeout.
#[derive(Debug, Clone)]
pub struct ToolRunner {
    pub(crate) permits: Arc<Semaphore>,
    timeout: Duration,
}

impl ToolRunner {
    pub fn new(max_concurrent: usize, timeout: Duration) -> Self {
        Self { permits: Arc::new(Semaphore::new(max_concurrent.max(1))), timeout }
    }

    pub(crate) async fn run(
        &self,
        tool: Tool,
        arguments: Vec<OsString>,
        subject: &Path,
    ) -> Result<ToolOutput, MediaError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let child = spawn(tool, &arguments)?;
        self.finish(child, tool.program, subject).await
    }

    /// Runs a program found at a configured path (an engine installed beside regie, not a
    /// Debian tool): `missing` is the error when nothing is there.
    pub(crate) async fn run_program(
        &self,
        program: &Path,
        name: &'static str,
        arguments: Vec<OsString>,
        subject: &Path,
        missing: impl FnOnce() -> MediaError,
    ) -> Result<ToolOutput, MediaError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let child = spawn_program(program.as_os_str(), &arguments).map_err(|source| match source.kind() {
            ErrorKind::NotFound | ErrorKind::PermissionDenied => missing(),
            _ => MediaError::Spawn { tool: name, source },
        })?;
        self.finish(child, name, subject).await
    }

    async fn finish(
        &self,
        child: tokio::process::Child,
        name: &'static str,
        subject: &Path,
    ) -> Result<ToolOutput, MediaError> {
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| MediaError::Timeout { tool: name, seconds: self.timeout.as_secs(), path: subject.to_owned() })?
            .map_err(|source| MediaError::Spawn { tool: name, source })?;
        Ok(ToolOutput {
            stdout: output.stdout,
            stderr: stderr_tail(&output.stderr),
            stderr_full: String::from_utf8_lossy(&output.stderr).into_owned(),
            success: output.status.success(),
            status_code: output.status.code(),
        })
    }
}

impl ToolRunner {
    /// The first line `ffmpeg -version` and `ffprobe -version` print, each; a missing tool is
    /// `ToolMissing`, naming the package to install.
    pub async fn tool_versions(&self) -> Result<Vec<String>, MediaError> {
        let mut versions = Vec::new();
        for tool in [FFMPEG, FFPROBE] {
            let output = self.run(tool, vec!["-version".into()], Path::new(tool.program)).await?;
            let text = String::from_utf8_lossy(&output.stdout);
            versions.push(text.lines().next().unwrap_or(tool.program).to_owned());
        }
        Ok(versions)
    }

    /// Runs a tool whose stdout is a stream (decoded PCM, say): each chunk goes to `sink` as it
    /// arrives, stderr is kept for the error, and the whole run is bounded by the timeout.
    /// Returns whether the tool succeeded and its stderr tail.
    pub(crate) async fn run_streaming(
        &self,
        tool: Tool,
        arguments: Vec<OsString>,
        subject: &Path,
        sink: std::sync::mpsc::SyncSender<Vec<u8>>,
    ) -> Result<ToolOutput, MediaError> {
        use tokio::io::AsyncReadExt;
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let mut child = spawn(tool, &arguments)?;
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let collect_stderr = tokio::spawn(async move {
            let mut text = Vec::new();
            let _ = stderr.read_to_end(&mut text).await;
            text
        });
        let pump = async {
            loop {
                let mut chunk = vec![0u8; STREAM_CHUNK];
                let read =
                    stdout.read(&mut chunk).await.map_err(|source| MediaError::Spawn { tool: tool.program, source })?;
                if read == 0 {
                    break;
                }
                chunk.truncate(read);
                let sink = sink.clone();
                // The consumer runs on its own thread; a full channel must not block the runtime.
                let delivered = tokio::task::spawn_blocking(move || sink.send(chunk).is_ok()).await.unwrap_or(false);
                if !delivered {
                    break;
                }
            }
            child.wait().await.map_err(|source| MediaError::Spawn { tool: tool.program, source })
        };
        let status = tokio::time::timeout(self.timeout, pump).await.map_err(|_| MediaError::Timeout {
            tool: tool.program,
            seconds: self.timeout.as_secs(),
            path: subject.to_owned(),
        })??;
        let stderr = collect_stderr.await.unwrap_or_default();
        Ok(ToolOutput {
            stdout: Vec::new(),
            stderr: stderr_tail(&stderr),
            stderr_full: String::from_utf8_lossy(&stderr).into_owned(),
            success: status.success(),
            status_code: status.code(),
        })
    }
}

/// Starts `tool`: no shell, stdin closed, stdout and stderr piped, killed if dropped.
pub(crate) fn spawn(tool: Tool, arguments: &[OsString]) -> Result<tokio::process::Child, MediaError> {
    spawn_program(std::ffi::OsStr::new(tool.program), arguments).map_err(|source| match source.kind() {
        ErrorKind::NotFound => MediaError::ToolMissing { tool: tool.program, package: tool.package },
        _ => MediaError::Spawn { tool: tool.program, source },
    })
}

#[allow(clippy::disallowed_methods)] // this is the one place allowed to start processes
fn spawn_program(program: &std::ffi::OsStr, arguments: &[OsString]) -> std::io::Result<tokio::process::Child> {
    tokio::process::Command::new(program)
        .args(arguments)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
}

/// Starts a program that stays running and answers requests on its stdin (the embedding engine):
/// no shell, stdin, stdout and stderr piped, killed if dropped.
#[allow(clippy::disallowed_methods)] // this is the one place allowed to start processes
pub(crate) fn spawn_conversation(program: &Path, arguments: &[OsString]) -> std::io::Result<tokio::process::Child> {
    tokio::process::Command::new(program)
        .args(arguments)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
}

/// A file path as an ffmpeg/ffprobe input or output: `file:` keeps a name starting with `-`
/// from reading as an option, and stops protocol prefixes in names from being interpreted.
pub(crate) fn file_argument(path: &Path) -> OsString {
    let mut argument = OsString::from("file:");
    argument.push(path.as_os_str());
    argument
}

/// The last lines of stderr, where tools say what went wrong; bounded so errors stay readable.
pub(crate) fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|line| !line.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(5)..];
    tail.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_tail_keeps_the_last_five_non_empty_lines() {
        let stderr = b"1\n2\n\n3\n4\n5\n6\n7\n";
        assert_eq!(stderr_tail(stderr), "3; 4; 5; 6; 7");
    }
}
