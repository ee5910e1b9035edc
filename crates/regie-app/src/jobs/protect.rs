//! A package encrypted in the work folder, after it is verified and measured and before it is
//! stored: a key made for the rendition (recorded sealed first), then every segment and
//! manifest rewritten (`regie-protect` does the bytes).

use std::path::{Path, PathBuf};

use regie_core::AssetId;
use regie_core::profile::Encryption;
use regie_protect::{ContentKey, ProtectError};

use super::failure::JobFailure;
use super::worker::JobContext;

/// Where players fetch the key of `key`: the API's key endpoint, on the same origin.
pub(crate) fn key_uri(key: &ContentKey) -> String {
    format!("/api/v1/keys/{}", key.id_hex())
}

/// Encrypts the package in the work folder with a new key; what the job's result says of it.
pub(super) async fn protect_package(
    context: &JobContext,
    asset_id: AssetId,
    rendition: &str,
    scheme: Encryption,
) -> Result<serde_json::Value, JobFailure> {
    if context.regie.queue.is_remote() {
        // A node of a render farm has no catalogue to keep the key in, nor the master key.
        return Err(JobFailure::permanent(
            "an encrypted package is made by a worker on the catalogue, not by a node leasing jobs over HTTP",
        ));
    }
    let key = context
        .regie
        .new_content_key(asset_id, rendition, &context.job.id.to_string(), scheme.as_str())
        .await
        .map_err(JobFailure::from)?;
    let folder = context.work_dir.clone();
    let for_work = key.clone();
    let files = tokio::task::spawn_blocking(move || match scheme {
        Encryption::Cenc => protect_cenc(&folder, &for_work),
        Encryption::Aes128 => protect_aes_128(&folder, &for_work),
    })
    .await
    .map_err(|error| JobFailure::permanent(format!("the encryption stopped: {error}")))?
    .map_err(|error| JobFailure::permanent(format!("cannot encrypt the package: {error}")))?;
    context.log("info", &format!("package encrypted ({}): {files} files, key {}", scheme.as_str(), key.id_hex())).await;
    Ok(serde_json::json!({ "scheme": scheme.as_str(), "key_id": key.id_hex(), "key_uri": key_uri(&key) }))
}

#[derive(Debug, thiserror::Error)]
enum PackageError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Protect { path: PathBuf, source: ProtectError },
    #[error("{0}")]
    Layout(String),
}

fn read(path: &Path) -> Result<Vec<u8>, PackageError> {
    std::fs::read(path).map_err(|source| PackageError::Io { path: path.to_owned(), source })
}

fn read_text(path: &Path) -> Result<String, PackageError> {
    std::fs::read_to_string(path).map_err(|source| PackageError::Io { path: path.to_owned(), source })
}

/// Replaces `path` with `bytes` (a temporary beside it, renamed over it).
fn replace(path: &Path, bytes: &[u8]) -> Result<(), PackageError> {
    let temporary = path.with_extension("protect.tmp");
    std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|source| PackageError::Io { path: path.to_owned(), source })
}

fn names(folder: &Path) -> Result<Vec<String>, PackageError> {
    let entries = std::fs::read_dir(folder).map_err(|source| PackageError::Io { path: folder.to_owned(), source })?;
    let mut names: Vec<String> =
        entries.filter_map(Result::ok).map(|entry| entry.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    Ok(names)
}

/// CENC: each representation's init segment and fragments, the MPD and the HLS playlists.
fn protect_cenc(folder: &Path, key: &ContentKey) -> Result<usize, PackageError> {
    let names = names(folder)?;
    let mut done = 0;
    for init_name in names.iter().filter(|name| name.starts_with("init-") && name.ends_with(".m4s")) {
        let representation = &init_name["init-".len()..init_name.len() - ".m4s".len()];
        let path = folder.join(init_name);
        let init = read(&path)?;
        let protect = |source| PackageError::Protect { path: path.clone(), source };
        let codec = regie_protect::track_codec(&init).map_err(protect)?;
        replace(&path, &regie_protect::protect_init(&init, key.id).map_err(protect)?)?;
        done += 1;
        let prefix = format!("chunk-{representation}-");
        for chunk in names.iter().filter(|name| name.starts_with(&prefix)) {
            let path = folder.join(chunk);
            let seed = u64::from_be_bytes(
                regie_protect::random_bytes::<8>()
                    .map_err(|source| PackageError::Protect { path: path.clone(), source })?,
            );
            let encrypted = regie_protect::encrypt_fragment(&read(&path)?, codec, &key.key, seed)
                .map_err(|source| PackageError::Protect { path: path.clone(), source })?;
            replace(&path, &encrypted)?;
            done += 1;
        }
    }
    if done == 0 {
        return Err(PackageError::Layout("the package has no init segments".into()));
    }
    let manifest = folder.join("manifest.mpd");
    if manifest.exists() {
        let protected =
            regie_protect::protect_dash_manifest(&read_text(&manifest)?, &key.id, &super::protect::key_uri(key))
                .map_err(|source| PackageError::Protect { path: manifest.clone(), source })?;
        replace(&manifest, protected.as_bytes())?;
    }
    for playlist in names.iter().filter(|name| name.starts_with("media_") && name.ends_with(".m3u8")) {
        let path = folder.join(playlist);
        replace(&path, regie_protect::sample_aes_ctr_playlist(&read_text(&path)?, &key.id).as_bytes())?;
    }
    Ok(done)
}

/// HLS AES-128: every segment a media playlist lists, by its sequence number, and the playlist's
/// key tag; the DASH manifest is removed (its players cannot decrypt whole segments).
fn protect_aes_128(folder: &Path, key: &ContentKey) -> Result<usize, PackageError> {
    let mut done = 0;
    for playlist in names(folder)?.iter().filter(|name| name.starts_with("media_") && name.ends_with(".m3u8")) {
        let path = folder.join(playlist);
        let text = read_text(&path)?;
        for (segment, sequence) in regie_protect::segment_sequence_numbers(&text) {
            if segment.contains('/') || segment.starts_with('.') {
                return Err(PackageError::Layout(format!("{playlist} lists {segment:?}, outside the package")));
            }
            let segment_path = folder.join(&segment);
            replace(&segment_path, &regie_protect::encrypt_whole_segment(&read(&segment_path)?, &key.key, sequence))?;
            done += 1;
        }
        replace(&path, regie_protect::key_tag_playlist(&text, &key_uri(key)).as_bytes())?;
    }
    if done == 0 {
        return Err(PackageError::Layout("no media playlist lists a segment".into()));
    }
    let manifest = folder.join("manifest.mpd");
    if manifest.exists() {
        std::fs::remove_file(&manifest).map_err(|source| PackageError::Io { path: manifest.clone(), source })?;
    }
    Ok(done)
}
