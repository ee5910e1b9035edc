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

/// What a finished tool printed.
pub(crate) struct ToolOutput {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub success: bool,
}

/// Starts tools with a shared concurrency limit and timeout.
#[derive(Debug, Clone)]
pub struct ToolRunner {
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl ToolRunner {
    pub fn new(max_concurrent: usize, timeout: Duration) -> Self {
        Self { permits: Arc::new(Semaphore::new(max_concurrent.max(1))), timeout }
    }

    #[allow(clippy::disallowed_methods)] // this is the one place allowed to start processes
    pub(crate) async fn run(
        &self,
        tool: Tool,
        arguments: Vec<OsString>,
        subject: &Path,
    ) -> Result<ToolOutput, MediaError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let child = tokio::process::Command::new(tool.program)
            .args(&arguments)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| match source.kind() {
                ErrorKind::NotFound => MediaError::ToolMissing { tool: tool.program, package: tool.package },
                _ => MediaError::Spawn { tool: tool.program, source },
            })?;
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| MediaError::Timeout {
                tool: tool.program,
                seconds: self.timeout.as_secs(),
                path: subject.to_owned(),
            })?
            .map_err(|source| MediaError::Spawn { tool: tool.program, source })?;
        Ok(ToolOutput { stdout: output.stdout, stderr: stderr_tail(&output.stderr), success: output.status.success() })
    }
}

/// The last lines of stderr, where tools say what went wrong; bounded so errors stay readable.
fn stderr_tail(stderr: &[u8]) -> String {
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
