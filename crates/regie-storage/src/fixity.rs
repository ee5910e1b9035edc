//! Fixity: a stored copy re-read in full and its digests recomputed, at a bounded rate; a bad copy
//! moved aside (quarantined) so that a repair can put a good one back under its address; a copy
//! made from one store into another, verified at both ends.

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use md5::Digest;
use regie_core::Blake3Hex;

use crate::{BlobStore, HashOptions, StorageError};

/// Read size of a fixity pass: large enough for BLAKE3 to spread each chunk over every core.
const DIGEST_CHUNK_LEN: usize = 8 << 20;
/// Chunks of a copy into a folder, and how much is written before asking the kernel to flush.
const COPY_CHUNK_LEN: usize = 1 << 20;
const COPY_WRITEBACK_EVERY: u64 = 16 << 20;
/// From this size on, a copy checked without MD5 or a rate limit is hashed mapped in memory.
const MAPPED_MIN_LEN: u64 = 64 << 20;

/// A shared read budget: every reader of one run asks it before each chunk, so the run as a whole
/// never reads faster than `bytes_per_second`.
#[derive(Debug)]
pub struct Throttle {
    bytes_per_second: f64,
    started: Instant,
    consumed: Mutex<u64>,
}

impl Throttle {
    /// `None` when there is no limit (0 means none too).
    pub fn new(bytes_per_second: Option<u64>) -> Option<Arc<Self>> {
        bytes_per_second.filter(|rate| *rate > 0).map(|rate| {
            Arc::new(Self { bytes_per_second: rate as f64, started: Instant::now(), consumed: Mutex::new(0) })
        })
    }

    /// How long to wait before reading `bytes` more, so that everything read since the start,
    /// these bytes included, stays within the rate.
    pub fn wait_before(&self, bytes: u64) -> Duration {
        let mut consumed = self.consumed.lock().expect("throttle lock");
        *consumed += bytes;
        let due = Duration::from_secs_f64(*consumed as f64 / self.bytes_per_second);
        due.saturating_sub(self.started.elapsed())
    }
}

/// Digests of a copy as read now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyDigest {
    pub blake3: String,
    /// Computed only when asked (it reads at a fraction of BLAKE3's speed).
    pub md5: Option<String>,
    pub size: u64,
}

/// What reading a copy in full found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyReading {
    /// Read to the end; whether it matches is the caller's comparison.
    Read(CopyDigest),
    /// Nothing under the address.
    Missing,
    /// There, but reading it failed (a bad sector, a permission, not a file): in words.
    Unreadable(String),
}

/// How a copy into this store ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMade {
    pub size: u64,
    /// A whole, matching blob was already there (an interrupted run's, renamed before its row).
    pub already_there: bool,
    /// A blob that did not match was found under the address and moved aside first.
    pub quarantined: Option<String>,
}

impl BlobStore {
    /// Reads the blob in full and computes its BLAKE3 (and MD5 when `md5`), asking `throttle`
    /// before every chunk. A bucket that does not answer is an error, not a bad copy.
    pub async fn read_copy(
        &self,
        blake3: &Blake3Hex,
        md5: bool,
        throttle: Option<Arc<Throttle>>,
    ) -> Result<CopyReading, StorageError> {
        if let Some(remote) = &self.remote {
            return remote.read_copy(blake3, md5, throttle).await;
        }
        let path = self.blob_path(blake3);
        let marker = self.root.join("tmp").join(format!(".reading-{blake3}"));
        tokio::task::spawn_blocking(move || {
            let mapped =
                !md5 && throttle.is_none() && std::fs::metadata(&path).is_ok_and(|meta| meta.len() >= MAPPED_MIN_LEN);
            if mapped && !marker.exists() {
                return Ok(digest_mapped(&path, &marker));
            }
            let reading = digest_file(&path, md5, throttle.as_deref());
            let _ = std::fs::remove_file(&marker);
            Ok(reading)
        })
        .await
        .map_err(|_| StorageError::HasherFailed)?
    }

