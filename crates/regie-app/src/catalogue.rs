//! Catalogue queries and edits: assets, collections, tags.

use regie_core::access::Visibility;
use regie_core::{AssetId, CollectionPath};
use regie_db::{AssetRecord, AssetSummary, CollectionRecord};

use crate::{AppError, Regie};

/// Page size used when listing everything.
const PAGE: u32 = 500;

impl Regie {
    /// Finds an asset by id or house id.
    pub async fn resolve_asset(&self, reference: &str) -> Result<AssetId, AppError> {
        Ok(self.db.resolve_asset(reference).await?)
    }

    pub async fn asset(&self, reference: &str) -> Result<AssetRecord, AppError> {
        let asset_id = self.resolve_asset(reference).await?;
        Ok(self.db.get_asset(asset_id).await?)
    }

    /// Every asset matching the filters, read page by page with a keyset cursor.
    pub async fn list_assets(
        &self,
        collection: Option<&CollectionPath>,
        tag: Option<&str>,
    ) -> Result<Vec<AssetSummary>, AppError> {
        let mut assets: Vec<AssetSummary> = Vec::new();
        loop {
            let after = assets.last().map(|asset| asset.id);
            let page = self.db.list_assets(collection, tag, after, PAGE, &Visibility::All).await?;
            let done = page.len() < PAGE as usize;
            assets.extend(page);
            if done {
                return Ok(assets);
            }
        }
    }

    pub async fn collections(&self) -> Result<Vec<CollectionRecord>, AppError> {
        Ok(self.db.list_collections().await?)
    }

    /// The collections `access` may read, and their ancestors with a count of 0 (a folder above a
    /// granted collection is shown, never what it holds).
    pub async fn collections_as(&self, access: &regie_core::access::Access) -> Result<Vec<CollectionRecord>, AppError> {
        use regie_core::access::Permission;
        let all = self.db.list_collections().await?;
        let readable: Vec<&str> = all
            .iter()
            .filter(|collection| access.allows(Permission::Read, &collection.path, None))
            .map(|collection| collection.path.as_str())
            .collect();
        let is_above_readable =
            |path: &str| readable.iter().any(|below| below.starts_with(path) && below[path.len()..].starts_with('/'));
        Ok(all
            .iter()
            .filter_map(|collection| {
                if readable.contains(&collection.path.as_str()) {
                    Some(collection.clone())
                } else if is_above_readable(&collection.path) {
                    Some(CollectionRecord { asset_count: 0, ..collection.clone() })
                } else {
                    None
                }
            })
            .collect())
    }

    pub async fn tag_asset(&self, reference: &str, tags: &[String]) -> Result<AssetRecord, AppError> {
        let asset_id = self.resolve_asset(reference).await?;
        let mut tags = normalise_tags(tags)?;
        self.db.add_tags(asset_id, &tags).await?;
        tags.sort();
        self.raise(crate::workflow::simple_event(
            regie_core::rules::EventKind::Tagged,
            asset_id,
            format!("tagged:{asset_id}:{}", tags.join(",")),
        ))
        .await;
        self.reindexed(asset_id).await
    }

    pub async fn untag_asset(&self, reference: &str, tags: &[String]) -> Result<AssetRecord, AppError> {
        let asset_id = self.resolve_asset(reference).await?;
        self.db.remove_tags(asset_id, &normalise_tags(tags)?).await?;
        self.reindexed(asset_id).await
    }

    /// Files an asset in another collection (created when missing).
    pub async fn move_asset(&self, reference: &str, collection: &str) -> Result<AssetRecord, AppError> {
        let asset_id = self.resolve_asset(reference).await?;
        let collection: CollectionPath = collection.parse()?;
        self.db.move_asset(asset_id, &collection).await?;
        self.reindexed(asset_id).await
    }

