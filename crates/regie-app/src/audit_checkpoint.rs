//! Signed checkpoints of the audit trail (`regie audit checkpoint`, `audit verify --checkpoints`):
//! a Merkle tree head over every entry's seal, signed with the house's Ed25519 key and written
//! in the data folder and in folders outside it, with the public key beside them. Someone who can
//! rewrite the data folder (database, `audit.head`) cannot rewrite what a checkpoint covers
//! without its signature failing against the key kept elsewhere.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use regie_core::checkpoint::{Checkpoint, NoteVerifier, TreeBuilder};
use serde::Serialize;

use crate::{AppError, Regie};

/// The key's name in signatures.
const KEY_NAME: &str = "regie-audit";
/// The verifier key written beside the checkpoints of each folder.
pub const VERIFIER_FILE: &str = "audit-key.pub";
/// Entries read at once while building the tree.
const PAGE: u32 = 5_000;

/// What `audit checkpoint` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointReport {
    pub origin: String,
    pub size: u64,
    /// The tree head, base64 as in the checkpoint.
    pub root: String,
    /// The public key (`NAME+KEYID+KEY`) that checks it.
    pub verifier_key: String,
    pub written: Vec<String>,
}

/// One checkpoint file as `audit verify --checkpoints` found it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedCheckpoint {
    pub file: String,
    pub size: Option<u64>,
    /// `ok`, `bad-signature` (not signed by the key, or altered), `root-mismatch` (the entries it
    /// covers are not the ones signed), `entries-missing` (the trail is shorter than it).
    pub state: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckpointVerification {
    pub verifier_key: String,
    pub checkpoints: Vec<CheckedCheckpoint>,
    pub intact: bool,
}

impl Regie {
    /// Signs the tree head of the whole trail and writes it to `DATA/checkpoints/`, the
    /// configured folders and `extra` ones (each with the verifier key beside it).
    pub async fn audit_checkpoint(&self, extra: &[PathBuf]) -> Result<CheckpointReport, AppError> {
        let key = self.signing_key()?;
        let verifier = NoteVerifier::of(KEY_NAME, &key);
        let (origin, builder) = self.audit_tree(u64::MAX).await?;
        let checkpoint = Checkpoint { origin, size: builder.size(), root: builder.root() };
        let text = checkpoint.sign(KEY_NAME, &key);
        let mut folders = vec![self.settings.data_dir.join("checkpoints")];
        folders.extend(self.settings.audit.checkpoint_dirs.iter().cloned());
        folders.extend(extra.iter().cloned());
        let mut written = Vec::new();
        for folder in folders {
            write_verifier(&folder, &verifier)?;
            let path = folder.join(format!("{:012}.checkpoint", checkpoint.size));
            write_atomically(&path, text.as_bytes())?;
            written.push(path.display().to_string());
        }
        Ok(CheckpointReport {
            origin: checkpoint.origin.clone(),
            size: checkpoint.size,
            root: checkpoint.body().lines().nth(2).unwrap_or_default().to_owned(),
            verifier_key: verifier.encode(),
            written,
        })
    }

