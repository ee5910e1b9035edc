//! Checksums computed alongside the copy: each hasher runs on its own thread and receives the
//! same shared chunks, so the slowest one (MD5) sets the pace and the others cost no wall time.
//! A small file is hashed on the copying thread instead: starting threads would cost more than
//! hashing a few megabytes (a sound-effects library is thousands of such files).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use md5::Digest;
use regie_core::{Blake3Hex, Md5Hex, Sha256Hex};

use crate::StorageError;

/// Which optional digests to compute besides MD5 and BLAKE3.
#[derive(Debug, Clone, Copy, Default)]
pub struct HashOptions {
    pub sha256: bool,
}

pub(crate) type Chunk = Arc<Vec<u8>>;

/// Chunks in flight per hasher: enough to absorb jitter, small enough to bound memory.
const CHUNKS_IN_FLIGHT: usize = 16;

/// Files up to this size are hashed on the copying thread.
const HASHED_INLINE_UP_TO: u64 = 4 * 1024 * 1024;

/// The hashers of one read pass.
pub(crate) enum HasherSet {
    Threads(HasherThreads),
    Inline(Box<InlineHashers>),
}

/// One thread per digest.
pub(crate) struct HasherThreads {
    senders: Vec<SyncSender<Chunk>>,
    md5: JoinHandle<Vec<u8>>,
    blake3: JoinHandle<Vec<u8>>,
    sha256: Option<JoinHandle<Vec<u8>>>,
}

/// Every digest on the caller's thread.
pub(crate) struct InlineHashers {
    md5: md5::Md5,
    blake3: blake3::Hasher,
    sha256: Option<sha2::Sha256>,
}

pub(crate) struct Digests {
    pub md5: Md5Hex,
    pub blake3: Blake3Hex,
    pub sha256: Option<Sha256Hex>,
}

impl HasherSet {
    /// Hashers for a read of about `expected_size` bytes.
    pub fn start(options: HashOptions, expected_size: u64) -> Self {
        if expected_size <= HASHED_INLINE_UP_TO {
            return Self::Inline(Box::new(InlineHashers {
                md5: md5::Md5::new(),
                blake3: blake3::Hasher::new(),
                sha256: options.sha256.then(sha2::Sha256::new),
            }));
        }
        Self::Threads(HasherThreads::start(options))
    }

    /// Hands a chunk to every hasher.
    #[cfg(test)]
    pub fn feed(&mut self, chunk: &Chunk) -> Result<(), StorageError> {
        match self {
            Self::Threads(threads) => threads.feed(chunk),
            Self::Inline(hashers) => {
                hashers.feed(chunk);
                Ok(())
            }
        }
    }

    pub fn finish(self) -> Result<Digests, StorageError> {
        match self {
            Self::Threads(threads) => threads.finish(),
            Self::Inline(hashers) => {
                let InlineHashers { md5, blake3, sha256 } = *hashers;
                digests(
                    &hex::encode(md5.finalize()),
                    &hex::encode(blake3.finalize().as_bytes()),
                    sha256.map(|hasher| hex::encode(hasher.finalize())),
                )
            }
        }
    }
}

fn digests(md5: &str, blake3: &str, sha256: Option<String>) -> Result<Digests, StorageError> {
    Ok(Digests {
        md5: Md5Hex::parse(md5).map_err(|_| StorageError::HasherFailed)?,
        blake3: Blake3Hex::parse(blake3).map_err(|_| StorageError::HasherFailed)?,
        sha256: sha256.map(|digest| Sha256Hex::parse(&digest)).transpose().map_err(|_| StorageError::HasherFailed)?,
    })
}

impl InlineHashers {
    /// Hashes the next bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.md5.update(bytes);
        self.blake3.update(bytes);
        if let Some(sha256) = self.sha256.as_mut() {
            sha256.update(bytes);
        }
    }
}

impl HasherThreads {
    fn start(options: HashOptions) -> Self {
        let mut senders = Vec::new();
        let md5 = spawn_hasher(&mut senders, |chunks| {
            let mut hasher = md5::Md5::new();
            chunks.iter().for_each(|chunk| hasher.update(chunk.as_slice()));
            hasher.finalize().to_vec()
        });
        let blake3 = spawn_hasher(&mut senders, |chunks| {
            let mut hasher = blake3::Hasher::new();
            chunks.iter().for_each(|chunk| {
                hasher.update(chunk.as_slice());
            });
            hasher.finalize().as_bytes().to_vec()
        });
        let sha256 = options.sha256.then(|| {
            spawn_hasher(&mut senders, |chunks| {
                let mut hasher = sha2::Sha256::new();
                chunks.iter().for_each(|chunk| hasher.update(chunk.as_slice()));
                hasher.finalize().to_vec()
            })
        });
        Self { senders, md5, blake3, sha256 }
    }

    /// Hands a chunk to every hasher; blocks while the slowest one is `CHUNKS_IN_FLIGHT` behind.
    pub fn feed(&self, chunk: &Chunk) -> Result<(), StorageError> {
        for sender in &self.senders {
            sender.send(Arc::clone(chunk)).map_err(|_| StorageError::HasherFailed)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Digests, StorageError> {
        drop(self.senders);
        let join = |handle: JoinHandle<Vec<u8>>| handle.join().map(hex::encode).map_err(|_| StorageError::HasherFailed);
        let md5 = join(self.md5)?;
        let blake3 = join(self.blake3)?;
        let sha256 = self.sha256.map(join).transpose()?;
        digests(&md5, &blake3, sha256)
    }
}

fn spawn_hasher(
    senders: &mut Vec<SyncSender<Chunk>>,
    digest: impl FnOnce(&Receiver<Chunk>) -> Vec<u8> + Send + 'static,
) -> JoinHandle<Vec<u8>> {
    let (sender, receiver) = sync_channel::<Chunk>(CHUNKS_IN_FLIGHT);
    senders.push(sender);
    std::thread::spawn(move || digest(&receiver))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_threaded_hashers_give_the_same_digests() {
        let chunks: Vec<Chunk> = (0..5u8).map(|seed| Arc::new(vec![seed; 100_003])).collect();
        let options = HashOptions { sha256: true };
        let digest = |mut hashers: HasherSet| {
            chunks.iter().for_each(|chunk| hashers.feed(chunk).unwrap());
            hashers.finish().unwrap()
        };
        let inline = digest(HasherSet::start(options, 1_000));
        let threaded = digest(HasherSet::start(options, HASHED_INLINE_UP_TO + 1));
        assert!(matches!(HasherSet::start(options, 1_000), HasherSet::Inline(_)));
        assert!(matches!(HasherSet::start(options, HASHED_INLINE_UP_TO + 1), HasherSet::Threads(_)));
        assert_eq!(inline.md5, threaded.md5);
        assert_eq!(inline.blake3, threaded.blake3);
        assert_eq!(inline.sha256, threaded.sha256);
        // md5 of 500,015 bytes as known from the md5 crate in one call.
        let whole: Vec<u8> = chunks.iter().flat_map(|chunk| chunk.iter().copied()).collect();
        assert_eq!(inline.md5.as_str(), hex::encode(md5::Md5::digest(&whole)));
    }
}