    /// Applies an edit of the descriptive metadata (only the fields sent) and reindexes the asset.
    pub async fn edit_metadata(
        &self,
        reference: &str,
        change: &regie_core::metadata_change::MetadataChange,
    ) -> Result<AssetRecord, AppError> {
        let asset_id = self.resolve_asset(reference).await?;
        let current = self.db.get_asset(asset_id).await?;
        let changed = change.apply(&current.metadata)?;
        self.db.set_metadata(asset_id, &changed).await?;
        let key = format!("metadata-changed:{asset_id}:{}", uuid::Uuid::now_v7());
        self.raise(crate::workflow::simple_event(regie_core::rules::EventKind::MetadataChanged, asset_id, key)).await;
        self.reindexed(asset_id).await
    }

    /// The record of an asset just edited, after updating its search document.
    async fn reindexed(&self, asset_id: AssetId) -> Result<AssetRecord, AppError> {
        self.index_assets(&[asset_id]).await;
        Ok(self.db.get_asset(asset_id).await?)
    }
}

/// Tags are trimmed and lowercased; empty ones and control characters are refused.
pub(crate) fn normalise_tags(tags: &[String]) -> Result<Vec<String>, AppError> {
    tags.iter()
        .map(|tag| {
            let cleaned = tag.trim().to_lowercase();
            if cleaned.is_empty() || cleaned.len() > 100 || cleaned.chars().any(char::is_control) {
                return Err(regie_core::CoreError::invalid(
                    "tag",
                    tag.as_str(),
                    "must be 1 to 100 printable characters",
                )
                .into());
            }
            Ok(cleaned)
        })
        .collect()
}

impl Regie {
    /// Jobs queued or running; also the readiness probe's query.
    pub async fn live_jobs(&self) -> Result<u64, AppError> {
        Ok(self.db.live_job_count().await?)
    }

    /// Where a file of an asset's rendition lies (`path` inside the package, as `assets show`
    /// lists its main file), with its BLAKE3 and size.
    pub async fn stored_rendition_file(
        &self,
        asset_id: AssetId,
        profile: &str,
        path: &str,
    ) -> Result<(StoredBlob, String, u64), AppError> {
        let (blake3, size) = self
            .db
            .rendition_file(asset_id, profile, path)
            .await?
            .ok_or_else(|| AppError::NoSuchFile(format!("the {profile} rendition has no file {path}")))?;
        let address = regie_core::Blake3Hex::parse(&blake3)?;
        Ok((self.stored_blob(address, size).await?, blake3, size))
    }

    /// Where the stored file `role` of an asset lies, with its record.
    pub async fn stored_file(
        &self,
        asset_id: AssetId,
        role: &str,
    ) -> Result<(StoredBlob, regie_db::FileRecord, AssetRecord), AppError> {
        let asset = self.db.get_asset(asset_id).await?;
        let file = asset.files.iter().find(|file| file.role == role).cloned().ok_or_else(|| {
            let roles: Vec<&str> = asset.files.iter().map(|file| file.role.as_str()).collect();
            AppError::NoSuchFile(format!("asset {} has no {role} file (it has {})", asset.house_id, roles.join(", ")))
        })?;
        let blake3 = regie_core::Blake3Hex::parse(&file.blake3)?;
        Ok((self.stored_blob(blake3, file.size).await?, file, asset))
    }

    /// How a blob is served: the stored file itself from a folder; from a bucket, by ranges read
    /// as they are sent (`read_blob_range`), never fetched whole first.
    async fn stored_blob(&self, blake3: regie_core::Blake3Hex, size: u64) -> Result<StoredBlob, AppError> {
        if self.store.is_remote() {
            return Ok(StoredBlob::Remote { blake3, size });
        }
        Ok(StoredBlob::File(self.store.local_copy(&blake3).await?))
    }

    /// The bytes `range` of a blob in the bucket (or the folder), as they are read.
    pub async fn read_blob_range(
        &self,
        blake3: &regie_core::Blake3Hex,
        range: std::ops::Range<u64>,
    ) -> Result<regie_storage::BlobStream, AppError> {
        Ok(self.store.read_range(blake3, range).await?)
    }
}

/// A stored blob as a download route serves it.
#[derive(Debug)]
pub enum StoredBlob {
    /// A file on this machine (sent with sendfile and Range by the HTTP layer).
    File(regie_storage::LocalBlob),
    /// An object in the bucket, of this size.
    Remote { blake3: regie_core::Blake3Hex, size: u64 },
}