    /// Moves whatever is stored under the address aside (`quarantine/<blake3>.<time>` in the same
    /// folder or bucket), so that nothing reads it as the blob and a good copy can take its place;
    /// where it went, or `None` when nothing was there.
    pub async fn quarantine_blob(&self, blake3: &Blake3Hex) -> Result<Option<String>, StorageError> {
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        if let Some(remote) = &self.remote {
            return remote.quarantine(blake3, stamp).await;
        }
        let path = self.blob_path(blake3);
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(None);
        }
        let folder = self.root.join("quarantine");
        std::fs::create_dir_all(&folder).map_err(|error| StorageError::write(&folder, error))?;
        let target = folder.join(format!("{blake3}.{stamp}"));
        std::fs::rename(&path, &target).map_err(|error| StorageError::write(&path, error))?;
        crate::local::sync_folder(&folder)?;
        if let Some(parent) = path.parent() {
            crate::local::sync_folder(parent)?;
        }
        Ok(Some(target.display().to_string()))
    }

    /// Copies the blob from `source` into this store: read once with MD5 and BLAKE3 (a source that
    /// no longer matches its address is refused, so a bad copy never spreads), written through a
    /// temporary file or a create-if-absent upload, then read back here in full. A matching blob
    /// already here is kept; one that does not match is quarantined first.
    pub async fn copy_from(&self, source: &BlobStore, blake3: &Blake3Hex) -> Result<CopyMade, StorageError> {
        let mut quarantined = None;
        if self.size(blake3).await?.is_some() {
            if let CopyReading::Read(digest) = self.read_copy(blake3, false, None).await?
                && digest.blake3 == blake3.as_str()
            {
                return Ok(CopyMade { size: digest.size, already_there: true, quarantined: None });
            }
            quarantined = self.quarantine_blob(blake3).await?;
        }
        let local = source.local_copy(blake3).await?;
        let size = if self.remote.is_none() {
            let (target, path, address) = (self.clone(), local.path().to_owned(), blake3.clone());
            tokio::task::spawn_blocking(move || target.copy_file_in(&path, &address))
                .await
                .map_err(|_| StorageError::HasherFailed)?
                .map_err(|error| match error {
                    StorageError::SourceCorrupt { blake3, .. } => {
                        StorageError::SourceCorrupt { blake3, location: source.location() }
                    }
                    other => other,
                })?
        } else {
            let (target, path) = (self.clone(), local.path().to_owned());
            let staged = tokio::task::spawn_blocking(move || target.stage(&path, HashOptions::default(), &|_| {}))
                .await
                .map_err(|_| StorageError::HasherFailed)??;
            if staged.checksums.blake3 != *blake3 {
                return Err(StorageError::SourceCorrupt { blake3: blake3.to_string(), location: source.location() });
            }
            let size = staged.checksums.size;
            self.store(staged).await?;
            size
        };
        drop(local);
        match self.read_copy(blake3, false, None).await? {
            CopyReading::Read(digest) if digest.blake3 == blake3.as_str() => {
                Ok(CopyMade { size, already_there: false, quarantined })
            }
            _ => Err(StorageError::CopyNotVerified { blake3: blake3.to_string(), location: self.location() }),
        }
    }
}

impl BlobStore {
    /// Copies a file into this folder store under `blake3`: BLAKE3 computed while writing, fsync,
    /// refused unless it matches (the source went bad), then made read-only and
    /// renamed into place. Returns the size.
    fn copy_file_in(&self, source: &Path, blake3: &Blake3Hex) -> Result<u64, StorageError> {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        let mut input = File::open(source).map_err(|error| StorageError::read(source, error))?;
        let folder = self.root.join("tmp");
        let mut temp = tempfile::Builder::new()
            .prefix("copy-")
            .tempfile_in(&folder)
            .map_err(|error| StorageError::write(&folder, error))?;
        let mut hasher = blake3::Hasher::new();
        let mut chunk = vec![0u8; COPY_CHUNK_LEN];
        let (mut size, mut flushed) = (0u64, 0u64);
        loop {
            let read =
                crate::local::read_full(&mut input, &mut chunk).map_err(|error| StorageError::read(source, error))?;
            if read == 0 {
                break;
            }
            hasher.update(&chunk[..read]);
            temp.write_all(&chunk[..read]).map_err(|error| StorageError::write(temp.path(), error))?;
            size += read as u64;
            // Start writing back early, as staging does, so the final fsync has little left.
            if size - flushed >= COPY_WRITEBACK_EVERY {
                crate::writeback::start_writeback(temp.as_file(), flushed, size - flushed);
                flushed = size;
            }
        }
        if hasher.finalize().to_hex().as_str() != blake3.as_str() {
            return Err(StorageError::SourceCorrupt {
                blake3: blake3.to_string(),
                location: source.display().to_string(),
            });
        }
        temp.as_file().sync_all().map_err(|error| StorageError::write(temp.path(), error))?;
        self.before_storing()?;
        let target = self.blob_path(blake3);
        let parent = target.parent().expect("blob paths have a parent");
        std::fs::create_dir_all(parent).map_err(|error| StorageError::write(parent, error))?;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o444))
            .map_err(|error| StorageError::write(temp.path(), error))?;
        temp.persist(&target).map_err(|error| StorageError::write(&target, error.error))?;
        crate::local::sync_folder(parent)?;
        Ok(size)
    }
}

