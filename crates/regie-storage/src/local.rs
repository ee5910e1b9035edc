//! The local-folder blob store: `blobs/ab/<blake3>` for content (`blobs/ab/cd/<blake3>` in stores
//! made before that layout, see [`Layout`]), `tmp/` for writes in progress (copies being
//! staged in `tmp/0` to `tmp/7`, a folder per staging thread).

use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use regie_core::format::SNIFF_LEN;
use regie_core::{Blake3Hex, Checksums};
use tempfile::TempPath;

use crate::StorageError;
use crate::hashing::{HashOptions, HasherSet};
use crate::layout::Layout;
use crate::s3::{BlobStream, S3Blobs};
use crate::writeback::{flush_file_system, start_writeback};

/// Read size of the copy loop: large enough for full-speed sequential I/O.
const CHUNK_LEN: usize = 1 << 20;
/// How much is written before asking the kernel to start flushing it.
const WRITEBACK_EVERY: u64 = 16 << 20;
/// Small blobs uploaded side by side to a bucket.
const UPLOADS_AT_ONCE: usize = 8;
/// Batches up to this many copies are flushed file by file; larger ones with one `syncfs`.
const FSYNC_EACH_UP_TO: usize = 4;

/// Folders that staged copies are spread over, inside `tmp/`. A file system makes the files of
/// one folder one at a time (the folder is locked meanwhile), and ext4 may search long for a
/// free inode while it holds that lock (it passes over those freed in the last minutes): copies
/// staged by several threads at once each take a folder of their own.
const STAGING_FOLDERS: usize = 8;

/// The next staging folder handed to a thread that stages its first copy.
static NEXT_STAGING_FOLDER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

thread_local! {
    /// The copy buffer of files hashed on the copying thread (up to `CHUNK_LEN`).
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// This thread's staging folder (`tmp/N`).
    static STAGING_FOLDER: usize =
        NEXT_STAGING_FOLDER.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % STAGING_FOLDERS;
}

/// A content-addressed store: blobs in a local folder, or in an S3 bucket with the local folder
/// kept for copies being staged and for local copies handed to tools.
#[derive(Debug, Clone)]
pub struct BlobStore {
    pub(crate) root: PathBuf,
    pub(crate) remote: Option<S3Blobs>,
    /// How the folder names its blobs (a bucket always has two levels, see `s3.rs`).
    layout: Layout,
    /// Whether the folder's `layout` file is written (before its first blob).
    layout_written: Arc<std::sync::atomic::AtomicBool>,
    /// Blob folders known to exist: staging makes each once per process, not once per copy.
    folders_made: Arc<std::sync::Mutex<std::collections::HashSet<PathBuf>>>,
}

/// A blob as a local file for a tool that needs one (ffmpeg): the stored file itself in a local
/// store, a fetched copy from a bucket, removed when this is dropped.
#[derive(Debug)]
pub struct LocalBlob {
    path: PathBuf,
    _fetched: Option<tempfile::TempPath>,
}

impl LocalBlob {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::ops::Deref for LocalBlob {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

/// A copy that is complete in the temporary folder, with its checksums, waiting to be committed
/// under its content address. Dropping it removes the temporary file.
#[derive(Debug)]
pub struct StagedBlob {
    /// Closed once written: a batch of thousands holds no file descriptors.
    temp: TempPath,
    /// Already on disk (fsync'd); otherwise the commit flushes it, with the rest of its batch.
    flushed: bool,
    pub checksums: Checksums,
    /// The first bytes of the content, for format identification without a second read.
    pub head: Vec<u8>,
}

impl StagedBlob {
    /// Where the staged copy can be read (for probing) before it is committed.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Puts the copy's bytes on disk (fsync).
    fn flush(&mut self) -> Result<(), StorageError> {
        File::open(&self.temp)
            .and_then(|file| file.sync_all())
            .map_err(|error| StorageError::write(&self.temp, error))?;
        self.flushed = true;
        Ok(())
    }
}

impl BlobStore {
    /// Opens (and creates when missing) a store rooted at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let root = root.into();
        // Absolute once: a relative root would be resolved against the working folder for
        // every temporary file.
        let root = std::path::absolute(&root).unwrap_or(root);
        fs::create_dir_all(&root).map_err(|error| StorageError::write(&root, error))?;
        // Decided before `blobs/` is made: a folder without blobs yet takes the current layout.
        let (layout, written) = Layout::of(&root)?;
        for folder in [root.join("blobs"), root.join("tmp")] {
            fs::create_dir_all(&folder).map_err(|error| StorageError::write(&folder, error))?;
        }
        Ok(Self { root, remote: None, layout, layout_written: Arc::new(written.into()), folders_made: Arc::default() })
    }

