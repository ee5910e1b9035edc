//! Errors of describing media, carrying the tool's own words where it failed.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("{tool} is not installed: install it with `apt-get install {package}`")]
    ToolMissing { tool: &'static str, package: &'static str },
    #[error("{engine} is not installed at {path}: {how}")]
    EngineMissing { engine: &'static str, path: PathBuf, how: String },
    #[error("{engine} failed: {stderr}")]
    EngineFailed { engine: &'static str, stderr: String },
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
    #[error("{path} is not a regular file (a folder, device, pipe or socket): give a file")]
    NotRegularFile { path: PathBuf },
    #[error("{path} is empty (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path} is not a media file (its bytes identify it as {format})")]
    NotMedia { path: PathBuf, format: &'static str },
    #[error("cannot understand ffprobe's output: {reason}")]
    Parse { reason: String },
    #[error("{tool} failed: {stderr}")]
    Failed { tool: &'static str, path: PathBuf, stderr: String },
    #[error("the disk is full: {stderr}")]
    DiskFull { stderr: String },
    #[error("stopped: the job was cancelled")]
    Cancelled,
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
            Self::EngineMissing { .. } => "engine-missing",
            Self::EngineFailed { .. } => "engine-failed",
            Self::Spawn { .. } => "tool-failed",
            Self::Timeout { .. } => "tool-timeout",
            Self::Unreadable { .. } => "media-unreadable",
            Self::Empty { .. } => "empty-file",
            Self::NotRegularFile { .. } => "not-regular-file",
            Self::NotMedia { .. } => "not-media",
            Self::Parse { .. } => "probe-output-invalid",
            Self::Read { .. } => "source-unreadable",
            Self::Failed { .. } => "transcode-failed",
            Self::DiskFull { .. } => "disk-full",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn kind(&self) -> regie_core::ErrorKind {
        use regie_core::ErrorKind;
        match self {
            // A tool being installed or a slow moment of the machine: later may work.
            Self::ToolMissing { .. } | Self::EngineMissing { .. } | Self::Timeout { .. } => ErrorKind::Unavailable,
            Self::Spawn { .. } | Self::Parse { .. } => ErrorKind::Internal,
            Self::Unreadable { .. }
            | Self::Empty { .. }
            | Self::NotRegularFile { .. }
            | Self::NotMedia { .. }
            | Self::Read { .. } => ErrorKind::Invalid,
            Self::Failed { .. } | Self::EngineFailed { .. } | Self::Cancelled => ErrorKind::Failed,
            Self::DiskFull { .. } => ErrorKind::StorageFull,
        }
    }
}

impl MediaError {
    /// The same error told about `shown_path` instead of `actual_path`: ingest probes a staged
    /// copy, but the user must read the name of the file they gave.
    pub fn about(self, actual_path: &std::path::Path, shown_path: &std::path::Path) -> Self {
        let actual = actual_path.display().to_string();
        let shown = shown_path.display().to_string();
        let retell = |path: PathBuf| if path == actual_path { shown_path.to_owned() } else { path };
        match self {
            Self::Timeout { tool, seconds, path } => Self::Timeout { tool, seconds, path: retell(path) },
            Self::Unreadable { tool, path, stderr } => {
                let stderr = stderr.replace(&format!("file:{actual}"), &shown).replace(&actual, &shown);
                Self::Unreadable { tool, path: retell(path), stderr }
            }
            Self::Empty { path } => Self::Empty { path: retell(path) },
            Self::NotMedia { path, format } => Self::NotMedia { path: retell(path), format },
            Self::Read { path, source } => Self::Read { path: retell(path), source },
            other => other,
        }
    }
}
