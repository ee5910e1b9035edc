//! An S3 destination: each file is uploaded to its final key (an S3 object appears whole or not
//! at all, so no temporary name is needed), in parts above 16 MiB, then read back in full and
//! compared. A multipart upload records its id and finished parts in the resume folder after each
//! part, so an attempt that was killed is continued by the next one instead of started again.
//! Credentials come from the environment like the store's, by reference.

use std::sync::Arc;

use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, Checksum};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as Key;
use object_store::{ObjectStoreExt, PutPayload};
use regie_core::destination::DestinationUrl;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use crate::cksum::Cksum;
use crate::{Delivered, Destination, Found, Outgoing, TransferError, join};

const PART_LEN: usize = 16 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 4;

fn bucket(destination: &Destination) -> Result<(Arc<AmazonS3>, &str), TransferError> {
    let DestinationUrl::S3 { bucket, prefix } = &destination.url else {
        unreachable!("bucket functions are called for s3 destinations only")
    };
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_checksum_algorithm(Checksum::SHA256)
        .with_virtual_hosted_style_request(false);
    let settings = &destination.access.s3_settings;
    let region_given = settings.iter().any(|(name, _)| name.eq_ignore_ascii_case("AWS_REGION"));
    if !region_given && std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
        builder = builder.with_region("us-east-1");
    }
    for (name, value) in settings {
        let key = name
            .to_ascii_lowercase()
            .parse()
            .map_err(|_| TransferError::Settings { what: "s3", reason: format!("{name} is not an S3 option") })?;
        builder = builder.with_config(key, value);
    }
    let store = builder.build().map_err(|error| TransferError::Settings { what: "s3", reason: error.to_string() })?;
    Ok((Arc::new(store), prefix.as_str()))
}

fn remote<'a>(destination: &'a Destination, step: &'static str) -> impl Fn(object_store::Error) -> TransferError + 'a {
    move |error| TransferError::Remote { destination: destination.name.clone(), step, message: error.to_string() }
}

/// An unfinished multipart upload, as recorded after each part.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    key: String,
    upload_id: String,
    size: u64,
    part_len: usize,
    parts: Vec<String>,
}

pub(crate) async fn send(
    destination: &Destination,
    files: &[Outgoing],
    tag: &str,
) -> Result<Vec<Delivered>, TransferError> {
    let (store, prefix) = bucket(destination)?;
    let mut delivered = Vec::new();
    for file in files {
        let key = join(prefix, &file.name);
        let state = destination.access.resume_dir.join(format!("s3-{tag}-{}.json", crate::cksum::name_digest(&key)));
        let (cksum, size, resumed_from) =
            upload(destination, &store, &file.local, &Key::from(key.as_str()), &state).await?;
        delivered.push(Delivered { name: file.name.clone(), path: key, size, cksum, resumed_from });
    }
    let found = measure(destination, &delivered).await?;
    for (file, found) in delivered.iter().zip(found) {
        if let Some(reason) = crate::mismatch(file, found) {
            let _ = store.delete(&Key::from(file.path.as_str())).await;
            return Err(TransferError::Mismatch {
                destination: destination.name.clone(),
                path: file.path.clone(),
                reason,
            });
        }
    }
    Ok(delivered)
}

