//! An S3 destination: each file is uploaded to its final key (an S3 object appears whole or not
//! at all, so no temporary name is needed), in parts above 16 MiB, then read back in full and
//! compared. Credentials come from the environment like the store's, by reference.

use std::sync::Arc;

use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, Checksum};
use object_store::path::Path as Key;
use object_store::{ObjectStoreExt, PutPayload, WriteMultipart};
use regie_core::destination::DestinationUrl;
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

pub(crate) async fn send(destination: &Destination, files: &[Outgoing]) -> Result<Vec<Delivered>, TransferError> {
    let (store, prefix) = bucket(destination)?;
    let mut delivered = Vec::new();
    for file in files {
        let key = join(prefix, &file.name);
        let (cksum, size) = upload(destination, &store, &file.local, &Key::from(key.as_str())).await?;
        delivered.push(Delivered { name: file.name.clone(), path: key, size, cksum, resumed_from: 0 });
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
) -> Result<(u32, u64), TransferError> {
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
        return Ok((sum.finish(), size));
    }
    let upload = store.put_multipart(key).await.map_err(remote(destination, "starting an upload"))?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_LEN);
    let mut sent = 0u64;
    loop {
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(remote(destination, "uploading a part"))?;
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
        sent += filled as u64;
        writer.put(bytes::Bytes::from(chunk));
    }
    if sent != size {
        writer.abort().await.ok();
        return Err(read_error(std::io::Error::other("the file changed size while it was sent")));
    }
    writer.finish().await.map_err(remote(destination, "completing an upload"))?;
    Ok((sum.finish(), size))
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