    /// Keeps the blobs in `remote`; the folder at `root` only stages copies.
    pub fn with_remote(mut self, remote: S3Blobs) -> Self {
        self.remote = Some(remote);
        self
    }

    /// Where blobs are kept, for messages: the bucket's URL or the folder.
    pub fn location(&self) -> String {
        match &self.remote {
            Some(remote) => remote.url().to_owned(),
            None => self.root.join("blobs").display().to_string(),
        }
    }

    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// Makes a staged copy a stored blob: renamed into the folder, or uploaded to the bucket (the
    /// staged copy is removed once the object exists).
    pub async fn store(&self, staged: StagedBlob) -> Result<(), StorageError> {
        match &self.remote {
            Some(remote) => {
                remote.put_file(&staged.checksums.blake3, staged.path(), staged.checksums.size).await?;
                drop(staged);
                Ok(())
            }
            None => {
                let store = self.clone();
                tokio::task::spawn_blocking(move || store.commit(staged).map(|_| ()))
                    .await
                    .map_err(|_| StorageError::HasherFailed)?
            }
        }
    }

    /// Stores a batch of staged copies: one flush for the whole batch in a folder, uploads (a few
    /// at a time) to a bucket.
    pub async fn store_all(&self, staged: Vec<StagedBlob>) -> Result<(), StorageError> {
        match &self.remote {
            Some(remote) => {
                use futures::StreamExt;
                let uploads = futures::stream::iter(staged.into_iter().map(|blob| async move {
                    remote.put_file(&blob.checksums.blake3, blob.path(), blob.checksums.size).await
                }))
                .buffer_unordered(UPLOADS_AT_ONCE)
                .collect::<Vec<_>>()
                .await;
                uploads.into_iter().collect()
            }
            None => {
                let store = self.clone();
                tokio::task::spawn_blocking(move || store.commit_all(staged).map(|_| ()))
                    .await
                    .map_err(|_| StorageError::HasherFailed)?
            }
        }
    }

    /// The blob as a local file, fetched into `tmp/` from a bucket.
    pub async fn local_copy(&self, blake3: &Blake3Hex) -> Result<LocalBlob, StorageError> {
        let Some(remote) = &self.remote else {
            let path = self.blob_path(blake3);
            if !path.is_file() {
                return Err(StorageError::BlobMissing { blake3: blake3.to_string() });
            }
            return Ok(LocalBlob { path, _fetched: None });
        };
        let folder = self.root.join("tmp");
        let fetched = tempfile::Builder::new()
            .prefix("fetch-")
            .tempfile_in(&folder)
            .map_err(|error| StorageError::write(&folder, error))?
            .into_temp_path();
        remote.download(blake3, &fetched).await?;
        Ok(LocalBlob { path: fetched.to_path_buf(), _fetched: Some(fetched) })
    }

    /// The bytes `range` of a stored blob as a stream (the caller has checked the range against
    /// the size), read from the folder or the bucket without holding it whole.
    pub async fn read_range(
        &self,
        blake3: &Blake3Hex,
        range: std::ops::Range<u64>,
    ) -> Result<BlobStream, StorageError> {
        if let Some(remote) = &self.remote {
            return remote.read_range(blake3, range).await;
        }
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let path = self.blob_path(blake3);
        let mut file = tokio::fs::File::open(&path).await.map_err(|error| match error.kind() {
            ErrorKind::NotFound => StorageError::BlobMissing { blake3: blake3.to_string() },
            _ => StorageError::read(&path, error),
        })?;
        file.seek(std::io::SeekFrom::Start(range.start)).await.map_err(|error| StorageError::read(&path, error))?;
        let reader = file.take(range.end.saturating_sub(range.start));
        let stream = futures::stream::unfold(Some((reader, path)), |state| async move {
            let (mut reader, path) = state?;
            let mut chunk = vec![0u8; 256 * 1024];
            match reader.read(&mut chunk).await {
                Ok(0) => None,
                Ok(read) => {
                    chunk.truncate(read);
                    Some((Ok(bytes::Bytes::from(chunk)), Some((reader, path))))
                }
                // The error ends the stream.
                Err(error) => Some((Err(StorageError::read(&path, error)), None)),
            }
        });
        Ok(Box::pin(stream))
    }

