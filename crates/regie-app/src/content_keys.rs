//! Keys of protected packages: made per encrypted rendition, kept sealed under the master key,
//! and opened only for a caller who may read the asset (`/api/v1/keys/{id}`).

use regie_core::AssetId;
use regie_db::ContentKeyRow;
use regie_protect::{ContentKey, MasterKey};

use crate::output_file::write_new_file;
use crate::{AppError, Regie};

/// The master key file under the data folder when `[keys] master_key` names none.
pub const MASTER_KEY_FILE: &str = "keys/content-master.key";

impl Regie {
    /// The master key: `[keys] master_key`, or `DATA/keys/content-master.key`, made on first use
    /// (32 random bytes in hex, readable by its owner only).
    pub(crate) fn master_key(&self) -> Result<MasterKey, AppError> {
        let path =
            self.settings.audit.master_key.clone().unwrap_or_else(|| self.settings.data_dir.join(MASTER_KEY_FILE));
        if !path.exists() {
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)
                    .map_err(|source| AppError::DataFolder { path: folder.to_owned(), source })?;
            }
            let fresh = MasterKey::generate()?;
            match write_new_file(&path, hex::encode(fresh.as_bytes()).as_bytes()) {
                // Another process made it first: theirs is the one.
                Ok(()) | Err(AppError::OutputExists { .. }) => {}
                Err(error) => return Err(error),
            }
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|source| AppError::DataFolder { path: path.clone(), source })?;
        }
        let text =
            std::fs::read_to_string(&path).map_err(|source| AppError::DataFolder { path: path.clone(), source })?;
        let bytes = hex::decode(text.trim())
            .map_err(|_| AppError::Invalid(format!("{} is not a master key (64 hex digits)", path.display())))?;
        Ok(MasterKey::from_bytes(&bytes)?)
    }

    /// A new key for a rendition, recorded sealed before anything is encrypted with it.
    pub(crate) async fn new_content_key(
        &self,
        asset_id: AssetId,
        rendition: &str,
        job_id: &str,
        scheme: &str,
    ) -> Result<ContentKey, AppError> {
        let key = ContentKey::generate()?;
        let sealed = self.master_key()?.seal(&key)?;
        self.db.insert_content_key(&key.id_hex(), asset_id, rendition, Some(job_id), scheme, &sealed).await?;
        Ok(key)
    }

    /// The asset whose rendition the key `id` protects; not found for an unknown or malformed id.
    /// The caller's permission on that asset is checked before [`Regie::open_content_key`].
    pub async fn content_key_asset(&self, id: &str) -> Result<String, AppError> {
        Ok(self.content_key_row(id).await?.asset_id)
    }

    /// The key of `id`, unsealed (for a caller whose permission was checked).
    pub async fn open_content_key(&self, id: &str) -> Result<(ContentKey, ContentKeyRow), AppError> {
        let row = self.content_key_row(id).await?;
        let bytes: [u8; 16] = hex::decode(&row.id)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| AppError::Internal(format!("content key id {} is not 32 hex digits", row.id)))?;
        let key = self.master_key()?.unseal(bytes, &row.sealed)?;
        Ok((key, row))
    }

    async fn content_key_row(&self, id: &str) -> Result<ContentKeyRow, AppError> {
        let not_found = || AppError::NoSuchFile(format!("no key {id}"));
        let bytes: [u8; 16] = hex::decode(id).ok().and_then(|bytes| bytes.try_into().ok()).ok_or_else(not_found)?;
        self.db.content_key(&hex::encode(bytes)).await?.ok_or_else(not_found)
    }
}
