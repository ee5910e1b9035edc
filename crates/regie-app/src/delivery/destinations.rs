//! Destinations: where deliveries go, declared once by the operator. Credentials are references
//! (a key file's path, the names of environment variables), never the secrets themselves, so
//! nothing secret is stored or printed; an SFTP server's host key is pinned when given, or on
//! first use.

use std::path::{Path, PathBuf};
use std::time::Duration;

use regie_core::destination::{DestinationUrl, NameTemplate, SidecarForm};
use regie_core::rights::{parse_platform, parse_territory};
use regie_media::ToolRunner;
use regie_transfer::{Access, Destination};
use serde::{Deserialize, Serialize};

use crate::{AppError, Regie};

/// What a destination declares beyond its address.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DestinationSettings {
    /// Where it publishes (ISO 3166 codes), checked against the rights.
    #[serde(default)]
    pub territories: Vec<String>,
    /// How it publishes (`linear`, `svod`...), checked against the rights.
    #[serde(default)]
    pub platforms: Vec<String>,
    #[serde(default)]
    pub sidecar: SidecarForm,
    #[serde(default)]
    pub template: NameTemplate,
    /// The profile delivered when `deliver` names none (none: the original).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// A policy the delivered file must pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// SFTP: the private key file (a path on the machines that run deliveries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// SFTP: the pinned host key, `TYPE BASE64` (learnt on first use when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_key: Option<String>,
    /// A bandwidth limit, kbit/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_kbit_s: Option<u32>,
    /// S3: the endpoint (for a server other than AWS) and region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// S3: the names of the environment variables holding the keys (the keys are never stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_env: Option<String>,
}

/// A destination as `destinations list|show` print it.
#[derive(Debug, Clone, Serialize)]
pub struct DestinationInfo {
    pub name: String,
    pub url: String,
    pub scheme: &'static str,
    #[serde(flatten)]
    pub settings: DestinationSettings,
    pub created_at: String,
    pub updated_at: String,
}

/// What `destinations test` found.
#[derive(Debug, Clone, Serialize)]
pub struct DestinationTest {
    pub name: String,
    pub probe_path: String,
    pub bytes: u64,
    pub write_ms: u64,
    pub read_back_ms: u64,
    /// The host key pinned by this test (first use), if any.
    pub host_key_pinned: Option<String>,
}

fn plain_destination_name(name: &str) -> Result<(), AppError> {
    if regie_core::plain_name::is_plain_name(name) {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "{name:?} is not a destination name: use letters, digits, '-' and '_' (it names the destination, not a path)"
        )))
    }
}

impl DestinationSettings {
    /// Checks every field and puts codes in their canonical form.
    pub fn validated(mut self, url: &DestinationUrl) -> Result<Self, AppError> {
        self.territories = self.territories.iter().map(|code| parse_territory(code)).collect::<Result<_, _>>()?;
        self.platforms = self.platforms.iter().map(|name| parse_platform(name)).collect::<Result<_, _>>()?;
        self.territories.sort();
        self.territories.dedup();
        self.platforms.sort();
        self.platforms.dedup();
        for profile in self.profile.iter().chain(&self.policy) {
            if !regie_core::plain_name::is_plain_name(profile) {
                return Err(AppError::Invalid(format!("{profile:?} is not a profile or policy name")));
            }
        }
        if let Some(key) = &self.host_key {
            self.host_key = Some(parse_host_key(key)?);
        }
        if let Some(identity) = &self.identity
            && !Path::new(identity).is_absolute()
        {
            return Err(AppError::Invalid(format!("--identity {identity}: give the key file's absolute path")));
        }
        crate::s3_access::check_variable_names(self.access_key_env.iter().chain(&self.secret_key_env))?;
        let sftp_only = self.identity.is_some() || self.host_key.is_some();
        if sftp_only && !matches!(url, DestinationUrl::Sftp { .. }) {
            return Err(AppError::Invalid("--identity and --host-key are for sftp:// destinations".to_owned()));
        }
        let s3_only = self.endpoint.is_some() || self.access_key_env.is_some() || self.secret_key_env.is_some();
        if s3_only && !matches!(url, DestinationUrl::S3 { .. }) {
            return Err(AppError::Invalid("--endpoint and the key variables are for s3:// destinations".to_owned()));
        }
        Ok(self)
    }
}

/// `ssh-ed25519 AAAA... [comment]` (or a `known_hosts` line): the type and key, checked.
fn parse_host_key(text: &str) -> Result<String, AppError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let start = words.iter().position(|word| word.starts_with("ssh-") || word.starts_with("ecdsa-"));
    match start.and_then(|start| Some((words[start], *words.get(start + 1)?))) {
        Some((kind, key)) if key.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"+/=".contains(&byte)) => {
            Ok(format!("{kind} {key}"))
        }
        _ => Err(AppError::Invalid(format!(
            "{text:?} is not a host key: give TYPE BASE64 as `ssh-keyscan` prints it, such as ssh-ed25519 AAAAC3..."
        ))),
    }
}