/// Hashes a large file mapped in memory, as `b3sum` does: no copy into buffers, every core
/// hashing. A read error on a mapped page kills the process (SIGBUS) instead of returning an
/// error, so a marker is left while the file is mapped: when a run dies there, the next one finds
/// the marker and reads that copy with `read` calls, which report the error (`unreadable`).
fn digest_mapped(path: &Path, marker: &Path) -> CopyReading {
    if let Some(folder) = marker.parent() {
        let _ = std::fs::create_dir_all(folder);
    }
    if std::fs::write(marker, b"").is_err() {
        return digest_file(path, false, None);
    }
    let mut hasher = blake3::Hasher::new();
    let reading = match hasher.update_mmap_rayon(path) {
        Ok(_) => CopyReading::Read(CopyDigest {
            blake3: hasher.finalize().to_hex().to_string(),
            md5: None,
            size: hasher.count(),
        }),
        Err(error) if error.kind() == ErrorKind::NotFound => CopyReading::Missing,
        Err(error) => CopyReading::Unreadable(format!("cannot read {}: {error}", path.display())),
    };
    let _ = std::fs::remove_file(marker);
    reading
}

/// Reads a file in full: one thread reads ahead while BLAKE3 spreads each chunk over the cores
/// (and MD5, when asked, runs on a thread of its own).
fn digest_file(path: &Path, md5: bool, throttle: Option<&Throttle>) -> CopyReading {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return CopyReading::Missing,
        Err(error) => return CopyReading::Unreadable(format!("cannot open {}: {error}", path.display())),
    };
    let (to_blake3, chunks) = sync_channel::<Arc<Vec<u8>>>(2);
    let (to_md5, md5_chunks) = sync_channel::<Arc<Vec<u8>>>(4);
    // Hashed buffers come back to be filled again: no fresh allocation (and page faults) per chunk.
    let (give_back, returned) = std::sync::mpsc::channel::<Arc<Vec<u8>>>();
    std::thread::scope(|scope| {
        let blake3 = scope.spawn(move || {
            let mut hasher = blake3::Hasher::new();
            for chunk in chunks {
                hasher.update(&chunk);
                let _ = give_back.send(chunk);
            }
            hasher.finalize().to_hex().to_string()
        });
        let md5_hasher = md5.then(|| {
            scope.spawn(move || {
                let mut hasher = md5::Md5::new();
                for chunk in md5_chunks {
                    hasher.update(chunk.as_slice());
                }
                hex::encode(hasher.finalize())
            })
        });
        let mut size = 0u64;
        let mut failure = None;
        loop {
            if let Some(throttle) = throttle {
                std::thread::sleep(throttle.wait_before(DIGEST_CHUNK_LEN as u64));
            }
            let mut chunk = returned
                .try_recv()
                .ok()
                .and_then(|used| Arc::try_unwrap(used).ok())
                .unwrap_or_else(|| Vec::with_capacity(DIGEST_CHUNK_LEN));
            chunk.resize(DIGEST_CHUNK_LEN, 0);
            match crate::local::read_full(&mut file, &mut chunk) {
                Ok(0) => break,
                Ok(read) => {
                    chunk.truncate(read);
                    size += read as u64;
                    let chunk = Arc::new(chunk);
                    if md5 && to_md5.send(Arc::clone(&chunk)).is_err() {
                        failure = Some("the MD5 thread stopped".to_owned());
                        break;
                    }
                    if to_blake3.send(chunk).is_err() {
                        failure = Some("the BLAKE3 thread stopped".to_owned());
                        break;
                    }
                }
                Err(error) => {
                    failure = Some(format!("reading {} failed after {size} bytes: {error}", path.display()));
                    break;
                }
            }
        }
        drop((to_blake3, to_md5));
        let blake3 = blake3.join().unwrap_or_default();
        let md5 = md5_hasher.and_then(|handle| handle.join().ok());
        match failure {
            Some(reason) => CopyReading::Unreadable(reason),
            None => CopyReading::Read(CopyDigest { blake3, md5, size }),
        }
    })
}

/// The digests of bytes arriving in pieces (a bucket's stream).
pub(crate) struct StreamDigest {
    blake3: blake3::Hasher,
    md5: Option<md5::Md5>,
    size: u64,
}

impl StreamDigest {
    pub fn new(md5: bool) -> Self {
        Self { blake3: blake3::Hasher::new(), md5: md5.then(md5::Md5::new), size: 0 }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.blake3.update(bytes);
        if let Some(md5) = &mut self.md5 {
            md5.update(bytes);
        }
        self.size += bytes.len() as u64;
    }