    /// A URL that reads the blob from the bucket without credentials for `expires_in`; `None` for
    /// a store in a folder (read through regie itself).
    pub async fn presign(
        &self,
        blake3: &Blake3Hex,
        expires_in: std::time::Duration,
    ) -> Result<Option<String>, StorageError> {
        match &self.remote {
            Some(remote) => remote.presign(blake3, expires_in).await.map(Some),
            None => Ok(None),
        }
    }

    /// The blob's size, or `None` when it is not stored.
    pub async fn size(&self, blake3: &Blake3Hex) -> Result<Option<u64>, StorageError> {
        match &self.remote {
            Some(remote) => remote.size(blake3).await,
            None => Ok(fs::metadata(self.blob_path(blake3)).ok().map(|metadata| metadata.len())),
        }
    }

    /// Every stored blob, by content address. In a bucket, which processes on other machines
    /// write too, only blobs written over an hour ago: a blob just uploaded may be waiting for its
    /// catalogue row, which that machine writes next.
    pub async fn list_blobs(&self) -> Result<Vec<Blake3Hex>, StorageError> {
        match &self.remote {
            Some(remote) => {
                let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
                remote.list(Some(now - 3600)).await
            }
            None => {
                let store = self.clone();
                tokio::task::spawn_blocking(move || store.list()).await.map_err(|_| StorageError::HasherFailed)?
            }
        }
    }

    /// Deletes one blob; its size, or `None` when it was not there.
    pub async fn remove_blob(&self, blake3: &Blake3Hex) -> Result<Option<u64>, StorageError> {
        match &self.remote {
            Some(remote) => remote.remove(blake3).await,
            None => self.remove(blake3),
        }
    }

    /// Reads a stored blob in full: true when its content still matches its address.
    pub async fn verify_blob(&self, blake3: &Blake3Hex) -> Result<bool, StorageError> {
        match &self.remote {
            Some(remote) => remote.verify(blake3).await,
            None => {
                let (store, blake3) = (self.clone(), blake3.clone());
                tokio::task::spawn_blocking(move || store.verify(&blake3))
                    .await
                    .map_err(|_| StorageError::HasherFailed)?
            }
        }
    }

    /// Whether the store answers: the folder exists, or the bucket lists with these credentials.
    pub async fn check(&self) -> Result<(), StorageError> {
        match &self.remote {
            Some(remote) => remote.check().await,
            None => fs::metadata(self.root.join("blobs"))
                .map(|_| ())
                .map_err(|error| StorageError::write(&self.root, error)),
        }
    }

    pub fn blob_path(&self, blake3: &Blake3Hex) -> PathBuf {
        self.layout.path(&self.root.join("blobs"), blake3.as_str())
    }

    /// Copies `source` into the temporary folder while computing every checksum in the same pass,
    /// and flushes the copy to disk.
    /// Fails with `SourceChanged` when the source's size or modification time moved meanwhile.
    /// `on_progress` is told how many bytes each chunk added.
    pub fn stage(
        &self,
        source: &Path,
        options: HashOptions,
        on_progress: &dyn Fn(u64),
    ) -> Result<StagedBlob, StorageError> {
        let mut staged = self.stage_unflushed(source, options, on_progress)?;
        staged.flush()?;
        Ok(staged)
    }