impl Regie {
    pub async fn add_destination(
        &self,
        name: &str,
        url: &str,
        settings: DestinationSettings,
    ) -> Result<DestinationInfo, AppError> {
        plain_destination_name(name)?;
        let parsed = DestinationUrl::parse(url)?;
        let settings = settings.validated(&parsed)?;
        let json = serde_json::to_value(&settings).map_err(|error| AppError::Internal(error.to_string()))?;
        self.db.insert_destination(name, &parsed.to_string(), &json).await?;
        self.destination_info(name).await
    }

    pub async fn destination_info(&self, name: &str) -> Result<DestinationInfo, AppError> {
        info(self.db.get_destination(name).await?)
    }

    pub async fn list_destinations(&self) -> Result<Vec<DestinationInfo>, AppError> {
        self.db.list_destinations().await?.into_iter().map(info).collect()
    }

    pub async fn remove_destination(&self, name: &str) -> Result<(), AppError> {
        Ok(self.db.delete_destination(name).await?)
    }

    /// Writes, reads back and removes a probe file; pins the host key on first use.
    pub async fn test_destination(&self, name: &str) -> Result<DestinationTest, AppError> {
        let info = self.destination_info(name).await?;
        let work_dir = self.settings.data_dir.join("work").join(format!("destination-test-{}", uuid::Uuid::now_v7()));
        tokio::fs::create_dir_all(&work_dir)
            .await
            .map_err(|source| AppError::DataFolder { path: work_dir.clone(), source })?;
        let outcome = async {
            let destination = self.open_destination(&info, &work_dir, Duration::from_secs(120)).await?;
            let runner = ToolRunner::new(1, Duration::from_secs(120));
            let report = destination.probe(&runner).await?;
            let pinned = self.pin_learnt_host_key(&info, &destination).await?;
            Ok::<_, AppError>(DestinationTest {
                name: name.to_owned(),
                probe_path: report.path,
                bytes: report.bytes,
                write_ms: report.write_ms,
                read_back_ms: report.read_back_ms,
                host_key_pinned: pinned,
            })
        }
        .await;
        let _ = tokio::fs::remove_dir_all(&work_dir).await;
        outcome
    }

    /// The destination ready to use from `work_dir` (its known-hosts file is written there).
    pub(crate) async fn open_destination(
        &self,
        info: &DestinationInfo,
        work_dir: &Path,
        timeout: Duration,
    ) -> Result<Destination, AppError> {
        let url = DestinationUrl::parse(&info.url)?;
        let settings = &info.settings;
        let known_hosts = work_dir.join("known_hosts");
        if let (DestinationUrl::Sftp { host, port, .. }, Some(key)) = (&url, &settings.host_key) {
            let host = if *port == 22 { host.clone() } else { format!("[{host}]:{port}") };
            tokio::fs::write(&known_hosts, format!("{host} {key}\n"))
                .await
                .map_err(|source| AppError::DataFolder { path: known_hosts.clone(), source })?;
        }
        let s3_settings = crate::s3_access::s3_settings(
            &format!("destination {}", info.name),
            settings.endpoint.as_ref(),
            settings.region.as_ref(),
            settings.access_key_env.as_ref(),
            settings.secret_key_env.as_ref(),
        )?;
        Ok(Destination {
            name: info.name.clone(),
            url,
            access: Access {
                identity: settings.identity.as_ref().map(PathBuf::from),
                known_hosts,
                accept_new_host_key: settings.host_key.is_none(),
                limit_kbit_s: settings.limit_kbit_s,
                s3_settings,
                work_dir: work_dir.to_owned(),
                resume_dir: self.settings.data_dir.join("transfers"),
                timeout,
            },
        })
    }

    /// After a successful connection without a pinned key, records the key OpenSSH learnt.
    pub(crate) async fn pin_learnt_host_key(
        &self,
        info: &DestinationInfo,
        destination: &Destination,
    ) -> Result<Option<String>, AppError> {
        if info.settings.host_key.is_some() || !matches!(destination.url, DestinationUrl::Sftp { .. }) {
            return Ok(None);
        }
        let learnt = tokio::fs::read_to_string(&destination.access.known_hosts).await.unwrap_or_default();
        let Some(key) = learnt.lines().find_map(|line| parse_host_key(line).ok()) else { return Ok(None) };
        let mut settings = info.settings.clone();
        settings.host_key = Some(key.clone());
        let json = serde_json::to_value(&settings).map_err(|error| AppError::Internal(error.to_string()))?;
        self.db.update_destination_settings(&info.name, &json).await?;
        Ok(Some(key))
    }
}

fn info(row: regie_db::DestinationRow) -> Result<DestinationInfo, AppError> {
    let url = DestinationUrl::parse(&row.url)?;
    let settings: DestinationSettings = serde_json::from_value(row.settings)
        .map_err(|error| AppError::Internal(format!("destination {} has unreadable settings: {error}", row.name)))?;
    Ok(DestinationInfo {
        name: row.name,
        url: url.to_string(),
        scheme: url.scheme(),
        settings,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
