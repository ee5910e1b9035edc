//! Uploads kept until their last byte arrives, then handed to ingest. The server's tus routes
//! speak the protocol; this use case keeps the uploads: who may open, continue or end one (checked
//! on every request, not only at creation), how many a user may hold open, whether the disk can
//! take the announced length, and a completion that survives a crash.
//!
//! An upload is `DATA/uploads/ID.json` (what is known of it) and `ID.part` (the bytes so far; its
//! size is the offset). Completion moves the bytes to `ID/FILENAME` (so the asset keeps its name),
//! ingests them and then records the asset in `ID.json`. A crash between those steps leaves the
//! landing file: the next request on the upload finishes the ingest.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use regie_core::CollectionPath;
use regie_core::access::Access;
use serde::{Deserialize, Serialize};

use crate::ingest::{FileOutcome, IngestObserver, IngestRequest, IngestStatus};
use crate::{AppError, Regie};

/// Bytes left free on the disk beyond an upload's announced length.
const FREE_SPACE_MARGIN: u64 = 64 << 20;

/// What is known of an upload besides its bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadInfo {
    pub id: String,
    pub length: u64,
    pub filename: String,
    pub collection: String,
    pub owner_id: String,
    pub created_at: String,
    /// Set once the upload is complete and ingested.
    pub asset_id: Option<String>,
    pub house_id: Option<String>,
    /// Set when the bytes were already catalogued where the owner may not read them: the upload
    /// is complete, nothing is revealed of the other asset, and a media manager decides.
    #[serde(default)]
    pub held: bool,
}

impl UploadInfo {
    pub fn is_finished(&self) -> bool {
        self.asset_id.is_some() || self.held
    }
}

/// A new upload, as the client announced it.
#[derive(Debug, Clone)]
pub struct NewUpload {
    /// A single safe file name (checked by the caller).
    pub filename: String,
    pub collection: CollectionPath,
    pub length: u64,
}

/// The limits a server puts on uploads.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_bytes: u64,
    /// Uploads one user may hold open (created, not yet complete).
    pub max_open: usize,
}

/// How a completed upload ended.
#[derive(Debug, Clone)]
pub enum Completion {
    Ingested {
        asset_id: String,
        house_id: String,
        duplicate: bool,
    },
    /// The content exists where the owner may not read it (see `UploadInfo::held`).
    Held,
    Failed {
        code: String,
        message: String,
    },
}

impl Regie {
    /// Bytes still free on the disk of the data folder.
    pub fn free_bytes(&self) -> Result<u64, AppError> {
        free_bytes(&self.settings.data_dir)
    }

    fn uploads_folder(&self) -> Result<PathBuf, AppError> {
        let folder = self.settings.data_dir.join("uploads");
        std::fs::create_dir_all(&folder).map_err(|source| AppError::DataFolder { path: folder.clone(), source })?;
        Ok(folder)
    }

    /// Where the bytes received so far are appended.
    pub fn upload_part_path(&self, id: &str) -> Result<PathBuf, AppError> {
        Ok(self.uploads_folder()?.join(format!("{id}.part")))
    }