async fn upload(
    destination: &Destination,
    store: &Arc<AmazonS3>,
    local: &std::path::Path,
    key: &Key,
    state: &std::path::Path,
) -> Result<(u32, u64, u64), TransferError> {
    let read_error = |source| TransferError::Read { path: local.display().to_string(), source };
    let mut input = tokio::fs::File::open(local).await.map_err(read_error)?;
    let size = input.metadata().await.map_err(read_error)?.len();
    let mut sum = Cksum::default();
    if size <= PART_LEN as u64 {
        let mut bytes = Vec::with_capacity(size as usize);
        input.read_to_end(&mut bytes).await.map_err(read_error)?;
        sum.update(&bytes);
        store
            .put(key, PutPayload::from(bytes::Bytes::from(bytes)))
            .await
            .map_err(remote(destination, "uploading a file"))?;
        return Ok((sum.finish(), size, 0));
    }
    let recorded: Option<Pending> =
        std::fs::read(state).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).filter(|pending: &Pending| {
            pending.key == key.as_ref() && pending.size == size && pending.part_len == PART_LEN
        });
    let mut pending = match recorded {
        Some(pending) => pending,
        None => {
            let upload_id = store.create_multipart(key).await.map_err(remote(destination, "starting an upload"))?;
            Pending { key: key.to_string(), upload_id, size, part_len: PART_LEN, parts: Vec::new() }
        }
    };
    let resumed_from = (pending.parts.len() * PART_LEN) as u64;
    save(state, &pending)?;
    let bytes_per_second = destination.access.limit_kbit_s.map(|limit| f64::from(limit.max(1)) * 125.0);
    let started = std::time::Instant::now();
    let mut sent = 0u64;
    let mut read_total = 0u64;
    let mut index = 0usize;
    // Parts upload on their own tasks; they are recorded in order as they finish.
    let mut in_flight: std::collections::VecDeque<tokio::task::JoinHandle<object_store::Result<PartId>>> =
        std::collections::VecDeque::new();
    loop {
        let mut chunk = vec![0u8; PART_LEN];
        let mut filled = 0;
        while filled < PART_LEN {
            let read = input.read(&mut chunk[filled..]).await.map_err(read_error)?;
            if read == 0 {
                break;
            }
            filled += read;
        }
        if filled == 0 {
            break;
        }
        chunk.truncate(filled);
        sum.update(&chunk);
        read_total += filled as u64;
        if index >= pending.parts.len() {
            let (store, key, upload_id) = (Arc::clone(store), key.clone(), pending.upload_id.clone());
            let part = index;
            in_flight.push_back(tokio::spawn(async move {
                store.put_part(&key, &upload_id, part, PutPayload::from(bytes::Bytes::from(chunk))).await
            }));
            sent += filled as u64;
            if let Some(rate) = bytes_per_second {
                let due = std::time::Duration::from_secs_f64(sent as f64 / rate);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
            }
            while in_flight.front().is_some_and(|part| part.is_finished()) || in_flight.len() >= PARTS_IN_FLIGHT {
                let Some(part) = in_flight.pop_front() else { break };
                record_part(destination, state, &mut pending, part.await).await?;
            }
        }
        index += 1;
    }
    while let Some(part) = in_flight.pop_front() {
        record_part(destination, state, &mut pending, part.await).await?;
    }
    if read_total != size || pending.parts.len() != index {
        let _ = store.abort_multipart(key, &pending.upload_id).await;
        let _ = std::fs::remove_file(state);
        return Err(read_error(std::io::Error::other("the file changed size while it was sent")));
    }
    let parts = pending.parts.iter().map(|content_id| PartId { content_id: content_id.clone() }).collect();
    store
        .complete_multipart(key, &pending.upload_id, parts)
        .await
        .map_err(remote(destination, "completing an upload"))?;
    let _ = std::fs::remove_file(state);
    Ok((sum.finish(), size, resumed_from.min(size)))
}

/// Records a finished part (in order) and writes the state down before the next one counts.
async fn record_part(
    destination: &Destination,
    state: &std::path::Path,
    pending: &mut Pending,
    done: Result<object_store::Result<PartId>, tokio::task::JoinError>,
) -> Result<(), TransferError> {
    let done = done.map_err(|error| TransferError::Remote {
        destination: destination.name.clone(),
        step: "uploading a part",
        message: error.to_string(),
    })?;
    let part = done.map_err(remote(destination, "uploading a part"))?;
    pending.parts.push(part.content_id);
    save(state, pending)
}

/// Writes the upload's state atomically (a temporary file renamed over it).
fn save(state: &std::path::Path, pending: &Pending) -> Result<(), TransferError> {
    let failed = |source| TransferError::Read { path: state.display().to_string(), source };
    let folder = state.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(folder).map_err(failed)?;
    let text = serde_json::to_vec(pending).map_err(|error| failed(std::io::Error::other(error.to_string())))?;
    let temporary = state.with_extension("tmp");
    std::fs::write(&temporary, text).map_err(failed)?;
    std::fs::rename(&temporary, state).map_err(failed)
}

pub(crate) async fn measure(destination: &Destination, delivered: &[Delivered]) -> Result<Vec<Found>, TransferError> {
    let (store, _) = bucket(destination)?;
    let mut found = Vec::new();
    for file in delivered {
        let object = match store.get(&Key::from(file.path.as_str())).await {
            Ok(object) => object,
            Err(object_store::Error::NotFound { .. }) => {
                found.push(None);
                continue;
            }
            Err(error) => return Err(remote(destination, "reading a delivered file back")(error)),
        };
        let mut stream = object.into_stream();
        let mut sum = Cksum::default();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(remote(destination, "reading a delivered file back"))?;
            size += chunk.len() as u64;
            sum.update(&chunk);
        }
        found.push(Some((size, sum.finish())));
    }
    Ok(found)
}

pub(crate) async fn remove(destination: &Destination, path: &str) -> Result<(), TransferError> {
    let (store, _) = bucket(destination)?;
    store.delete(&Key::from(path)).await.map_err(remote(destination, "removing a file"))
}