    pub fn finish(self) -> CopyDigest {
        CopyDigest {
            blake3: self.blake3.finalize().to_hex().to_string(),
            md5: self.md5.map(|md5| hex::encode(md5.finalize())),
            size: self.size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(content: &[u8]) -> (tempfile::TempDir, BlobStore, Blake3Hex) {
        let folder = tempfile::tempdir().unwrap();
        let store = BlobStore::open(folder.path().join("store")).unwrap();
        let source = folder.path().join("source");
        std::fs::write(&source, content).unwrap();
        let staged = store.stage(&source, HashOptions::default(), &|_| {}).unwrap();
        let digest = staged.checksums.blake3.clone();
        store.commit(staged).unwrap();
        (folder, store, digest)
    }

    fn flip_a_bit(path: &Path, offset: usize) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut bytes = std::fs::read(path).unwrap();
        bytes[offset] ^= 0x01;
        std::fs::write(path, bytes).unwrap();
    }

    #[tokio::test]
    async fn a_whole_copy_reads_back_its_address_and_md5() {
        let content: Vec<u8> = (0..3 * DIGEST_CHUNK_LEN + 5).map(|index| (index % 253) as u8).collect();
        let (_folder, store, digest) = stored(&content);
        let CopyReading::Read(read) = store.read_copy(&digest, true, None).await.unwrap() else { panic!() };
        assert_eq!(read.blake3, digest.as_str());
        assert_eq!(read.md5.unwrap(), hex::encode(md5::Md5::digest(&content)));
        assert_eq!(read.size, content.len() as u64);
    }

    #[tokio::test]
    async fn a_flipped_bit_missing_and_unreadable_copies_are_told_apart() {
        let (_folder, store, digest) = stored(b"twelve bytes");
        flip_a_bit(&store.blob_path(&digest), 3);
        let CopyReading::Read(read) = store.read_copy(&digest, false, None).await.unwrap() else { panic!() };
        assert_ne!(read.blake3, digest.as_str());
        std::fs::remove_file(store.blob_path(&digest)).unwrap();
        assert_eq!(store.read_copy(&digest, false, None).await.unwrap(), CopyReading::Missing);
        std::fs::create_dir(store.blob_path(&digest)).unwrap();
        assert!(matches!(store.read_copy(&digest, false, None).await.unwrap(), CopyReading::Unreadable(_)));
    }

    #[tokio::test]
    async fn a_copy_refuses_a_bad_source_and_repairs_a_bad_target() {
        let (folder, first, digest) = stored(b"the programme, as delivered");
        let second = BlobStore::open(folder.path().join("second")).unwrap();
        let made = second.copy_from(&first, &digest).await.unwrap();
        assert!(!made.already_there);
        assert_eq!(std::fs::read(second.blob_path(&digest)).unwrap(), b"the programme, as delivered");
        assert!(second.copy_from(&first, &digest).await.unwrap().already_there);

        flip_a_bit(&second.blob_path(&digest), 0);
        let repaired = second.copy_from(&first, &digest).await.unwrap();
        assert!(repaired.quarantined.is_some(), "the bad copy is moved aside, not deleted");
        assert_eq!(std::fs::read(second.blob_path(&digest)).unwrap(), b"the programme, as delivered");

        flip_a_bit(&first.blob_path(&digest), 1);
        std::fs::remove_file(second.blob_path(&digest)).unwrap();
        let error = second.copy_from(&first, &digest).await.unwrap_err();
        assert_eq!(error.code(), "source-corrupt");
        assert!(!second.blob_path(&digest).exists(), "nothing is stored from a bad source");
    }

    #[tokio::test]
    async fn a_large_copy_is_mapped_unless_a_run_died_mapping_it() {
        let content: Vec<u8> = (0..MAPPED_MIN_LEN as usize + 3).map(|index| (index % 241) as u8).collect();
        let (_folder, store, digest) = stored(&content);
        let CopyReading::Read(mapped) = store.read_copy(&digest, false, None).await.unwrap() else { panic!() };
        assert_eq!(mapped.blake3, digest.as_str());
        let marker = store.root().join("tmp").join(format!(".reading-{digest}"));
        assert!(!marker.exists(), "the marker goes once the mapped read ends");
        std::fs::write(&marker, b"").unwrap();
        let CopyReading::Read(read) = store.read_copy(&digest, false, None).await.unwrap() else { panic!() };
        assert_eq!((read.blake3.as_str(), read.size), (digest.as_str(), content.len() as u64));
        assert!(!marker.exists(), "read with read calls once, then mapped again");
    }

    #[test]
    fn the_throttle_holds_the_rate() {
        let throttle = Throttle::new(Some(10_000_000)).unwrap();
        assert!(throttle.wait_before(1_000_000) > Duration::from_millis(90));
        assert!(Throttle::new(Some(0)).is_none());
    }
}
