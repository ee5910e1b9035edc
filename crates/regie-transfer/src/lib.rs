//! Deliveries at the far end. A destination is a folder (a mounted share), an SFTP server or an
//! S3 bucket; every file is written under a temporary name beside its final one, read back there
//! and compared (size and POSIX `cksum` CRC, computed here from the bytes sent), and only then
//! renamed to its final name, so a receiver never sees a partial or damaged file under a final
//! name. An interrupted transfer resumes from what the far end already holds (or, for a bucket,
//! from the parts of its multipart upload recorded here).

mod bucket;
mod cksum;
mod error;
mod folder;
mod sftp;

use std::path::PathBuf;
use std::time::Duration;

use regie_core::destination::DestinationUrl;
use regie_media::ToolRunner;

pub use cksum::{Cksum, cksum_file};
pub use error::TransferError;

/// One file to deliver: where it is here and the name it gets there.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub local: PathBuf,
    /// The final file name at the destination (a plain name, no folders).
    pub name: String,
}

/// One file as delivered and checked at the far end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub name: String,
    /// Its path (or key) at the destination.
    pub path: String,
    pub size: u64,
    /// The POSIX `cksum` CRC of the bytes sent, equal to the far end's.
    pub cksum: u32,
    /// Bytes the far end already held from an interrupted attempt.
    pub resumed_from: u64,
}

/// How to reach a destination: credentials by reference, the pinned host key, limits.
#[derive(Debug, Clone)]
pub struct Access {
    /// The SSH private key (a path; the key itself is never stored by regie).
    pub identity: Option<PathBuf>,
    /// A known-hosts file holding the pinned host key; learnt there on first use when allowed.
    pub known_hosts: PathBuf,
    pub accept_new_host_key: bool,
    /// A bandwidth limit, kbit/s.
    pub limit_kbit_s: Option<u32>,
    /// S3 settings as `AWS_*` names and values (endpoint, region, keys read from the environment).
    pub s3_settings: Vec<(String, String)>,
    /// A folder of this machine for batch files and read-back copies.
    pub work_dir: PathBuf,
    /// A folder of this machine that outlives an attempt: where an S3 multipart upload records
    /// its parts, so the next attempt continues it.
    pub resume_dir: PathBuf,
    /// The longest a single step may take.
    pub timeout: Duration,
}

/// A destination ready to use.
#[derive(Debug, Clone)]
pub struct Destination {
    pub name: String,
    pub url: DestinationUrl,
    pub access: Access,
}

/// What `destinations test` found.
#[derive(Debug, Clone)]
pub struct ProbeReport {
    pub path: String,
    pub bytes: u64,
    pub write_ms: u64,
    pub read_back_ms: u64,
}

/// The temporary name a file travels under: hidden, tagged with the delivery, next to its final
/// name (so the rename stays inside one folder).
pub fn partial_name(name: &str, tag: &str) -> String {
    format!(".{name}.{tag}.part")
}

impl Destination {
    /// Sends `files` in order, each under its temporary name, verifies all of them at the far end,
    /// then renames them in order (put the manifest last: its arrival says the rest is complete).
    /// `tag` names this delivery's temporaries, so a second attempt (`resume`) continues what the
    /// first one left.
    pub async fn send(
        &self,
        runner: &ToolRunner,
        files: &[Outgoing],
        tag: &str,
        resume: bool,
    ) -> Result<Vec<Delivered>, TransferError> {
        match &self.url {
            DestinationUrl::File { path } => folder::send(self, path, files, tag).await,
            DestinationUrl::Sftp { .. } => sftp::send(self, runner, files, tag, resume).await,
            DestinationUrl::S3 { .. } => bucket::send(self, files, tag).await,
        }
    }

    /// Reads delivered files back at the far end and compares them with their receipt; the
    /// files that no longer match, with the reason.
    pub async fn recheck(
        &self,
        runner: &ToolRunner,
        delivered: &[Delivered],
    ) -> Result<Vec<(String, String)>, TransferError> {
        let found = match &self.url {
            DestinationUrl::File { .. } => folder::measure(self, delivered).await?,
            DestinationUrl::Sftp { .. } => sftp::measure(self, runner, delivered).await?,
            DestinationUrl::S3 { .. } => bucket::measure(self, delivered).await?,
        };
        Ok(delivered
            .iter()
            .zip(found)
            .filter_map(|(file, found)| mismatch(file, found).map(|reason| (file.path.clone(), reason)))
            .collect())
    }

    /// Writes a small probe file, reads it back and removes it.
    pub async fn probe(&self, runner: &ToolRunner) -> Result<ProbeReport, TransferError> {
        let name = format!("regie-probe-{}.tmp", uuid::Uuid::now_v7().simple());
        let local = self.access.work_dir.join(&name);
        let content: Vec<u8> = (0..65_536u32).map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        tokio::fs::write(&local, &content)
            .await
            .map_err(|source| TransferError::Read { path: local.display().to_string(), source })?;
        let started = std::time::Instant::now();
        let sent = self.send(runner, &[Outgoing { local: local.clone(), name }], "probe", false).await;
        let _ = tokio::fs::remove_file(&local).await;
        let sent = sent?;
        let write_ms = started.elapsed().as_millis() as u64;
        let started = std::time::Instant::now();
        let wrong = self.recheck(runner, &sent).await?;
        let read_back_ms = started.elapsed().as_millis() as u64;
        self.remove(runner, &sent[0].path).await?;
        if let Some((path, reason)) = wrong.into_iter().next() {
            return Err(TransferError::Mismatch { destination: self.name.clone(), path, reason });
        }
        Ok(ProbeReport { path: sent[0].path.clone(), bytes: content.len() as u64, write_ms, read_back_ms })
    }

    /// Removes one delivered file (the probe's).
    pub async fn remove(&self, runner: &ToolRunner, path: &str) -> Result<(), TransferError> {
        match &self.url {
            DestinationUrl::File { .. } => folder::remove(self, path).await,
            DestinationUrl::Sftp { .. } => sftp::remove(self, runner, path).await,
            DestinationUrl::S3 { .. } => bucket::remove(self, path).await,
        }
    }
}

/// What the far end holds of a file: its size and CRC, or nothing.
pub(crate) type Found = Option<(u64, u32)>;

fn mismatch(file: &Delivered, found: Found) -> Option<String> {
    match found {
        None => Some("it is missing".to_owned()),
        Some((size, _)) if size != file.size => Some(format!("{size} bytes where {} were delivered", file.size)),
        Some((_, cksum)) if cksum != file.cksum => {
            Some(format!("its checksum is {cksum} where {} was delivered: the bytes changed", file.cksum))
        }
        Some(_) => None,
    }
}

/// The destination path of `name` inside `folder` (`/` joined, no doubled slash).
pub(crate) fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else if folder.ends_with('/') {
        format!("{folder}{name}")
    } else {
        format!("{folder}/{name}")
    }
}
