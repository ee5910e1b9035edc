//! Blobs in S3 object storage (`s3://BUCKET[/PREFIX]`), configured by the standard variables
//! (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
//! `AWS_ALLOW_HTTP`). Keys are `PREFIX/blobs/ab/cd/<blake3>` (a bucket has no folders to make, so
//! it keeps the layout local folders had before `layout.rs`). Every upload
//! carries its SHA-256 for the server to check, is created only if absent, and goes in parts
//! above `PART_LEN` so a file is never held in memory whole.

use std::path::Path as FilePath;
use std::sync::Arc;

use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, Checksum};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, WriteMultipart};
use regie_core::Blake3Hex;

use crate::StorageError;

/// Part size of multipart uploads (S3's minimum is 5 MiB); files up to it go in one request.
const PART_LEN: usize = 16 << 20;
/// Parts in flight at once during a multipart upload.
const PARTS_IN_FLIGHT: usize = 4;

/// Bytes of a blob as they are read.
pub type BlobStream = futures::stream::BoxStream<'static, Result<bytes::Bytes, StorageError>>;

/// A bucket (and prefix) holding blobs.
#[derive(Debug, Clone)]
pub struct S3Blobs {
    store: Arc<AmazonS3>,
    prefix: String,
    url: String,
}

fn failed<'a>(url: &'a str, step: &'static str) -> impl Fn(object_store::Error) -> StorageError + 'a {
    move |source| StorageError::Remote { url: url.to_owned(), step, message: source.to_string() }
}

impl S3Blobs {
    /// Connects (lazily: nothing is sent until the first request) to `s3://BUCKET[/PREFIX]`,
    /// configured by the `AWS_*` variables of the environment.
    pub fn open(url: &str) -> Result<Self, StorageError> {
        Self::open_with(url, &[])
    }

