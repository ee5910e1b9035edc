//! Storage locations: the primary store (the data folder or `[storage] url`) and the folders and
//! buckets added with `regie storage add`, each with a tier.

use std::path::PathBuf;

use regie_core::keeping::{PRIMARY, Place, Tier};
use regie_storage::{BlobStore, S3Blobs};
use serde::{Deserialize, Serialize};

use crate::{AppError, Regie};

/// How regie reaches a bucket location; the keys stay in the named environment variables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_env: Option<String>,
}

/// A location as `storage list|show` print it, with what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct LocationInfo {
    pub name: String,
    pub url: String,
    pub tier: Tier,
    /// The store every blob is written to first.
    pub primary: bool,
    #[serde(flatten)]
    pub settings: LocationSettings,
    pub created_at: Option<String>,
    /// Copies recorded there, their bytes, and how many the last check found bad.
    pub copies: u64,
    pub bytes: u64,
    pub bad_copies: u64,
}

/// Where a location keeps its blobs, checked.
enum LocationUrl {
    Folder(PathBuf),
    Bucket(String),
}

fn parse_location_url(url: &str) -> Result<LocationUrl, AppError> {
    if let Some(path) = url.strip_prefix("file://") {
        let path = PathBuf::from(path);
        if !path.is_absolute() || path.components().any(|part| matches!(part, std::path::Component::ParentDir)) {
            return Err(AppError::Invalid(format!("{url}: give file:///ABSOLUTE/PATH (three slashes, no '..')")));
        }
        return Ok(LocationUrl::Folder(path));
    }
    if url.starts_with("s3://") {
        S3Blobs::open(url)?;
        return Ok(LocationUrl::Bucket(url.to_owned()));
    }
    Err(AppError::Invalid(format!("{url} is not a storage location: give file:///PATH or s3://BUCKET[/PREFIX]")))
}

fn plain_location_name(name: &str) -> Result<(), AppError> {
    if name == PRIMARY {
        return Err(AppError::Invalid(format!("{PRIMARY:?} is the primary store's name: choose another")));
    }
    if regie_core::plain_name::is_plain_name(name) {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "{name:?} is not a location name: use letters, digits, '-' and '_' (it names the location, not a path)"
        )))
    }
}

impl Regie {
    /// Adds a folder or bucket as a storage location, after checking that regie can write there.
    pub async fn add_location(
        &self,
        name: &str,
        url: &str,
        tier: Tier,
        settings: LocationSettings,
    ) -> Result<LocationInfo, AppError> {
        plain_location_name(name)?;
        crate::s3_access::check_variable_names(settings.access_key_env.iter().chain(&settings.secret_key_env))?;
        let parsed = parse_location_url(url)?;
        let bucket_only = settings != LocationSettings::default();
        if bucket_only && matches!(parsed, LocationUrl::Folder(_)) {
            return Err(AppError::Invalid(
                "--endpoint, --region and the key variables are for s3:// locations".to_owned(),
            ));
        }
        if let LocationUrl::Folder(folder) = &parsed {
            let primary = self.settings.data_dir.join("store");
            if !self.store.is_remote()
                && std::fs::canonicalize(folder).ok().is_some_and(|folder| {
                    std::fs::canonicalize(&primary).is_ok_and(|primary| folder.starts_with(primary))
                })
            {
                return Err(AppError::Invalid(format!(
                    "{url} is inside the primary store: a second copy must live elsewhere"
                )));
            }
        }
        let store = self.open_store(name, url, &settings)?;
        store.check().await?;
        let settings_json = serde_json::to_value(&settings).map_err(|error| AppError::Internal(error.to_string()))?;
        self.db.insert_location(name, url, tier.as_str(), &settings_json).await?;
        self.location_info(name).await
    }

    pub async fn list_locations(&self) -> Result<Vec<LocationInfo>, AppError> {
        let totals = self.db.copy_totals().await?;
        let mut list = vec![self.primary_info()];
        for row in self.db.list_locations().await? {
            list.push(info_from_row(row)?);
        }
        for info in &mut list {
            for total in totals.iter().filter(|total| total.location == info.name) {
                info.copies += total.copies;
                info.bytes += total.bytes;
                if total.state != "ok" {
                    info.bad_copies += total.copies;
                }
            }
        }
        Ok(list)
    }

    pub async fn location_info(&self, name: &str) -> Result<LocationInfo, AppError> {
        self.list_locations()
            .await?
            .into_iter()
            .find(|info| info.name == name)
            .ok_or_else(|| regie_db::DbError::LocationNotFound(name.to_owned()).into())
    }

    /// Removes a location that holds no copy.
    pub async fn remove_location(&self, name: &str) -> Result<(), AppError> {
        plain_location_name(name)?;
        Ok(self.db.delete_location(name).await?)
    }

    /// Every location as placement sees it, the primary included.
    pub(crate) async fn places(&self) -> Result<Vec<Place>, AppError> {
        Ok(self.list_locations().await?.into_iter().map(|info| Place { name: info.name, tier: info.tier }).collect())
    }

    /// The store of a location, ready to read and write.
    pub(crate) async fn open_location(&self, name: &str) -> Result<BlobStore, AppError> {
        if name == PRIMARY {
            return Ok(self.store.clone());
        }
        let info = info_from_row(self.db.get_location(name).await?)?;
        self.open_store(name, &info.url, &info.settings)
    }

    fn open_store(&self, name: &str, url: &str, settings: &LocationSettings) -> Result<BlobStore, AppError> {
        Ok(match parse_location_url(url)? {
            LocationUrl::Folder(folder) => BlobStore::open(folder)?,
            LocationUrl::Bucket(url) => {
                let s3 = crate::s3_access::s3_settings(
                    &format!("storage location {name}"),
                    settings.endpoint.as_ref(),
                    settings.region.as_ref(),
                    settings.access_key_env.as_ref(),
                    settings.secret_key_env.as_ref(),
                )?;
                let pairs: Vec<(&str, &str)> = s3.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
                let staging = self.settings.data_dir.join("locations").join(name);
                BlobStore::open(staging)?.with_remote(S3Blobs::open_with(&url, &pairs)?)
            }
        })
    }

    fn primary_info(&self) -> LocationInfo {
        let url = match &self.settings.store_url {
            Some(url) => url.clone(),
            None => format!("file://{}", self.settings.data_dir.join("store").display()),
        };
        LocationInfo {
            name: PRIMARY.to_owned(),
            url,
            tier: self.settings.keeping.primary_tier,
            primary: true,
            settings: LocationSettings::default(),
            created_at: None,
            copies: 0,
            bytes: 0,
            bad_copies: 0,
        }
    }
}

fn info_from_row(row: regie_db::LocationRow) -> Result<LocationInfo, AppError> {
    Ok(LocationInfo {
        name: row.name,
        url: row.url,
        tier: row.tier.parse()?,
        primary: false,
        settings: serde_json::from_value(row.settings).map_err(|error| AppError::Internal(error.to_string()))?,
        created_at: Some(row.created_at),
        copies: 0,
        bytes: 0,
        bad_copies: 0,
    })
}