    /// Opens a new upload for `owner_id` after checking the grant, the size, the free space and
    /// how many uploads the owner already holds open.
    pub async fn create_upload(
        &self,
        access: &Access,
        new: NewUpload,
        limits: UploadLimits,
    ) -> Result<UploadInfo, AppError> {
        self.check_may_ingest(access, &new.collection)?;
        if new.length > limits.max_bytes {
            return Err(AppError::TooLarge(format!(
                "{} bytes is more than this server accepts ({} bytes)",
                new.length, limits.max_bytes
            )));
        }
        let folder = self.uploads_folder()?;
        let free = free_bytes(&folder)?;
        if new.length.saturating_add(FREE_SPACE_MARGIN) > free {
            return Err(AppError::Storage(regie_storage::StorageError::DiskFull { path: PathBuf::from("uploads") }));
        }
        let open = self.open_uploads_of(&folder, &access.user_id).await;
        if open >= limits.max_open {
            return Err(AppError::TooLarge(format!(
                "you have {open} uploads open, the most allowed: finish or delete one first"
            )));
        }
        let id = uuid::Uuid::now_v7().simple().to_string();
        let info = UploadInfo {
            id: id.clone(),
            length: new.length,
            filename: new.filename,
            collection: new.collection.as_str().to_owned(),
            owner_id: access.user_id.clone(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            asset_id: None,
            house_id: None,
            held: false,
        };
        tokio::fs::File::create(folder.join(format!("{id}.part")))
            .await
            .map_err(|source| upload_io(&folder, source))?;
        write_info(&folder, &info).await?;
        Ok(info)
    }

    /// The upload `id` if `access` owns it (or administers) and may still ingest into its
    /// collection: an upload of someone else is "not found"; a withdrawn grant or a token without
    /// the ingest scope is "forbidden".
    pub async fn open_upload(&self, access: &Access, id: &str) -> Result<UploadInfo, AppError> {
        let missing = || AppError::NoSuchFile(format!("no upload {id}"));
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(missing());
        }
        let folder = self.uploads_folder()?;
        let Some(info) = read_info(&folder, id).await? else { return Err(missing()) };
        if info.owner_id != access.user_id && !access.is_admin() {
            return Err(missing());
        }
        let collection: CollectionPath = info.collection.parse()?;
        self.check_may_ingest(access, &collection)?;
        Ok(info)
    }

    /// Bytes received so far (the whole length once complete, or while its ingest is pending).
    pub async fn upload_offset(&self, info: &UploadInfo) -> Result<u64, AppError> {
        if info.is_finished() {
            return Ok(info.length);
        }
        let folder = self.uploads_folder()?;
        for path in [folder.join(format!("{}.part", info.id)), landing_file(&folder, info)] {
            if let Ok(metadata) = tokio::fs::metadata(&path).await {
                return Ok(metadata.len());
            }
        }
        Err(AppError::Internal(format!("upload {} has lost its bytes", info.id)))
    }

    /// Whether every byte is there but the ingest has not been recorded (the last PATCH was
    /// interrupted by a crash): the caller then completes it again.
    pub async fn upload_needs_completion(&self, info: &UploadInfo) -> Result<bool, AppError> {
        Ok(!info.is_finished() && info.length > 0 && self.upload_offset(info).await? == info.length)
    }

    /// Ingests a complete upload (moving its bytes to the landing file first, unless a crashed
    /// attempt already did) and records how it ended. `access` is the owner's: content already
    /// catalogued where they may not read it is held, not attached to that asset.
    pub async fn complete_upload(&self, access: &Access, mut info: UploadInfo) -> Result<Completion, AppError> {
        let folder = self.uploads_folder()?;
        let landing = landing_file(&folder, &info);
        let part = folder.join(format!("{}.part", info.id));
        if tokio::fs::try_exists(&part).await.unwrap_or(false) {
            let landing_folder = folder.join(&info.id);
            tokio::fs::create_dir_all(&landing_folder).await.map_err(|source| upload_io(&folder, source))?;
            tokio::fs::rename(&part, &landing).await.map_err(|source| upload_io(&folder, source))?;
        }
        let request = IngestRequest {
            paths: vec![landing.clone()],
            collection: info.collection.parse()?,
            tags: Vec::new(),
            owner_id: Some(info.owner_id.clone()),
            uploaded: true,
            visible_to: Some(access.clone()),
            watch: None,
            watch_rules: Vec::new(),
        };
        let observer = Arc::new(LastOutcome::default());
        self.ingest(request, Arc::clone(&observer) as Arc<dyn IngestObserver>).await?;
        let outcome = observer.0.lock().expect("outcome").take();
        let outcome = outcome.ok_or_else(|| AppError::Internal("the ingest reported nothing".to_owned()))?;
        let completion = match (outcome.status, outcome.asset_id) {
            (IngestStatus::Held, _) => {
                info.held = true;
                Completion::Held
            }
            (status, Some(asset_id)) => {
                let asset_id = asset_id.to_string();
                let house_id = match outcome.house_id {
                    Some(house_id) => house_id,
                    None => self.asset(&asset_id).await?.house_id,
                };
                info.asset_id = Some(asset_id.clone());
                info.house_id = Some(house_id.clone());
                Completion::Ingested { asset_id, house_id, duplicate: status == IngestStatus::Duplicate }
            }
            (_, None) => {
                // The bytes go back where they were, so the client sees the upload failed.
                let _ = tokio::fs::rename(&landing, &part).await;
                let _ = tokio::fs::remove_dir(folder.join(&info.id)).await;
                return Ok(Completion::Failed {
                    code: outcome.code.unwrap_or_else(|| "ingest-failed".to_owned()),
                    message: outcome.error.unwrap_or_else(|| "the file could not be ingested".to_owned()),
                });
            }
        };
        // The record first: once it says complete, the landing file is only a leftover.
        write_info(&folder, &info).await?;
        let _ = tokio::fs::remove_dir_all(folder.join(&info.id)).await;
        Ok(completion)
    }

