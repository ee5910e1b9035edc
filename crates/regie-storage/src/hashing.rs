//! Checksums computed alongside the copy: each hasher runs on its own thread and receives the
//! same shared chunks, so the slowest one (MD5) sets the pace and the others cost no wall time.

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

/// The hasher threads of one read pass.
pub(crate) struct HasherSet {
    senders: Vec<SyncSender<Chunk>>,
    md5: JoinHandle<Vec<u8>>,
    blake3: JoinHandle<Vec<u8>>,
    sha256: Option<JoinHandle<Vec<u8>>>,
}

pub(crate) struct Digests {
    pub md5: Md5Hex,
    pub blake3: Blake3Hex,
    pub sha256: Option<Sha256Hex>,
}

impl HasherSet {
    pub fn start(options: HashOptions) -> Self {
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

    pub fn finish(self) -> Result<Digests, StorageError> {
        drop(self.senders);
        let join = |handle: JoinHandle<Vec<u8>>| handle.join().map(hex::encode).map_err(|_| StorageError::HasherFailed);
        let md5 = join(self.md5)?;
        let blake3 = join(self.blake3)?;
        let sha256 = self.sha256.map(join).transpose()?;
        Ok(Digests {
            md5: Md5Hex::parse(&md5).map_err(|_| StorageError::HasherFailed)?,
            blake3: Blake3Hex::parse(&blake3).map_err(|_| StorageError::HasherFailed)?,
            sha256: sha256
                .map(|digest| Sha256Hex::parse(&digest))
                .transpose()
                .map_err(|_| StorageError::HasherFailed)?,
        })
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