    /// Stages as [`BlobStore::stage`] does but leaves the flush to [`BlobStore::store_all`], which
    /// flushes a whole batch of copies at once (thousands of small files pay one flush, not one
    /// each). Until then the copy may not survive a crash; nothing names it yet.
    pub fn stage_unflushed(
        &self,
        source: &Path,
        options: HashOptions,
        on_progress: &dyn Fn(u64),
    ) -> Result<StagedBlob, StorageError> {
        let file = File::open(source).map_err(|error| StorageError::read(source, error))?;
        let before = fingerprint(&file).map_err(|error| StorageError::read(source, error))?;
        // Read no further than the size seen at the start, so a file still being written cannot
        // keep the copy going forever; the fingerprint check below then reports the change.
        let mut input = file.take(before.0);
        let temp_folder = self.staging_folder()?;
        // Read-only from the start, as a stored blob is: no change of mode at the commit.
        let mut temp = tempfile::Builder::new()
            .prefix("ingest-")
            .permissions(fs::Permissions::from_mode(0o444))
            .tempfile_in(&temp_folder)
            .map_err(|error| StorageError::write(&temp_folder, error))?;
        let mut hashers = HasherSet::start(options, before.0);
        let mut head = Vec::new();
        let mut size = 0u64;
        let mut flushed = 0u64;
        loop {
            // No bigger than what is left to read: a small file costs no megabyte of zeroes.
            let left = before.0.saturating_sub(size).clamp(1, CHUNK_LEN as u64) as usize;
            let mut took = |chunk: &[u8], hashers: &mut HasherSet| -> Result<(), StorageError> {
                if head.len() < SNIFF_LEN {
                    head.extend_from_slice(&chunk[..(SNIFF_LEN - head.len()).min(chunk.len())]);
                }
                if let HasherSet::Inline(inline) = hashers {
                    inline.feed(chunk);
                }
                temp.write_all(chunk).map_err(|error| StorageError::write(temp.path(), error))?;
                size += chunk.len() as u64;
                on_progress(chunk.len() as u64);
                if size - flushed >= WRITEBACK_EVERY {
                    start_writeback(temp.as_file(), flushed, size - flushed);
                    flushed = size;
                }
                Ok(())
            };
            let read = if let HasherSet::Threads(threads) = &hashers {
                // Hasher threads share each chunk: a new one every time.
                let mut chunk = vec![0u8; left];
                let read = read_full(&mut input, &mut chunk).map_err(|error| StorageError::read(source, error))?;
                chunk.truncate(read);
                let chunk = Arc::new(chunk);
                threads.feed(&chunk)?;
                took(&chunk, &mut hashers)?;
                read
            } else {
                // Hashed here: the thread's own buffer, reused from file to file (thousands of
                // small files allocate and fault in no new memory each).
                SCRATCH.with_borrow_mut(|buffer| {
                    if buffer.len() < left {
                        buffer.resize(left, 0);
                    }
                    let read = read_full(&mut input, &mut buffer[..left])
                        .map_err(|error| StorageError::read(source, error))?;
                    took(&buffer[..read], &mut hashers)?;
                    Ok::<_, StorageError>(read)
                })?
            };
            if read == 0 {
                break;
            }
        }
        let digests = hashers.finish()?;
        let after = fingerprint(input.get_ref()).map_err(|error| StorageError::read(source, error))?;
        if !source.exists() {
            return Err(StorageError::SourceVanished { path: source.to_owned() });
        }
        if before != after || after.0 != size {
            return Err(StorageError::SourceChanged { path: source.to_owned() });
        }
        let checksums = Checksums { md5: digests.md5, blake3: digests.blake3, sha256: digests.sha256, size };
        if self.remote.is_none() {
            // The blob's folder made here, on the staging thread, leaves the commit (one at a
            // time for a whole batch) only renames.
            self.make_folder_once(self.blob_path(&checksums.blake3).parent().expect("blob paths have a parent"))?;
        }
        Ok(StagedBlob { temp: temp.into_temp_path(), flushed: false, checksums, head })
    }

    /// The calling thread's folder for staged copies (made once per process).
    fn staging_folder(&self) -> Result<PathBuf, StorageError> {
        let folder = self.root.join("tmp").join(STAGING_FOLDER.with(|slot| slot.to_string()));
        self.make_folder_once(&folder)?;
        Ok(folder)
    }

    /// Makes `folder` unless this process made it already.
    fn make_folder_once(&self, folder: &Path) -> Result<(), StorageError> {
        if !self.folders_made.lock().expect("folders lock").contains(folder) {
            fs::create_dir_all(folder).map_err(|error| StorageError::write(folder, error))?;
            self.folders_made.lock().expect("folders lock").insert(folder.to_owned());
        }
        Ok(())
    }

    /// Moves a staged copy to its content address (read-only) and makes the rename durable.
    /// When identical content is already stored, the staged copy is simply dropped.
    pub fn commit(&self, staged: StagedBlob) -> Result<PathBuf, StorageError> {
        let mut targets = self.commit_all(vec![staged])?;
        Ok(targets.remove(0))
    }