    /// As `open`, with `AWS_*` settings given here taking precedence over the environment's.
    pub fn open_with(url: &str, settings: &[(&str, &str)]) -> Result<Self, StorageError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| StorageError::BadStoreUrl { url: url.to_owned(), reason: "it does not start with s3://" })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StorageError::BadStoreUrl { url: url.to_owned(), reason: "it names no bucket" });
        }
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_checksum_algorithm(Checksum::SHA256)
            .with_virtual_hosted_style_request(false);
        let region_given = settings.iter().any(|(name, _)| name.eq_ignore_ascii_case("AWS_REGION"));
        if !region_given && std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
            builder = builder.with_region("us-east-1");
        }
        for (name, value) in settings {
            let key = name.to_ascii_lowercase().parse().map_err(|_| StorageError::BadStoreUrl {
                url: url.to_owned(),
                reason: "a setting is not an S3 option",
            })?;
            builder = builder.with_config(key, *value);
        }
        let store = builder.build().map_err(|error| StorageError::Remote {
            url: url.to_owned(),
            step: "configuring",
            message: error.to_string(),
        })?;
        Ok(Self { store: Arc::new(store), prefix: prefix.trim_matches('/').to_owned(), url: url.to_owned() })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn key(&self, blake3: &Blake3Hex) -> Path {
        let digest = blake3.as_str();
        let key = format!("blobs/{}/{}/{digest}", &digest[0..2], &digest[2..4]);
        if self.prefix.is_empty() { Path::from(key) } else { Path::from(format!("{}/{key}", self.prefix)) }
    }

    fn blobs_prefix(&self) -> Path {
        if self.prefix.is_empty() { Path::from("blobs") } else { Path::from(format!("{}/blobs", self.prefix)) }
    }

    /// The blob's size, or `None` when it is not stored.
    pub async fn size(&self, blake3: &Blake3Hex) -> Result<Option<u64>, StorageError> {
        match self.store.head(&self.key(blake3)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(failed(&self.url, "looking up a blob")(error)),
        }
    }

    /// Uploads the file as the blob `blake3`, unless that blob is already stored (same content).
    pub async fn put_file(&self, blake3: &Blake3Hex, file: &FilePath, size: u64) -> Result<(), StorageError> {
        if self.size(blake3).await?.is_some() {
            return Ok(());
        }
        let key = self.key(blake3);
        if size <= PART_LEN as u64 {
            let bytes = tokio::fs::read(file).await.map_err(|error| StorageError::read(file, error))?;
            let payload = PutPayload::from(bytes::Bytes::from(bytes));
            let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
            return match self.store.put_opts(&key, payload.clone(), options).await {
                Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
                // Servers without conditional writes answer this way: a plain put of the same
                // content under its content address is as good.
                Err(object_store::Error::NotImplemented { .. }) => {
                    self.store.put(&key, payload).await.map(|_| ()).map_err(failed(&self.url, "uploading a blob"))
                }
                Err(error) => Err(failed(&self.url, "uploading a blob")(error)),
            };
        }
        let upload = self.store.put_multipart(&key).await.map_err(failed(&self.url, "starting an upload"))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_LEN);
        let mut input = tokio::fs::File::open(file).await.map_err(|error| StorageError::read(file, error))?;
        let mut sent = 0u64;
        loop {
            writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(failed(&self.url, "uploading a part"))?;
            let mut chunk = vec![0u8; PART_LEN];
            let read = read_full(&mut input, &mut chunk).await.map_err(|error| StorageError::read(file, error))?;
            if read == 0 {
                break;
            }
            chunk.truncate(read);
            sent += read as u64;
            writer.put(bytes::Bytes::from(chunk));
        }
        if sent != size {
            writer.abort().await.ok();
            return Err(StorageError::SourceChanged { path: file.to_owned() });
        }
        writer.finish().await.map(|_| ()).map_err(failed(&self.url, "completing an upload"))
    }

    /// Writes the blob into `target` (a new file), returning its size.
    pub async fn download(&self, blake3: &Blake3Hex, target: &FilePath) -> Result<u64, StorageError> {
        use tokio::io::AsyncWriteExt;
        let found = self.store.get(&self.key(blake3)).await.map_err(|error| match error {
            object_store::Error::NotFound { .. } => StorageError::BlobMissing { blake3: blake3.to_string() },
            error => failed(&self.url, "reading a blob")(error),
        })?;
        let mut stream = found.into_stream();
        let mut output = tokio::fs::File::create(target).await.map_err(|error| StorageError::write(target, error))?;
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(failed(&self.url, "reading a blob"))?;
            size += chunk.len() as u64;
            output.write_all(&chunk).await.map_err(|error| StorageError::write(target, error))?;
        }
        output.sync_all().await.map_err(|error| StorageError::write(target, error))?;
        Ok(size)
    }

    /// The bytes `range` of the blob as they arrive (nothing is held whole).
    pub async fn read_range(
        &self,
        blake3: &Blake3Hex,
        range: std::ops::Range<u64>,
    ) -> Result<BlobStream, StorageError> {
        let options = object_store::GetOptions {
            range: Some(object_store::GetRange::Bounded(range)),
            ..object_store::GetOptions::default()
        };
        let found = self.store.get_opts(&self.key(blake3), options).await.map_err(|error| match error {
            object_store::Error::NotFound { .. } => StorageError::BlobMissing { blake3: blake3.to_string() },
            error => failed(&self.url, "reading a blob")(error),
        })?;
        let url = self.url.clone();
        Ok(Box::pin(found.into_stream().map(move |chunk| chunk.map_err(failed(&url, "reading a blob")))))
    }

    /// A URL that reads the blob without credentials until `expires_in` has passed (for a tool or
    /// a partner that must not hold the bucket's keys).
    pub async fn presign(&self, blake3: &Blake3Hex, expires_in: std::time::Duration) -> Result<String, StorageError> {
        use object_store::signer::Signer;
        let url = self
            .store
            .signed_url(object_store::signer::Method::GET, &self.key(blake3), expires_in)
            .await
            .map_err(failed(&self.url, "signing a URL"))?;
        Ok(url.to_string())
    }

    /// Reads the blob in full and compares its BLAKE3 with its address.
    pub async fn verify(&self, blake3: &Blake3Hex) -> Result<bool, StorageError> {
        let found = match self.store.get(&self.key(blake3)).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(error) => return Err(failed(&self.url, "reading a blob")(error)),
        };
        let mut stream = found.into_stream();
        let mut hasher = blake3::Hasher::new();
        while let Some(chunk) = stream.next().await {
            hasher.update(&chunk.map_err(failed(&self.url, "reading a blob"))?);
        }
        Ok(hasher.finalize().to_hex().as_str() == blake3.as_str())
    }

    /// Reads the blob in full for fixity (see `BlobStore::read_copy`).
    pub(crate) async fn read_copy(
        &self,
        blake3: &Blake3Hex,
        md5: bool,
        throttle: Option<Arc<crate::Throttle>>,
    ) -> Result<crate::CopyReading, StorageError> {
        let found = match self.store.get(&self.key(blake3)).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(crate::CopyReading::Missing),
            Err(error) => return Err(failed(&self.url, "reading a blob")(error)),
        };
        let mut stream = found.into_stream();
        let mut digest = crate::fixity::StreamDigest::new(md5);
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(error) => {
                    return Ok(crate::CopyReading::Unreadable(format!("the object stopped after part of it: {error}")));
                }
            };
            if let Some(throttle) = &throttle {
                tokio::time::sleep(throttle.wait_before(chunk.len() as u64)).await;
            }
            digest.update(&chunk);
        }
        Ok(crate::CopyReading::Read(digest.finish()))
    }

    /// Moves the object aside to `quarantine/<blake3>.<stamp>` (copy, then delete).
    pub(crate) async fn quarantine(&self, blake3: &Blake3Hex, stamp: u128) -> Result<Option<String>, StorageError> {
        let from = self.key(blake3);
        let name = format!("quarantine/{blake3}.{stamp}");
        let to = if self.prefix.is_empty() { Path::from(name) } else { Path::from(format!("{}/{name}", self.prefix)) };
        match self.store.copy(&from, &to).await {
            Ok(()) => {}
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(failed(&self.url, "quarantining a blob")(error)),
        }
        self.store.delete(&from).await.map_err(failed(&self.url, "quarantining a blob"))?;
        let bucket = self.url.trim_start_matches("s3://").split('/').next().unwrap_or_default();
        Ok(Some(format!("s3://{bucket}/{to}")))
    }

    /// Every blob in the bucket under the prefix last written before `written_before` (seconds
    /// since the epoch), when given.
    pub async fn list(&self, written_before: Option<i64>) -> Result<Vec<Blake3Hex>, StorageError> {
        let prefix = self.blobs_prefix();
        let mut listing = self.store.list(Some(&prefix));
        let mut found = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(failed(&self.url, "listing blobs"))?;
            if written_before.is_some_and(|limit| meta.last_modified.timestamp() >= limit) {
                continue;
            }
            if let Some(name) = meta.location.filename()
                && let Ok(digest) = Blake3Hex::parse(name)
            {
                found.push(digest);
            }
        }
        found.sort();
        Ok(found)
    }

    /// Deletes one blob; its size, or `None` when it was not there.
    pub async fn remove(&self, blake3: &Blake3Hex) -> Result<Option<u64>, StorageError> {
        let Some(size) = self.size(blake3).await? else { return Ok(None) };
        self.store.delete(&self.key(blake3)).await.map_err(failed(&self.url, "deleting a blob"))?;
        Ok(Some(size))
    }

    /// Asks the bucket for one listing page: answers whether it exists and the credentials work.
    pub async fn check(&self) -> Result<(), StorageError> {
        let prefix = self.blobs_prefix();
        let mut listing = self.store.list(Some(&prefix));
        match listing.next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(error)) => Err(failed(&self.url, "listing the bucket")(error)),
        }
    }
}

/// Reads until the buffer is full or the input ends.
async fn read_full(input: &mut tokio::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    use tokio::io::AsyncReadExt;
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]).await {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}