    /// Checks every checkpoint in `folder` with the verifier key (given, or the one beside them),
    /// then recomputes the tree head at each one's size from the trail as it is now.
    pub async fn verify_checkpoints(
        &self,
        folder: &Path,
        verifier_key: Option<&str>,
    ) -> Result<CheckpointVerification, AppError> {
        let key_text = match verifier_key {
            Some(key) if Path::new(key).is_file() => read_text(Path::new(key))?,
            Some(key) => key.to_owned(),
            None => read_text(&folder.join(VERIFIER_FILE))?,
        };
        let verifier = NoteVerifier::parse(&key_text)?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(|source| AppError::DataFolder { path: folder.to_owned(), source })?
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "checkpoint"))
            .collect();
        files.sort();
        let mut checked = Vec::new();
        let mut opened = Vec::new();
        for file in files {
            let text = read_text(&file)?;
            match Checkpoint::open(&text, &verifier) {
                Ok(checkpoint) => opened.push((file, checkpoint)),
                Err(error) => checked.push(CheckedCheckpoint {
                    file: file.display().to_string(),
                    size: None,
                    state: "bad-signature",
                    message: error.to_string(),
                }),
            }
        }
        opened.sort_by_key(|(_, checkpoint)| checkpoint.size);
        let largest = opened.last().map_or(0, |(_, checkpoint)| checkpoint.size);
        let roots = self.audit_roots(opened.iter().map(|(_, checkpoint)| checkpoint.size).collect(), largest).await?;
        for (file, checkpoint) in opened {
            let (state, message) = match roots.iter().find(|(size, _)| *size == checkpoint.size) {
                None => {
                    ("entries-missing", format!("the trail no longer has the {} entries it signed", checkpoint.size))
                }
                Some((_, root)) if *root == checkpoint.root => {
                    ("ok", format!("the first {} entries are the ones signed", checkpoint.size))
                }
                Some(_) => (
                    "root-mismatch",
                    format!(
                        "one of the first {} entries was altered, removed or inserted since it was signed",
                        checkpoint.size
                    ),
                ),
            };
            checked.push(CheckedCheckpoint {
                file: file.display().to_string(),
                size: Some(checkpoint.size),
                state,
                message,
            });
        }
        let intact = !checked.is_empty() && checked.iter().all(|checkpoint| checkpoint.state == "ok");
        Ok(CheckpointVerification { verifier_key: verifier.encode(), checkpoints: checked, intact })
    }

    /// Writes a checkpoint when `[audit] checkpoint_every` has passed since the last one and the
    /// trail grew; workers call it every minute.
    pub(crate) async fn checkpoint_if_due(&self) -> Result<(), AppError> {
        let Some(every) = self.settings.audit.checkpoint_every else { return Ok(()) };
        let folder = self.settings.data_dir.join("checkpoints");
        let newest = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.metadata().ok()?.modified().ok())
            .max();
        if newest.is_some_and(|time| time.elapsed().unwrap_or_default() < every) {
            return Ok(());
        }
        self.audit_checkpoint(&[]).await.map(|_| ())
    }

    /// The origin line and the tree over the first `limit` entries.
    async fn audit_tree(&self, limit: u64) -> Result<(String, TreeBuilder), AppError> {
        let mut builder = TreeBuilder::default();
        let mut origin = String::from("regie audit");
        let mut after = 0;
        'pages: loop {
            let page = self.db.audit_page(after, PAGE).await?;
            for entry in &page {
                if builder.size() >= limit {
                    break 'pages;
                }
                if entry.seq == 1 {
                    origin = format!("regie audit {}", &entry.hash[..entry.hash.len().min(16)]);
                }
                builder.push(entry.hash.as_bytes());
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = last.seq,
                _ => break,
            }
        }
        Ok((origin, builder))
    }

    /// The tree heads at each of `sizes`, in one walk of the trail up to `largest` entries.
    async fn audit_roots(&self, sizes: Vec<u64>, largest: u64) -> Result<Vec<(u64, [u8; 32])>, AppError> {
        let mut roots = Vec::new();
        let mut builder = TreeBuilder::default();
        let mut after = 0;
        'pages: loop {
            let page = self.db.audit_page(after, PAGE).await?;
            for entry in &page {
                if builder.size() >= largest {
                    break 'pages;
                }
                builder.push(entry.hash.as_bytes());
                if sizes.contains(&builder.size()) {
                    roots.push((builder.size(), builder.root()));
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = last.seq,
                _ => break,
            }
        }
        Ok(roots)
    }

    /// The signing key: `[audit] signing_key`, or `DATA/keys/audit-ed25519.key`, made on first use
    /// (32 random bytes, hex, readable by its owner only).
    fn signing_key(&self) -> Result<SigningKey, AppError> {
        let path = self
            .settings
            .audit
            .signing_key
            .clone()
            .unwrap_or_else(|| self.settings.data_dir.join("keys/audit-ed25519.key"));
        if !path.exists() {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|error| AppError::Internal(error.to_string()))?;
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)
                    .map_err(|source| AppError::DataFolder { path: folder.to_owned(), source })?;
            }
            write_atomically(&path, hex::encode(seed).as_bytes())?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|source| AppError::DataFolder { path: path.clone(), source })?;
        }
        let text = read_text(&path)?;
        let seed: [u8; 32] =
            hex::decode(text.trim()).ok().and_then(|bytes| bytes.try_into().ok()).ok_or_else(|| {
                AppError::Invalid(format!("{} is not an audit signing key (64 hex digits)", path.display()))
            })?;
        Ok(SigningKey::from_bytes(&seed))
    }
}

fn read_text(path: &Path) -> Result<String, AppError> {
    std::fs::read_to_string(path).map_err(|source| AppError::DataFolder { path: path.to_owned(), source })
}

/// Writes the verifier key beside the checkpoints; a folder holding another key's is refused.
fn write_verifier(folder: &Path, verifier: &NoteVerifier) -> Result<(), AppError> {
    std::fs::create_dir_all(folder).map_err(|source| AppError::DataFolder { path: folder.to_owned(), source })?;
    let path = folder.join(VERIFIER_FILE);
    let encoded = verifier.encode();
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing.trim() == encoded => Ok(()),
        Ok(_) => Err(AppError::Invalid(format!(
            "{} holds another key's checkpoints: give each signing key a folder of its own",
            folder.display()
        ))),
        Err(_) => write_atomically(&path, format!("{encoded}\n").as_bytes()),
    }
}

/// Temp file, fsync, rename, fsync of the folder.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Write;
    let folder = path.parent().unwrap_or(Path::new("."));
    let failed = |source: std::io::Error| AppError::DataFolder { path: path.to_owned(), source };
    let mut temporary = tempfile::NamedTempFile::new_in(folder).map_err(failed)?;
    temporary.write_all(bytes).map_err(failed)?;
    temporary.as_file().sync_all().map_err(failed)?;
    temporary.persist(path).map_err(|error| failed(error.error))?;
    std::fs::File::open(folder).and_then(|handle| handle.sync_all()).map_err(failed)
}