    /// Commits a batch of staged copies: their data flushed, then each renamed to its content
    /// address, then the renames flushed, so a blob is never named before its bytes are on disk.
    /// A batch of more than a few copies is flushed with one `syncfs` of the store's file system
    /// instead of one fsync per file and per folder.
    pub fn commit_all(&self, staged: Vec<StagedBlob>) -> Result<Vec<PathBuf>, StorageError> {
        self.before_storing()?;
        let mut targets = Vec::with_capacity(staged.len());
        // Content already stored (or twice in the batch) needs no flush: its copy is dropped.
        let mut to_rename: Vec<(PathBuf, StagedBlob)> = Vec::new();
        let mut renaming = std::collections::HashSet::new();
        for blob in staged {
            let target = self.blob_path(&blob.checksums.blake3);
            if !target.is_file() && renaming.insert(target.clone()) {
                to_rename.push((target.clone(), blob));
            }
            targets.push(target);
        }
        let whole_file_system = to_rename.len() > FSYNC_EACH_UP_TO;
        if whole_file_system && to_rename.iter().any(|(_, blob)| !blob.flushed) {
            flush_file_system(&self.root)?;
        } else {
            for (_, blob) in to_rename.iter_mut().filter(|(_, blob)| !blob.flushed) {
                blob.flush()?;
            }
        }
        let mut folders = std::collections::BTreeSet::new();
        for (target, blob) in to_rename {
            let folder = target.parent().expect("blob paths have a parent");
            // Staging made the folder; should it have gone since (a clean-up), it is made again.
            let temp = match blob.temp.persist(&target) {
                Err(error) if error.error.kind() == std::io::ErrorKind::NotFound => error.path,
                Err(error) => return Err(StorageError::write(&target, error.error)),
                Ok(()) => {
                    folders.insert(folder.to_owned());
                    continue;
                }
            };
            fs::create_dir_all(folder).map_err(|error| StorageError::write(folder, error))?;
            temp.persist(&target).map_err(|error| StorageError::write(&target, error.error))?;
            folders.insert(folder.to_owned());
        }
        if whole_file_system {
            flush_file_system(&self.root)?;
        } else {
            for folder in &folders {
                sync_folder(folder)?;
            }
        }
        Ok(targets)
    }

    /// Writes the folder's `layout` file before its first blob (once per process).
    pub(crate) fn before_storing(&self) -> Result<(), StorageError> {
        if !self.layout_written.load(std::sync::atomic::Ordering::Acquire) {
            self.layout.write(&self.root)?;
            self.layout_written.store(true, std::sync::atomic::Ordering::Release);
        }
        Ok(())
    }

