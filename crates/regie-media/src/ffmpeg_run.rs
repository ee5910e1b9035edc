//! Long ffmpeg runs (transcodes, proxies): progress read from `-progress pipe:1`, turned into a
//! percentage and an ETA; a timeout; cancellation that kills the process; all of stderr kept for
//! the job log, its last lines for the error.

use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::sync::watch;

use crate::MediaError;
use crate::runner::{FFMPEG, ToolRunner, spawn, stderr_tail};

/// At most this much of stderr is kept for the log.
const STDERR_KEPT: usize = 64 * 1024;

/// The start and the end of a long text, at most [`STDERR_KEPT`] bytes in all.
#[derive(Default)]
struct BoundedText {
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    dropped: bool,
}

impl BoundedText {
    fn push(&mut self, bytes: &[u8]) {
        let half = STDERR_KEPT / 2;
        let room = half.saturating_sub(self.head.len()).min(bytes.len());
        self.head.extend_from_slice(&bytes[..room]);
        for byte in &bytes[room..] {
            if self.tail.len() == half {
                self.tail.pop_front();
                self.dropped = true;
            }
            self.tail.push_back(*byte);
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        let mut bytes = self.head;
        if self.dropped {
            bytes.extend_from_slice(b"\n[...]\n");
        }
        bytes.extend(self.tail);
        bytes
    }
}

/// How far a run has got.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunProgress {
    /// 0 to 100.
    pub percent: f64,
    pub eta_seconds: Option<f64>,
    /// Times real time (ffmpeg's `speed`).
    pub speed: Option<f64>,
}

/// One ffmpeg run. The arguments must not carry `-progress`: the runner adds it.
pub struct FfmpegRun<'a> {
    pub arguments: Vec<OsString>,
    /// The duration of what is processed, for the percentage.
    pub duration_s: f64,
    pub timeout: Duration,
    /// What the run is about, for errors.
    pub subject: &'a Path,
    pub on_progress: &'a (dyn Fn(RunProgress) + Send + Sync),
    /// Becomes `true` when the run must stop.
    pub cancel: watch::Receiver<bool>,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct FfmpegReport {
    /// ffmpeg's stderr (warnings), bounded.
    pub stderr: String,
    pub elapsed: Duration,
}

impl ToolRunner {
    /// Runs ffmpeg to completion, or until cancelled or out of time (the process is killed).
    pub async fn run_ffmpeg(&self, run: FfmpegRun<'_>) -> Result<FfmpegReport, MediaError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let mut arguments: Vec<OsString> =
            ["-nostdin", "-hide_banner", "-nostats", "-progress", "pipe:1"].into_iter().map(OsString::from).collect();
        arguments.extend(run.arguments);
        let started = Instant::now();
        let mut child = spawn(FFMPEG, &arguments)?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let collect_stderr = tokio::spawn(async move {
            // The first and the last lines matter (the command's setup, then its summary or
            // error): what lies between is dropped beyond the bound, and the pipe kept drained.
            let mut kept = BoundedText::default();
            let mut chunk = vec![0u8; 8192];
            while let Ok(read) = stderr.read(&mut chunk).await {
                if read == 0 {
                    break;
                }
                kept.push(&chunk[..read]);
            }
            kept.into_bytes()
        });
        let duration = run.duration_s;
        let on_progress = run.on_progress;
        let read_progress = async {
            let mut lines = BufReader::new(stdout).lines();
            let mut out_time = 0.0;
            let mut speed = None;
            while let Ok(Some(line)) = lines.next_line().await {
                let Some((key, value)) = line.split_once('=') else { continue };
                match key {
                    "out_time_us" | "out_time_ms" => {
                        // Both keys are in microseconds (ffmpeg's `out_time_ms` is misnamed).
                        if let Ok(micros) = value.trim().parse::<i64>() {
                            out_time = micros.max(0) as f64 / 1e6;
                        }
                    }
                    "speed" => speed = value.trim().trim_end_matches('x').parse::<f64>().ok(),
                    "progress" => on_progress(progress_at(out_time, duration, started.elapsed(), speed)),
                    _ => {}
                }
            }
        };
        let mut cancel = run.cancel;
        let waited = tokio::time::timeout(run.timeout, async {
            let ((), status) = tokio::join!(read_progress, async {
                tokio::select! {
                    status = child.wait() => Some(status),
                    () = cancelled(&mut cancel) => None,
                }
            });
            status
        })
        .await;
        let outcome = match waited {
            Err(_) => {
                let _ = child.kill().await;
                Err(MediaError::Timeout {
                    tool: FFMPEG.program,
                    seconds: run.timeout.as_secs(),
                    path: run.subject.to_owned(),
                })
            }
            Ok(None) => {
                let _ = child.kill().await;
                Err(MediaError::Cancelled)
            }
            Ok(Some(status)) => Ok(status.map_err(|source| MediaError::Spawn { tool: FFMPEG.program, source })?),
        };
        let stderr_bytes = collect_stderr.await.unwrap_or_default();
        let status = outcome?;
        let stderr = String::from_utf8_lossy(&stderr_bytes).into_owned();
        if !status.success() {
            let words = stderr_tail(&stderr_bytes);
            if stderr.contains("No space left on device") {
                return Err(MediaError::DiskFull { stderr: words });
            }
            return Err(MediaError::Failed { tool: FFMPEG.program, path: run.subject.to_owned(), stderr: words });
        }
        Ok(FfmpegReport { stderr, elapsed: started.elapsed() })
    }
}

/// Resolves when the cancel flag becomes true; never when its sender is gone without it.
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow_and_update() {
            return;
        }
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Percentage and ETA from ffmpeg's output time, the total and the time spent so far.
fn progress_at(out_time: f64, duration: f64, elapsed: Duration, speed: Option<f64>) -> RunProgress {
    let fraction = if duration > 0.0 { (out_time / duration).clamp(0.0, 1.0) } else { 0.0 };
    let eta_seconds = (fraction > 0.0).then(|| elapsed.as_secs_f64() * (1.0 - fraction) / fraction);
    RunProgress { percent: fraction * 100.0, eta_seconds, speed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_a_percentage_of_the_duration_with_an_eta_from_the_pace() {
        let progress = progress_at(2.5, 10.0, Duration::from_secs(1), Some(2.5));
        assert_eq!(progress.percent, 25.0);
        assert_eq!(progress.eta_seconds, Some(3.0));
        let start = progress_at(0.0, 10.0, Duration::from_secs(1), None);
        assert_eq!((start.percent, start.eta_seconds), (0.0, None));
        assert_eq!(progress_at(12.0, 10.0, Duration::from_secs(4), None).percent, 100.0);
    }

    #[test]
    fn a_long_stderr_keeps_its_start_and_its_end() {
        let mut short = BoundedText::default();
        short.push(b"Input #0\n");
        short.push(b"PSNR average:40\n");
        assert_eq!(short.into_bytes(), b"Input #0\nPSNR average:40\n");
        let mut long = BoundedText::default();
        long.push(b"Input #0 head\n");
        for _ in 0..20_000 {
            long.push(b"Opening 'chunk.m4s' for reading\n");
        }
        long.push(b"PSNR average:40\n");
        let text = String::from_utf8(long.into_bytes()).unwrap();
        assert!(text.len() <= STDERR_KEPT + 8, "{}", text.len());
        assert!(text.starts_with("Input #0 head\n") && text.ends_with("PSNR average:40\n"));
        assert!(text.contains("\n[...]\n"));
    }
}
