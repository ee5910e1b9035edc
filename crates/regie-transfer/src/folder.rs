//! A folder destination (a mounted share): copy under the temporary name, append to what an
//! interrupted attempt left, fsync, read back, rename, fsync the folder.

use std::path::Path;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::cksum::{Cksum, cksum_file};
use crate::{Delivered, Destination, Found, Outgoing, TransferError, join, partial_name};

const CHUNK: usize = 1 << 20;

pub(crate) async fn send(
    destination: &Destination,
    folder: &str,
    files: &[Outgoing],
    tag: &str,
) -> Result<Vec<Delivered>, TransferError> {
    let write_error = |path: &str| {
        let (destination, path) = (destination.name.clone(), path.to_owned());
        move |source| TransferError::Write { destination: destination.clone(), path: path.clone(), source }
    };
    tokio::fs::create_dir_all(folder).await.map_err(write_error(folder))?;
    let mut delivered = Vec::new();
    for file in files {
        let partial = join(folder, &partial_name(&file.name, tag));
        let (cksum, size, resumed_from) = copy_resuming(destination, &file.local, &partial).await?;
        let (far_cksum, far_size) = cksum_file(Path::new(&partial)).await?;
        if (far_cksum, far_size) != (cksum, size) {
            // Start afresh next time: what is there is not a prefix of this file.
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(TransferError::Mismatch {
                destination: destination.name.clone(),
                path: partial,
                reason: format!("read back {far_size} bytes with checksum {far_cksum}, sent {size} with {cksum}"),
            });
        }
        delivered.push(Delivered {
            name: file.name.clone(),
            path: join(folder, &file.name),
            size,
            cksum,
            resumed_from,
        });
    }
    for file in &delivered {
        let partial = join(folder, &partial_name(&file.name, tag));
        tokio::fs::rename(&partial, &file.path).await.map_err(write_error(&file.path))?;
    }
    if let Ok(handle) = tokio::fs::File::open(folder).await {
        let _ = handle.sync_all().await;
    }
    Ok(delivered)
}

/// Copies `local` to `partial`, keeping the bytes an earlier attempt wrote; returns the CRC and
/// size of `local` and where the copy resumed.
async fn copy_resuming(
    destination: &Destination,
    local: &Path,
    partial: &str,
) -> Result<(u32, u64, u64), TransferError> {
    let read_error = |source| TransferError::Read { path: local.display().to_string(), source };
    let write_error =
        |source| TransferError::Write { destination: destination.name.clone(), path: partial.to_owned(), source };
    let mut input = tokio::fs::File::open(local).await.map_err(read_error)?;
    let size = input.metadata().await.map_err(read_error)?.len();
    let mut output = tokio::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(partial)
        .await
        .map_err(write_error)?;
    let mut held = output.metadata().await.map_err(write_error)?.len();
    if held > size {
        output.set_len(0).await.map_err(write_error)?;
        held = 0;
    }
    output.seek(std::io::SeekFrom::Start(held)).await.map_err(write_error)?;
    let bytes_per_second = destination.access.limit_kbit_s.map(|limit| u64::from(limit.max(1)) * 125);
    let started = Instant::now();
    let mut sum = Cksum::default();
    let mut position = 0u64;
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let read = input.read(&mut buffer).await.map_err(read_error)?;
        if read == 0 {
            break;
        }
        sum.update(&buffer[..read]);
        let end = position + read as u64;
        if end > held {
            let from = held.saturating_sub(position) as usize;
            output.write_all(&buffer[from..read]).await.map_err(write_error)?;
            if let Some(rate) = bytes_per_second {
                let due = std::time::Duration::from_secs_f64((end - held) as f64 / rate as f64);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    output.flush().await.map_err(write_error)?;
                    tokio::time::sleep(wait).await;
                }
            }
        }
        position = end;
    }
    if position != size {
        return Err(TransferError::Read {
            path: local.display().to_string(),
            source: std::io::Error::other("the file changed size while it was sent"),
        });
    }
    output.sync_all().await.map_err(write_error)?;
    Ok((sum.finish(), size, held))
}

pub(crate) async fn measure(_destination: &Destination, delivered: &[Delivered]) -> Result<Vec<Found>, TransferError> {
    let mut found = Vec::new();
    for file in delivered {
        found.push(match cksum_file(Path::new(&file.path)).await {
            Ok((cksum, size)) => Some((size, cksum)),
            Err(TransferError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(error),
        });
    }
    Ok(found)
}

pub(crate) async fn remove(destination: &Destination, path: &str) -> Result<(), TransferError> {
    tokio::fs::remove_file(path).await.map_err(|source| TransferError::Write {
        destination: destination.name.clone(),
        path: path.to_owned(),
        source,
    })
}