    /// Removes an upload's files.
    pub async fn remove_upload(&self, id: &str) -> Result<(), AppError> {
        let folder = self.uploads_folder()?;
        for extension in ["part", "chunk", "json"] {
            let _ = tokio::fs::remove_file(folder.join(format!("{id}.{extension}"))).await;
        }
        let _ = tokio::fs::remove_dir_all(folder.join(id)).await;
        Ok(())
    }

    /// Uploads `owner_id` holds open. Bounded by the folder: abandoned uploads go after a week.
    async fn open_uploads_of(&self, folder: &Path, owner_id: &str) -> usize {
        let Ok(mut entries) = tokio::fs::read_dir(folder).await else { return 0 };
        let mut open = 0;
        while let Ok(Some(entry)) = entries.next_entry().await {
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(|name| name.strip_suffix(".json")) else { continue };
            if let Ok(Some(info)) = read_info(folder, id).await
                && info.owner_id == owner_id
                && !info.is_finished()
            {
                open += 1;
            }
        }
        open
    }
}

fn landing_file(folder: &Path, info: &UploadInfo) -> PathBuf {
    folder.join(&info.id).join(&info.filename)
}

async fn read_info(folder: &Path, id: &str) -> Result<Option<UploadInfo>, AppError> {
    let text = match tokio::fs::read_to_string(folder.join(format!("{id}.json"))).await {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(upload_io(folder, source)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|error| AppError::Internal(format!("upload {id} is unreadable: {error}")))
}

/// Writes the record atomically: a temporary file, synced, renamed over the old one.
async fn write_info(folder: &Path, info: &UploadInfo) -> Result<(), AppError> {
    use tokio::io::AsyncWriteExt;
    let text = serde_json::to_vec_pretty(info).map_err(|error| AppError::Internal(error.to_string()))?;
    let temporary = folder.join(format!("{}.json.tmp", info.id));
    let mut file = tokio::fs::File::create(&temporary).await.map_err(|source| upload_io(folder, source))?;
    file.write_all(&text).await.map_err(|source| upload_io(folder, source))?;
    file.sync_all().await.map_err(|source| upload_io(folder, source))?;
    tokio::fs::rename(&temporary, folder.join(format!("{}.json", info.id)))
        .await
        .map_err(|source| upload_io(folder, source))
}

/// An I/O failure in the uploads folder: a full disk is told as such.
fn upload_io(folder: &Path, source: std::io::Error) -> AppError {
    if regie_storage::is_disk_full(&source) {
        return AppError::Storage(regie_storage::StorageError::DiskFull { path: folder.to_owned() });
    }
    AppError::DataFolder { path: folder.to_owned(), source }
}

/// Bytes an unprivileged writer may still use on the disk holding `folder`.
pub(crate) fn free_bytes(folder: &Path) -> Result<u64, AppError> {
    let stats = rustix::fs::statvfs(folder)
        .map_err(|error| AppError::DataFolder { path: folder.to_owned(), source: error.into() })?;
    Ok(stats.f_bavail.saturating_mul(stats.f_frsize))
}

/// Keeps the outcome of the one file ingested.
#[derive(Default)]
struct LastOutcome(Mutex<Option<FileOutcome>>);

impl IngestObserver for LastOutcome {
    fn planned(&self, _files: u64, _bytes: u64) {}
    fn bytes_copied(&self, _bytes: u64) {}
    fn skipped(&self, _path: &Path, _reason: &str) {}
    fn file_done(&self, outcome: &FileOutcome) {
        *self.0.lock().expect("outcome") = Some(outcome.clone());
    }
}