    /// Every blob in the store, by content address.
    pub fn list(&self) -> Result<Vec<Blake3Hex>, StorageError> {
        let mut found = Vec::new();
        let blobs = self.root.join("blobs");
        let mut folders = vec![blobs];
        for _ in 0..self.layout.depth() {
            let mut below = Vec::new();
            for folder in folders {
                below.extend(read_folder(&folder)?);
            }
            folders = below;
        }
        for folder in folders {
            for blob in read_folder(&folder)? {
                let name = blob.file_name().and_then(|name| name.to_str()).unwrap_or_default();
                if let Ok(digest) = Blake3Hex::parse(name) {
                    found.push(digest);
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// Deletes one blob; returns its size, or `None` when it was not there.
    pub fn remove(&self, blake3: &Blake3Hex) -> Result<Option<u64>, StorageError> {
        let path = self.blob_path(blake3);
        let size = match fs::metadata(&path) {
            Ok(metadata) => metadata.len(),
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(StorageError::write(&path, error)),
        };
        fs::remove_file(&path).map_err(|error| StorageError::write(&path, error))?;
        Ok(Some(size))
    }

    /// Recomputes a stored blob's BLAKE3: true when the content still matches its address.
    pub fn verify(&self, blake3: &Blake3Hex) -> Result<bool, StorageError> {
        let path = self.blob_path(blake3);
        let mut hasher = blake3::Hasher::new();
        hasher
            .update_reader(File::open(&path).map_err(|error| StorageError::read(&path, error))?)
            .map_err(|error| StorageError::read(&path, error))?;
        Ok(hasher.finalize().to_hex().as_str() == blake3.as_str())
    }

    /// The folder this store writes in (`blobs/`, `tmp/`, `quarantine/`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Removes temporary files not written to for `age` (a location other processes may be
    /// writing to as well); returns their paths and sizes.
    pub fn remove_temporaries_older_than(&self, age: std::time::Duration) -> Result<Vec<(PathBuf, u64)>, StorageError> {
        let mut removed = Vec::new();
        let limit = SystemTime::now() - age;
        for leftover in files_under(&self.root.join("tmp"))? {
            let Ok(metadata) = fs::metadata(&leftover) else { continue };
            if metadata.modified().is_ok_and(|modified| modified < limit) && fs::remove_file(&leftover).is_ok() {
                removed.push((leftover, metadata.len()));
            }
        }
        Ok(removed)
    }

    /// Removes temporary files left by interrupted writes; returns their paths and sizes.
    pub fn remove_leftover_temporaries(&self) -> Result<Vec<(PathBuf, u64)>, StorageError> {
        let mut removed = Vec::new();
        for leftover in files_under(&self.root.join("tmp"))? {
            let size = fs::metadata(&leftover).map(|metadata| metadata.len()).unwrap_or(0);
            fs::remove_file(&leftover).map_err(|error| StorageError::write(&leftover, error))?;
            removed.push((leftover, size));
        }
        Ok(removed)
    }
}

/// Size and modification time: what moves when someone writes to a file we are reading.
fn fingerprint(file: &File) -> std::io::Result<(u64, Option<SystemTime>)> {
    let metadata = file.metadata()?;
    Ok((metadata.len(), metadata.modified().ok()))
}

/// Reads until the buffer is full or the input ends, so chunks are whole except the last.
pub(crate) fn read_full(input: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Every file in `folder` and the folders inside it (staging folders, a tool's scratch folder
/// left by an interrupted run); the folders themselves stay.
fn files_under(folder: &Path) -> Result<Vec<PathBuf>, StorageError> {
    let mut files = Vec::new();
    for path in read_folder(folder)? {
        let is_folder = fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.is_dir());
        if is_folder {
            files.extend(files_under(&path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

fn read_folder(folder: &Path) -> Result<Vec<PathBuf>, StorageError> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(StorageError::read(folder, error)),
    };
    entries.map(|entry| entry.map(|entry| entry.path()).map_err(|error| StorageError::read(folder, error))).collect()
}

pub(crate) fn sync_folder(folder: &Path) -> Result<(), StorageError> {
    File::open(folder).and_then(|handle| handle.sync_all()).map_err(|error| StorageError::write(folder, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, BlobStore) {
        let folder = tempfile::tempdir().unwrap();
        let store = BlobStore::open(folder.path().join("store")).unwrap();
        (folder, store)
    }

    /// Writes `content` to a file in `folder`, stages and stores it: its address and path.
    fn store_content(folder: &Path, store: &BlobStore, content: &[u8]) -> (Blake3Hex, PathBuf) {
        let source = folder.join("source");
        fs::write(&source, content).unwrap();
        let staged = store.stage(&source, HashOptions::default(), &|_| {}).unwrap();
        let digest = staged.checksums.blake3.clone();
        (digest, store.commit(staged).unwrap())
    }

    #[test]
    fn staging_computes_known_digests_in_one_pass() {
        let (folder, store) = store();
        let source = folder.path().join("hello.txt");
        fs::write(&source, b"hello world\n").unwrap();
        let staged = store.stage(&source, HashOptions { sha256: true }, &|_| {}).unwrap();
        assert_eq!(staged.checksums.md5.as_str(), "6f5902ac237024bdd0c176cb93063dc4");
        assert_eq!(
            staged.checksums.sha256.as_ref().unwrap().as_str(),
            "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"
        );
        assert_eq!(staged.checksums.blake3.as_str(), blake3::hash(b"hello world\n").to_hex().as_str());
        assert_eq!(staged.head, b"hello world\n");
    }

    #[test]
    fn commit_places_a_read_only_blob_and_leaves_no_temporary() {
        let (folder, store) = store();
        let source = folder.path().join("data.bin");
        let content: Vec<u8> = (0..3 * CHUNK_LEN + 17).map(|index| (index % 251) as u8).collect();
        fs::write(&source, &content).unwrap();
        let staged = store.stage(&source, HashOptions::default(), &|_| {}).unwrap();
        let digest = staged.checksums.blake3.clone();
        let path = store.commit(staged).unwrap();
        assert_eq!(fs::read(&path).unwrap(), content);
        assert!(fs::metadata(&path).unwrap().permissions().readonly());
        assert!(store.verify(&digest).unwrap());
        assert_eq!(store.list().unwrap(), vec![digest]);
        assert!(store.remove_leftover_temporaries().unwrap().is_empty());
        assert_eq!(fs::read(&source).unwrap(), content, "the original is untouched");
    }

    #[test]
    fn a_dropped_stage_removes_its_temporary_file() {
        let (folder, store) = store();
        let source = folder.path().join("a");
        fs::write(&source, b"abc").unwrap();
        drop(store.stage(&source, HashOptions::default(), &|_| {}).unwrap());
        assert!(store.remove_leftover_temporaries().unwrap().is_empty());
    }

    #[test]
    fn copies_staged_on_different_threads_wait_in_different_folders() {
        let (folder, store) = store();
        let source = folder.path().join("a");
        fs::write(&source, b"abc").unwrap();
        let staged_on = |store: BlobStore, source: PathBuf| {
            std::thread::spawn(move || {
                let staged = store.stage_unflushed(&source, HashOptions::default(), &|_| {}).unwrap();
                let folder = staged.path().parent().unwrap().to_owned();
                (staged, folder)
            })
            .join()
            .unwrap()
        };
        let (staged, folders): (Vec<_>, std::collections::BTreeSet<_>) =
            (0..3).map(|_| staged_on(store.clone(), source.clone())).unzip();
        // Threads take the folders in turn (tests staging on other threads meanwhile take
        // turns too, so two of three may still meet in one).
        assert!(folders.len() >= 2, "{folders:?}");
        for folder in &folders {
            assert_eq!(folder.parent().unwrap(), store.root().join("tmp"));
        }
        // The copies of the same content become one blob.
        store.commit_all(staged).unwrap();
        assert_eq!(store.list().unwrap().len(), 1);
        assert!(store.remove_leftover_temporaries().unwrap().is_empty());
    }

    #[test]
    fn leftovers_in_folders_inside_tmp_are_removed_and_counted() {
        let (_folder, store) = store();
        let staging = store.root().join("tmp/3");
        let scratch = store.root().join("tmp/.tmpAbC/frames");
        fs::create_dir_all(&staging).unwrap();
        fs::create_dir_all(&scratch).unwrap();
        fs::write(staging.join("ingest-x1"), b"12345").unwrap();
        fs::write(scratch.join("0001.png"), b"123").unwrap();
        fs::write(store.root().join("tmp/.reading-abc"), b"").unwrap();
        let mut removed = store.remove_leftover_temporaries().unwrap();
        removed.sort();
        let names: Vec<_> =
            removed.iter().map(|(path, size)| (path.strip_prefix(store.root()).unwrap(), *size)).collect();
        assert_eq!(
            names,
            vec![
                (Path::new("tmp/.reading-abc"), 0),
                (Path::new("tmp/.tmpAbC/frames/0001.png"), 3),
                (Path::new("tmp/3/ingest-x1"), 5)
            ]
        );
        assert!(staging.is_dir(), "the folders stay");
    }

    #[test]
    fn a_missing_source_is_reported_as_vanished() {
        let (folder, store) = store();
        let error = store.stage(&folder.path().join("nope"), HashOptions::default(), &|_| {}).unwrap_err();
        assert_eq!(error.code(), "source-vanished");
    }

    #[test]
    fn a_source_growing_during_the_copy_is_refused_and_nothing_is_left() {
        let (folder, store) = store();
        let source = folder.path().join("growing.mxf");
        fs::write(&source, vec![7u8; 3 * CHUNK_LEN]).unwrap();
        let append = || {
            let mut file = fs::OpenOptions::new().append(true).open(&source).unwrap();
            file.write_all(b"more").unwrap();
        };
        let error = store.stage(&source, HashOptions::default(), &|_| append()).unwrap_err();
        assert_eq!(error.code(), "source-changed");
        assert!(store.remove_leftover_temporaries().unwrap().is_empty());
    }

    #[test]
    fn a_source_deleted_during_the_copy_is_reported_as_vanished() {
        let (folder, store) = store();
        let source = folder.path().join("leaving.mov");
        fs::write(&source, vec![1u8; 2 * CHUNK_LEN]).unwrap();
        let error = store.stage(&source, HashOptions::default(), &|_| {
            let _ = fs::remove_file(&source);
        });
        assert_eq!(error.unwrap_err().code(), "source-vanished");
        assert!(store.remove_leftover_temporaries().unwrap().is_empty());
    }

    #[test]
    fn removing_a_blob_reports_its_size() {
        let (folder, store) = store();
        let (digest, _) = store_content(folder.path(), &store, b"abcdef");
        assert_eq!(store.remove(&digest).unwrap(), Some(6));
        assert_eq!(store.remove(&digest).unwrap(), None);
    }

    #[test]
    fn a_new_store_keeps_one_level_and_a_store_made_before_keeps_its_two() {
        let (folder, store) = store();
        let (digest, stored) = store_content(folder.path(), &store, b"new content");
        assert_eq!(stored, folder.path().join("store/blobs").join(&digest.as_str()[..2]).join(digest.as_str()));
        assert_eq!(fs::read_to_string(folder.path().join("store/layout")).unwrap(), "blobs/ab/<blake3>\n");
        assert_eq!(store.list().unwrap(), vec![digest.clone()]);

        // A store from before the layout file: its blob two levels down, no `layout`.
        let old_root = folder.path().join("old");
        let old_digest = Blake3Hex::parse(blake3::hash(b"old content").to_hex().as_str()).unwrap();
        let old_blob = old_root.join("blobs").join(&old_digest.as_str()[..2]).join(&old_digest.as_str()[2..4]);
        fs::create_dir_all(&old_blob).unwrap();
        fs::write(old_blob.join(old_digest.as_str()), b"old content").unwrap();
        let old = BlobStore::open(&old_root).unwrap();
        assert_eq!(old.list().unwrap(), vec![old_digest.clone()]);
        assert!(old.verify(&old_digest).unwrap());
        let (same, stored) = store_content(folder.path(), &old, b"new content");
        assert_eq!(same, digest);
        assert_eq!(
            stored,
            old_root.join("blobs").join(&digest.as_str()[..2]).join(&digest.as_str()[2..4]).join(digest.as_str())
        );
        let mut both = vec![old_digest, digest];
        both.sort();
        assert_eq!(old.list().unwrap(), both);
    }

    #[test]
    fn a_copy_whose_blob_folder_went_after_staging_is_stored_even_so() {
        let (folder, store) = store();
        let source = folder.path().join("clip.wav");
        fs::write(&source, b"staged, then its folder cleaned away").unwrap();
        let staged = store.stage_unflushed(&source, HashOptions::default(), &|_| {}).unwrap();
        let digest = staged.checksums.blake3.clone();
        let blob_folder = store.blob_path(&digest).parent().unwrap().to_owned();
        fs::remove_dir(&blob_folder).unwrap();
        store.commit_all(vec![staged]).unwrap();
        assert!(store.verify(&digest).unwrap());
    }

    #[test]
    fn a_batch_of_unflushed_copies_is_stored_whole_with_repeats_and_known_content_once() {
        let (folder, store) = store();
        let already = folder.path().join("already.bin");
        fs::write(&already, b"stored before").unwrap();
        store.commit(store.stage(&already, HashOptions::default(), &|_| {}).unwrap()).unwrap();
        let mut staged = Vec::new();
        for index in 0..40 {
            let source = folder.path().join(format!("file-{index}.bin"));
            // Every tenth file repeats the first one's content.
            let content = if index % 10 == 0 { "repeated".to_owned() } else { format!("content {index}") };
            fs::write(&source, content).unwrap();
            staged.push(store.stage_unflushed(&source, HashOptions::default(), &|_| {}).unwrap());
        }
        staged.push(store.stage_unflushed(&already, HashOptions::default(), &|_| {}).unwrap());
        let digests: Vec<Blake3Hex> = staged.iter().map(|blob| blob.checksums.blake3.clone()).collect();
        let targets = store.commit_all(staged).unwrap();
        assert_eq!(targets.len(), 41, "a path for every copy, repeats included");
        for (target, digest) in targets.iter().zip(&digests) {
            assert_eq!(*target, store.blob_path(digest));
            assert!(store.verify(digest).unwrap(), "{} holds its content", target.display());
            assert!(fs::metadata(target).unwrap().permissions().readonly());
        }
        assert_eq!(store.list().unwrap().len(), 1 + 36 + 1, "one blob per distinct content");
        assert!(store.remove_leftover_temporaries().unwrap().is_empty(), "no copy left in tmp/");
    }
}
