//! Errors of describing media, carrying the tool's own words where it failed.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("{tool} is not installed: install it with `apt-get install {package}`")]
    ToolMissing { tool: &'static str, package: &'static str },
    #[error("cannot start {tool}: {source}")]
    Spawn {
        tool: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{tool} took longer than {seconds} s on {path} and was stopped")]
    Timeout { tool: &'static str, seconds: u64, path: PathBuf },
    #[error("{path} is not readable media: {tool} says: {stderr}")]
    Unreadable { tool: &'static str, path: PathBuf, stderr: String },
    #[error("{path} is empty (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path} is not a media file (its bytes identify it as {format})")]
    NotMedia { path: PathBuf, format: &'static str },
    #[error("cannot understand ffprobe's output: {reason}")]
    Parse { reason: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl MediaError {
    /// A stable, kebab-case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ToolMissing { .. } => "tool-missing",
            Self::Spawn { .. } => "tool-failed",
            Self::Timeout { .. } => "tool-timeout",
            Self::Unreadable { .. } => "media-unreadable",
            Self::Empty { .. } => "empty-file",
            Self::NotMedia { .. } => "not-media",
            Self::Parse { .. } => "probe-output-invalid",
            Self::Read { .. } => "source-unreadable",
        }
    }
}
