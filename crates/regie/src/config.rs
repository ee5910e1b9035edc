//! Layered configuration: built-in defaults (zero config runs), then the TOML file, then
//! `REGIE_*` environment variables, then flags. Read raw, then validated into app `Settings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use regie_app::Settings;
use regie_core::house_id::HouseIdTemplate;
use regie_core::naming::NamingRule;
use serde::{Deserialize, Serialize};

/// The configuration as written in `regie.toml`; every key is optional there.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    pub database: DatabaseConfig,
    pub storage: StorageConfig,
    pub ingest: IngestConfig,
    pub naming: NamingConfig,
    pub probe: ProbeConfig,
    pub jobs: JobsConfig,
    pub server: ServerConfig,
    pub search: SearchConfig,
    /// Policies checked on every asset ingested into a collection or below it:
    /// `"news" = ["ebu-r128"]`.
    pub policies: BTreeMap<String, Vec<String>>,
    /// Watch folders: `[[watch]] path = "/mnt/hot", collection = "news", stability_s = 10`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<WatchConfig>,
    /// Copies per collection: `[[copies]] collection = "news", copies = 2, locations = ["second"]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<CopiesConfig>,
    /// Fixity schedules: `[[fixity]] location = "primary", every = "90d", bytes_per_second = 50000000`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixity: Vec<FixityConfig>,
    pub audit: AuditConfig,
    pub keys: KeysConfig,
    pub timeline: TimelineConfig,
    pub intelligence: IntelligenceConfig,
    pub footprint: FootprintConfig,
    pub lifecycle: LifecycleConfig,
    /// Retention: `[[retention]] collection = "rushes", keep = "90d", from = "ingest", then = "trash"`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retention: Vec<RetentionConfig>,
}

/// `[timeline]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimelineConfig {
    /// The frame rate timecode counts at on sound and stills (`25`, `30000/1001`).
    pub sound_frame_rate: String,
    /// Find the shots of every video ingested, with its previews (a job after them).
    pub shots_at_ingest: bool,
}

impl Default for TimelineConfig {
    fn default() -> Self {
        Self { sound_frame_rate: "25".to_owned(), shots_at_ingest: true }
    }
}

/// `[intelligence]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntelligenceConfig {
    /// The speech engine (default: `regie-speech` where `scripts/install-speech.sh` puts it,
    /// `$XDG_DATA_HOME/regie/speech/`, else on the PATH).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_engine: Option<PathBuf>,
    /// fr, en or auto (detected between the two).
    pub speech_language: String,
    /// Threads the speech engine may use.
    pub speech_threads: usize,
    /// Collections (and below) whose new audio and video is transcribed at ingest.
    pub transcribe_collections: Vec<String>,
    /// Collections (and below) whose new video is read for on-screen text at ingest.
    pub ocr_collections: Vec<String>,
    /// Seconds between the pictures read for text.
    pub ocr_every_s: f64,
    /// Fingerprint every new video and still and flag near-duplicates (a job after ingest).
    pub fingerprint_at_ingest: bool,
    /// The embedding engine (default: `regie-embed` where `scripts/install-embed.sh` puts it,
    /// `$XDG_DATA_HOME/regie/embed/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embed_engine: Option<PathBuf>,
    /// Threads the embedding engine may use.
    pub embed_threads: usize,
    /// Find assets by meaning too (and embed their texts): on when the engine is installed.
    pub semantic_search: bool,
    /// The cosine a passage must reach to be a match in meaning (0.5 to 0.99).
    pub semantic_threshold: f32,
}

impl Default for IntelligenceConfig {
    fn default() -> Self {
        Self {
            speech_engine: None,
            speech_language: "auto".to_owned(),
            speech_threads: 2,
            transcribe_collections: Vec::new(),
            ocr_collections: Vec::new(),
            ocr_every_s: 2.0,
            fingerprint_at_ingest: true,
            embed_engine: None,
            embed_threads: 2,
            semantic_search: true,
            semantic_threshold: regie_app::DEFAULT_SEMANTIC_THRESHOLD,
        }
    }
}

/// Where `scripts/install-speech.sh` installs the speech engine by default.
fn installed_speech_engine() -> Option<PathBuf> {
    installed_engine("regie/speech/regie-speech")
}

/// Where `scripts/install-embed.sh` installs the embedding engine by default.
fn installed_embed_engine() -> Option<PathBuf> {
    installed_engine("regie/embed/regie-embed")
}

/// An engine's program under `$XDG_DATA_HOME` (`~/.local/share`), when it is there.
fn installed_engine(relative: &str) -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))?;
    let engine = data.join(relative);
    engine.is_file().then_some(engine)
}

/// `[lifecycle]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LifecycleConfig {
    /// How long a trashed asset can be restored before `regie purge` removes it.
    pub trash_period: String,
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        Self { trash_period: "30d".to_owned() }
    }
}

/// One `[[retention]]` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    pub collection: String,
    /// `90d`, `10y`.
    pub keep: String,
    /// `ingest` (default), `capture` or `air`.
    #[serde(default = "default_clock")]
    pub from: String,
    /// `trash` (default) or a tier the original moves to (`nearline`, `archive`).
    #[serde(default = "default_then")]
    pub then: String,
}

fn default_clock() -> String {
    "ingest".to_owned()
}

fn default_then() -> String {
    "trash".to_owned()
}

/// `[footprint]`: the factors of `regie footprint`'s energy and CO2e estimate; each one set here
/// replaces regie's stated assumption, and `source` says where the figures come from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FootprintConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_wh_per_tb_month: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearline_wh_per_tb_month: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_wh_per_tb_month: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_watts: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid_g_co2e_per_kwh: Option<f64>,
    /// Where the factors set here come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl FootprintConfig {
    fn factors(&self) -> Result<regie_app::keeping::FootprintFactors> {
        let mut factors = regie_app::keeping::FootprintFactors::default();
        let source = self.source.clone().unwrap_or_else(|| "set in regie.toml".to_owned());
        for (name, value, target) in [
            ("online_wh_per_tb_month", self.online_wh_per_tb_month, &mut factors.online_wh_per_tb_month),
            ("nearline_wh_per_tb_month", self.nearline_wh_per_tb_month, &mut factors.nearline_wh_per_tb_month),
            ("archive_wh_per_tb_month", self.archive_wh_per_tb_month, &mut factors.archive_wh_per_tb_month),
            ("worker_watts", self.worker_watts, &mut factors.worker_watts),
            ("grid_g_co2e_per_kwh", self.grid_g_co2e_per_kwh, &mut factors.grid_g_co2e_per_kwh),
        ] {
            if let Some(value) = value {
                if !value.is_finite() || !(0.0..=1e7).contains(&value) {
                    bail!("footprint.{name} = {value}: give a positive number");
                }
                *target = value;
                factors.sources.insert(name.to_owned(), source.clone());
            }
        }
        Ok(factors)
    }
}

/// `[audit]`: signed checkpoints of the audit trail.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// The Ed25519 signing key (64 hex digits); default `DATA/keys/audit-ed25519.key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<PathBuf>,
    /// Folders outside the data folder that get a copy of every checkpoint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checkpoint_dirs: Vec<PathBuf>,
    /// How often workers write a checkpoint: `1h`, `1d`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_every: Option<String>,
}

/// `[keys]`: the master key that seals the keys of protected packages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    /// 64 hex digits; default `DATA/keys/content-master.key`, made on first use. Every worker and
    /// server of an installation must read the same one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_key: Option<PathBuf>,
}

/// One `[[copies]]` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopiesConfig {
    pub collection: String,
    pub copies: u32,
    /// Locations that must each hold a copy.
    #[serde(default)]
    pub locations: Vec<String>,
}

/// One `[[fixity]]` schedule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixityConfig {
    pub location: String,
    /// How often each copy is read again: `90d`, `12h`.
    pub every: String,
    #[serde(default)]
    pub bytes_per_second: Option<u64>,
    #[serde(default)]
    pub md5: bool,
}

/// One watch folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    /// A name for logs, rules (`watch = "NAME"`) and its journal; default: the folder's name.
    #[serde(default)]
    pub name: Option<String>,
    pub path: PathBuf,
    pub collection: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The rules run on `watch-folder` events from this folder (default: every such rule).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Seconds a file's size and modification time must stay the same before it is taken.
    #[serde(default = "default_stability_s")]
    pub stability_s: f64,
    /// Seconds between rescans without an inotify event (network shares).
    #[serde(default = "default_rescan_s")]
    pub rescan_s: f64,
    /// `leave` the file where it is, or `move` it to `done/` or `failed/`.
    #[serde(default)]
    pub after: regie_app::AfterIngest,
}

fn default_stability_s() -> f64 {
    10.0
}

fn default_rescan_s() -> f64 {
    5.0
}

/// Where the catalogue lives: `postgres://USER:PASSWORD@HOST:PORT/NAME`; without it, SQLite in
/// the data folder.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Where blobs are kept: `s3://BUCKET[/PREFIX]` (credentials and endpoint from the standard
/// `AWS_*` variables); without it, `store/` in the data folder.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The primary store's tier: `online` (default), `nearline` or `archive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    pub sha256: bool,
    pub concurrency: usize,
    pub house_id_template: String,
    /// The frame rate of an image sequence whose frames declare none (`24`, `25`, `24000/1001`).
    pub sequence_frame_rate: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NamingConfig {
    pub pattern: String,
    pub extensions: Vec<String>,
    pub max_length: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbeConfig {
    pub timeout_s: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Seconds a worker holds a job without a heartbeat before another worker may take it.
    pub lease_s: u64,
    /// Seconds before the first retry of a failed job; doubled at each further attempt.
    pub retry_backoff_s: u64,
    pub max_attempts: u32,
    /// Make proxy, poster, storyboard and waveform for every new asset.
    pub previews_at_ingest: bool,
    /// Jobs one worker runs at once.
    pub concurrency: usize,
    /// Measure each video rendition's PSNR and SSIM against the source.
    pub measure_quality: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address `regie serve` listens on.
    pub listen: String,
    /// Job workers running inside the server (0: run `regie worker` separately).
    pub workers: usize,
    /// The largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// Mark session cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// How long a login token or session lasts.
    pub session_hours: i64,
    /// Uploads one user may have open at once.
    pub max_open_uploads: usize,
    /// Connections open at once; more are answered 503.
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers (also closes idle keep-alive connections).
    pub header_timeout_s: u64,
    /// Longest silence inside a request body, in seconds.
    pub body_idle_timeout_s: u64,
}

/// `[search]`: indexing rules and the thesaurus.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// Metadata field (`synopsis`, or a house field such as `department`) → `ignored`, `indexed`,
    /// `stored` or `faceted`.
    pub fields: BTreeMap<String, regie_app::FieldRule>,
    /// Metadata field → the language its text is always written in (`fr` or `en`).
    pub languages: BTreeMap<String, String>,
    /// Preferred term → its synonyms: `"journal télévisé" = ["JT", "journal TV"]`.
    pub thesaurus: BTreeMap<String, Vec<String>>,
}

impl SearchConfig {
    fn rules(&self) -> Result<regie_app::IndexRules> {
        for (field, language) in &self.languages {
            if !matches!(language.as_str(), "fr" | "en") {
                bail!("search.languages.{field} = {language:?}: regie analyses fr and en");
            }
        }
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (preferred, synonyms) in &self.thesaurus {
            for term in std::iter::once(preferred).chain(synonyms) {
                if let Some(other) = seen.insert(term.to_lowercase(), preferred)
                    && other != preferred
                {
                    bail!("search.thesaurus: {term:?} belongs to both {other:?} and {preferred:?}");
                }
            }
        }
        Ok(regie_app::IndexRules {
            fields: self.fields.clone(),
            languages: self.languages.clone(),
            thesaurus: self
                .thesaurus
                .iter()
                .map(|(preferred, synonyms)| regie_app::ThesaurusEntry {
                    preferred: preferred.clone(),
                    synonyms: synonyms.clone(),
                })
                .collect(),
        })
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        let defaults = regie_server::ServerOptions::default();
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            workers: 1,
            max_upload_bytes: defaults.max_upload_bytes,
            secure_cookies: defaults.secure_cookies,
            session_hours: defaults.session_hours,
            max_open_uploads: defaults.max_open_uploads,
            max_connections: defaults.connections.max_connections,
            header_timeout_s: defaults.connections.header_timeout.as_secs(),
            body_idle_timeout_s: defaults.connections.body_idle_timeout.as_secs(),
        }
    }
}

impl LoadedConfig {
    /// The `[[watch]]` folders, checked.
    pub fn watch_folders(&self) -> Result<Vec<regie_app::WatchFolder>> {
        let mut folders = Vec::new();
        for (index, entry) in self.raw.watch.iter().enumerate() {
            let name = entry
                .name
                .clone()
                .or_else(|| entry.path.file_name().map(|name| name.to_string_lossy().into_owned()))
                .unwrap_or_else(|| format!("watch-{index}"));
            if !regie_core::plain_name::is_plain_name(&name) {
                bail!("[[watch]] {}: name {name:?} must be letters, digits, '-' and '_'", entry.path.display());
            }
            if !entry.path.is_absolute() {
                bail!("[[watch]] {name}: give the folder's absolute path, not {}", entry.path.display());
            }
            if !(0.0..=86_400.0).contains(&entry.stability_s) || !(0.1..=86_400.0).contains(&entry.rescan_s) {
                bail!("[[watch]] {name}: stability_s is 0 to 86400 and rescan_s 0.1 to 86400 seconds");
            }
            folders.push(regie_app::WatchFolder {
                name,
                path: entry.path.clone(),
                collection: entry.collection.parse().with_context(|| format!("[[watch]] {}", entry.path.display()))?,
                tags: entry.tags.clone(),
                rules: entry.rules.clone(),
                stability: Duration::from_secs_f64(entry.stability_s),
                rescan: Duration::from_secs_f64(entry.rescan_s),
                after: entry.after,
            });
        }
        Ok(folders)
    }

    pub fn server_options(&self) -> regie_server::ServerOptions {
        let server = &self.raw.server;
        regie_server::ServerOptions {
            max_upload_bytes: server.max_upload_bytes,
            secure_cookies: server.secure_cookies,
            session_hours: server.session_hours.clamp(1, 24 * 90),
            max_open_uploads: server.max_open_uploads.max(1),
            connections: regie_server::ConnectionLimits {
                max_connections: server.max_connections.max(1),
                header_timeout: std::time::Duration::from_secs(server.header_timeout_s.clamp(1, 3600)),
                body_idle_timeout: std::time::Duration::from_secs(server.body_idle_timeout_s.clamp(1, 3600)),
            },
        }
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        let defaults = regie_app::JobSettings::default();
        Self {
            lease_s: defaults.lease.as_secs(),
            retry_backoff_s: defaults.retry_backoff.as_secs(),
            max_attempts: defaults.max_attempts,
            previews_at_ingest: defaults.previews_at_ingest,
            concurrency: defaults.worker_concurrency,
            measure_quality: defaults.measure_quality,
        }
    }
}

impl Default for IngestConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            sha256: false,
            // Two files per core: one copying or waiting on the disk while the other is hashed
            // (2,000 small files: 0.63 s with one per core, 0.55 s with two, on 2 cores).
            concurrency: (cores * 2).clamp(2, 8),
            house_id_template: "{collection}-{date}-{seq:05}".to_owned(),
            sequence_frame_rate: "24".to_owned(),
        }
    }
}

impl Default for NamingConfig {
    fn default() -> Self {
        let extensions = ["mxf", "mov", "mp4", "mkv", "ts", "wav", "flac", "mp3", "jpg", "png", "tif"];
        Self {
            pattern: "{programme:text}_{date:yyyymmdd}_{version:version}.{ext}".to_owned(),
            extensions: extensions.iter().map(|extension| (*extension).to_owned()).collect(),
            max_length: 120,
        }
    }
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self { timeout_s: 120 }
    }
}

/// The effective configuration and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub raw: RawConfig,
    pub data_dir: PathBuf,
    pub file: Option<PathBuf>,
}

impl LoadedConfig {
    /// Reads the layers for `data_dir`; `explicit_file` must exist when given.
    pub fn load(
        data_dir: &Path,
        explicit_file: Option<&Path>,
        database: Option<&str>,
        store: Option<&str>,
    ) -> Result<Self> {
        let default_file = data_dir.join("regie.toml");
        let file = match explicit_file {
            Some(file) if !file.is_file() => bail!("config file {} does not exist", file.display()),
            Some(file) => Some(file.to_owned()),
            None => default_file.is_file().then_some(default_file),
        };
        let mut raw = match &file {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read config file {}", file.display()))?;
                toml::from_str(&text).with_context(|| format!("invalid config file {}", file.display()))?
            }
            None => RawConfig::default(),
        };
        apply_environment(&mut raw, |name| std::env::var(name).ok())?;
        if let Some(url) = database {
            raw.database.url = Some(url.to_owned());
        }
        if let Some(url) = store {
            raw.storage.url = Some(url.to_owned());
        }
        Ok(Self { raw, data_dir: data_dir.to_owned(), file })
    }

    /// Validates the raw values into the settings the use cases take.
    pub fn settings(&self) -> Result<Settings> {
        let raw = &self.raw;
        let embed_engine = raw.intelligence.embed_engine.clone().or_else(installed_embed_engine);
        Ok(Settings {
            data_dir: self.data_dir.clone(),
            database_url: raw.database.url.clone().filter(|url| !url.trim().is_empty()),
            store_url: raw.storage.url.clone().filter(|url| !url.trim().is_empty()),
            sha256: raw.ingest.sha256,
            house_id_template: HouseIdTemplate::parse(&raw.ingest.house_id_template)
                .context("ingest.house_id_template")?,
            naming_rule: NamingRule::parse(&raw.naming.pattern, &raw.naming.extensions, raw.naming.max_length)
                .context("naming.pattern")?,
            ingest_concurrency: raw.ingest.concurrency.clamp(1, 64),
            sequence_frame_rate: regie_core::Rational::parse_lenient(&raw.ingest.sequence_frame_rate)
                .filter(|rate| rate.as_f64() <= 1000.0)
                .context("ingest.sequence_frame_rate: a frame rate such as 24, 25 or 24000/1001")?,
            probe_timeout: Duration::from_secs(raw.probe.timeout_s.max(1)),
            collection_policies: raw
                .policies
                .iter()
                .map(|(collection, names)| Ok((collection.parse().context("policies")?, names.clone())))
                .collect::<Result<_>>()?,
            jobs: regie_app::JobSettings {
                lease: Duration::from_secs(raw.jobs.lease_s.max(1)),
                retry_backoff: Duration::from_secs(raw.jobs.retry_backoff_s),
                max_attempts: raw.jobs.max_attempts.max(1),
                previews_at_ingest: raw.jobs.previews_at_ingest,
                worker_concurrency: raw.jobs.concurrency.clamp(1, 64),
                measure_quality: raw.jobs.measure_quality,
                ..regie_app::JobSettings::default()
            },
            search: raw.search.rules()?,
            keeping: self.keeping()?,
            audit: regie_app::AuditSettings {
                signing_key: raw.audit.signing_key.clone(),
                master_key: raw.keys.master_key.clone(),
                checkpoint_dirs: raw.audit.checkpoint_dirs.clone(),
                checkpoint_every: raw
                    .audit
                    .checkpoint_every
                    .as_deref()
                    .map(regie_core::keeping::parse_interval)
                    .transpose()
                    .context("audit.checkpoint_every")?,
            },
            timeline: regie_app::TimelineSettings {
                sound_frame_rate: raw.timeline.sound_frame_rate.parse().context("timeline.sound_frame_rate")?,
                shots_at_ingest: raw.timeline.shots_at_ingest,
            },
            intelligence: regie_app::IntelligenceSettings {
                speech_engine: raw
                    .intelligence
                    .speech_engine
                    .clone()
                    .or_else(installed_speech_engine)
                    .unwrap_or_else(|| PathBuf::from("regie-speech")),
                speech_language: regie_app::intelligence::SpeechLanguage::parse(&raw.intelligence.speech_language)
                    .with_context(|| {
                        format!(
                            "intelligence.speech_language {:?}: use fr, en or auto",
                            raw.intelligence.speech_language
                        )
                    })?,
                speech_threads: raw.intelligence.speech_threads.clamp(1, 64),
                transcribe_collections: raw
                    .intelligence
                    .transcribe_collections
                    .iter()
                    .map(|collection| collection.parse().context("intelligence.transcribe_collections"))
                    .collect::<Result<_>>()?,
                ocr_collections: raw
                    .intelligence
                    .ocr_collections
                    .iter()
                    .map(|collection| collection.parse().context("intelligence.ocr_collections"))
                    .collect::<Result<_>>()?,
                ocr_every_s: match raw.intelligence.ocr_every_s {
                    every if (0.2..=3600.0).contains(&every) => every,
                    every => bail!("intelligence.ocr_every_s = {every}: between 0.2 and 3600 seconds"),
                },
                fingerprint_at_ingest: raw.intelligence.fingerprint_at_ingest,
                embed_engine: embed_engine.clone().unwrap_or_else(|| PathBuf::from("regie-embed")),
                embed_threads: raw.intelligence.embed_threads.clamp(1, 64),
                // On when asked and an engine is configured or installed where regie looks.
                semantic_search: raw.intelligence.semantic_search && embed_engine.is_some(),
                semantic_threshold: match raw.intelligence.semantic_threshold {
                    threshold if (0.5..=0.99).contains(&threshold) => threshold,
                    threshold => bail!("intelligence.semantic_threshold = {threshold}: between 0.5 and 0.99"),
                },
            },
        })
    }

    /// `[[copies]]`, `[[fixity]]` and `[storage] tier`, checked.
    fn keeping(&self) -> Result<regie_app::KeepingSettings> {
        use regie_core::keeping::{CopiesRule, Tier, parse_interval};
        let raw = &self.raw;
        let primary_tier: Tier = raw.storage.tier.as_deref().unwrap_or("online").parse().context("storage.tier")?;
        let mut copies = Vec::new();
        for rule in &raw.copies {
            let collection = rule.collection.parse().with_context(|| format!("[[copies]] {}", rule.collection))?;
            for name in &rule.locations {
                if !regie_core::plain_name::is_plain_name(name) {
                    bail!("[[copies]] {}: {name:?} is not a location name", rule.collection);
                }
            }
            let rule = CopiesRule::new(collection, rule.copies, rule.locations.clone())
                .with_context(|| format!("[[copies]] {}", rule.collection))?;
            if copies.iter().any(|other: &CopiesRule| other.collection == rule.collection) {
                bail!("[[copies]] {}: two rules for the same collection", rule.collection);
            }
            copies.push(rule);
        }
        let mut fixity = Vec::new();
        for schedule in &raw.fixity {
            if !regie_core::plain_name::is_plain_name(&schedule.location) {
                bail!("[[fixity]] {:?} is not a location name", schedule.location);
            }
            fixity.push(regie_app::FixitySchedule {
                location: schedule.location.clone(),
                every: parse_interval(&schedule.every).with_context(|| format!("[[fixity]] {}", schedule.location))?,
                bytes_per_second: schedule.bytes_per_second.filter(|rate| *rate > 0),
                md5: schedule.md5,
            });
        }
        let mut retention = Vec::new();
        for rule in &raw.retention {
            let context = || format!("[[retention]] {}", rule.collection);
            retention.push(regie_core::keeping::RetentionRule {
                collection: rule.collection.parse().with_context(context)?,
                keep: parse_interval(&rule.keep).with_context(context)?,
                from: rule.from.parse().with_context(context)?,
                then: rule.then.parse().with_context(context)?,
            });
        }
        Ok(regie_app::KeepingSettings {
            primary_tier,
            copies,
            fixity,
            footprint: raw.footprint.factors()?,
            retention,
            trash_period: parse_interval(&raw.lifecycle.trash_period).context("lifecycle.trash_period")?,
        })
    }
}

/// `REGIE_DATABASE_URL`, `REGIE_STORE`, `REGIE_INGEST_SHA256`, `REGIE_INGEST_CONCURRENCY`, `REGIE_INGEST_HOUSE_ID_TEMPLATE`,
/// `REGIE_INGEST_SEQUENCE_FRAME_RATE`,
/// `REGIE_NAMING_PATTERN`, `REGIE_NAMING_EXTENSIONS` (comma-separated), `REGIE_NAMING_MAX_LENGTH`,
/// `REGIE_PROBE_TIMEOUT_S`, `REGIE_JOBS_LEASE_S`, `REGIE_JOBS_RETRY_BACKOFF_S`, `REGIE_JOBS_MAX_ATTEMPTS`,
/// `REGIE_JOBS_PREVIEWS_AT_INGEST`, `REGIE_JOBS_MEASURE_QUALITY`, `REGIE_JOBS_CONCURRENCY`, `REGIE_SERVER_LISTEN`,
/// `REGIE_SERVER_WORKERS`, `REGIE_SERVER_MAX_UPLOAD_BYTES`, `REGIE_SERVER_MAX_OPEN_UPLOADS`,
/// `REGIE_SERVER_MAX_CONNECTIONS`, `REGIE_SERVER_HEADER_TIMEOUT_S`, `REGIE_SERVER_BODY_IDLE_TIMEOUT_S`.
fn apply_environment(raw: &mut RawConfig, variable: impl Fn(&str) -> Option<String>) -> Result<()> {
    /// Sets `target` from the variable `name` when it is set.
    fn set_parsed<T: std::str::FromStr>(
        variable: &impl Fn(&str) -> Option<String>,
        name: &str,
        target: &mut T,
    ) -> Result<()> {
        if let Some(value) = variable(name) {
            *target = value.trim().parse().map_err(|_| anyhow::anyhow!("{name}={value:?} is not a valid value"))?;
        }
        Ok(())
    }
    fn flag(value: &str) -> bool {
        matches!(value.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
    }
    if let Some(value) = variable("REGIE_DATABASE_URL") {
        raw.database.url = Some(value);
    }
    if let Some(value) = variable("REGIE_STORE") {
        raw.storage.url = Some(value);
    }
    if let Some(value) = variable("REGIE_INGEST_SHA256") {
        raw.ingest.sha256 = flag(&value);
    }
    set_parsed(&variable, "REGIE_JOBS_LEASE_S", &mut raw.jobs.lease_s)?;
    set_parsed(&variable, "REGIE_JOBS_RETRY_BACKOFF_S", &mut raw.jobs.retry_backoff_s)?;
    set_parsed(&variable, "REGIE_JOBS_MAX_ATTEMPTS", &mut raw.jobs.max_attempts)?;
    if let Some(value) = variable("REGIE_JOBS_PREVIEWS_AT_INGEST") {
        raw.jobs.previews_at_ingest = flag(&value);
    }
    if let Some(value) = variable("REGIE_JOBS_MEASURE_QUALITY") {
        raw.jobs.measure_quality = flag(&value);
    }
    set_parsed(&variable, "REGIE_JOBS_CONCURRENCY", &mut raw.jobs.concurrency)?;
    if let Some(value) = variable("REGIE_TIMELINE_SHOTS_AT_INGEST") {
        raw.timeline.shots_at_ingest = flag(&value);
    }
    if let Some(value) = variable("REGIE_INTELLIGENCE_SPEECH_ENGINE") {
        raw.intelligence.speech_engine = Some(PathBuf::from(value));
    }
    if let Some(value) = variable("REGIE_INTELLIGENCE_SPEECH_LANGUAGE") {
        raw.intelligence.speech_language = value;
    }
    if let Some(value) = variable("REGIE_INTELLIGENCE_TRANSCRIBE_COLLECTIONS") {
        raw.intelligence.transcribe_collections =
            value.split(',').map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned).collect();
    }
    if let Some(value) = variable("REGIE_INTELLIGENCE_OCR_COLLECTIONS") {
        raw.intelligence.ocr_collections =
            value.split(',').map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned).collect();
    }
    set_parsed(&variable, "REGIE_INTELLIGENCE_OCR_EVERY_S", &mut raw.intelligence.ocr_every_s)?;
    if let Some(value) = variable("REGIE_INTELLIGENCE_FINGERPRINT_AT_INGEST") {
        raw.intelligence.fingerprint_at_ingest = flag(&value);
    }
    if let Some(value) = variable("REGIE_INTELLIGENCE_EMBED_ENGINE") {
        raw.intelligence.embed_engine = Some(PathBuf::from(value));
    }
    if let Some(value) = variable("REGIE_INTELLIGENCE_SEMANTIC_SEARCH") {
        raw.intelligence.semantic_search = flag(&value);
    }
    set_parsed(&variable, "REGIE_INTELLIGENCE_SEMANTIC_THRESHOLD", &mut raw.intelligence.semantic_threshold)?;
    set_parsed(&variable, "REGIE_INTELLIGENCE_EMBED_THREADS", &mut raw.intelligence.embed_threads)?;
    if let Some(value) = variable("REGIE_SERVER_LISTEN") {
        raw.server.listen = value;
    }
    set_parsed(&variable, "REGIE_SERVER_WORKERS", &mut raw.server.workers)?;
    set_parsed(&variable, "REGIE_SERVER_MAX_UPLOAD_BYTES", &mut raw.server.max_upload_bytes)?;
    set_parsed(&variable, "REGIE_SERVER_MAX_OPEN_UPLOADS", &mut raw.server.max_open_uploads)?;
    set_parsed(&variable, "REGIE_SERVER_MAX_CONNECTIONS", &mut raw.server.max_connections)?;
    set_parsed(&variable, "REGIE_SERVER_HEADER_TIMEOUT_S", &mut raw.server.header_timeout_s)?;
    set_parsed(&variable, "REGIE_SERVER_BODY_IDLE_TIMEOUT_S", &mut raw.server.body_idle_timeout_s)?;
    set_parsed(&variable, "REGIE_INGEST_CONCURRENCY", &mut raw.ingest.concurrency)?;
    if let Some(value) = variable("REGIE_INGEST_SEQUENCE_FRAME_RATE") {
        raw.ingest.sequence_frame_rate = value;
    }
    if let Some(value) = variable("REGIE_INGEST_HOUSE_ID_TEMPLATE") {
        raw.ingest.house_id_template = value;
    }
    if let Some(value) = variable("REGIE_NAMING_PATTERN") {
        raw.naming.pattern = value;
    }
    if let Some(value) = variable("REGIE_NAMING_EXTENSIONS") {
        raw.naming.extensions = value
            .split(',')
            .map(|extension| extension.trim().to_owned())
            .filter(|extension| !extension.is_empty())
            .collect();
    }
    set_parsed(&variable, "REGIE_NAMING_MAX_LENGTH", &mut raw.naming.max_length)?;
    set_parsed(&variable, "REGIE_PROBE_TIMEOUT_S", &mut raw.probe.timeout_s)?;
    Ok(())
}

/// Replaces the value of any key that looks secret, for printing.
pub fn mask_secrets(value: &mut toml::Value) {
    match value {
        toml::Value::Table(table) => {
            for (key, entry) in table.iter_mut() {
                let secret = ["password", "secret", "token", "key"].iter().any(|word| key.contains(word));
                if secret && entry.is_str() {
                    *entry = toml::Value::String("********".to_owned());
                } else if key == "url"
                    && let toml::Value::String(url) = entry
                {
                    *url = regie_app::redact_url(url);
                } else {
                    mask_secrets(entry);
                }
            }
        }
        toml::Value::Array(items) => items.iter_mut().for_each(mask_secrets),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        let mut raw: RawConfig = toml::from_str("[ingest]\nconcurrency = 3\nsha256 = false\n").unwrap();
        let environment = |name: &str| match name {
            "REGIE_INGEST_SHA256" => Some("true".to_owned()),
            "REGIE_NAMING_EXTENSIONS" => Some("mxf, mov".to_owned()),
            _ => None,
        };
        apply_environment(&mut raw, environment).unwrap();
        assert_eq!(raw.ingest.concurrency, 3);
        assert!(raw.ingest.sha256);
        assert_eq!(raw.naming.extensions, ["mxf", "mov"]);
    }

    #[test]
    fn unknown_keys_and_bad_numbers_are_refused() {
        assert!(toml::from_str::<RawConfig>("[ingest]\nsha265 = true\n").is_err());
        let mut raw = RawConfig::default();
        let error = apply_environment(&mut raw, |name| (name == "REGIE_PROBE_TIMEOUT_S").then(|| "soon".to_owned()))
            .unwrap_err();
        assert!(error.to_string().contains("REGIE_PROBE_TIMEOUT_S"));
    }

    #[test]
    fn secrets_are_masked() {
        let mut value: toml::Value = toml::from_str("[s3]\nsecret_key = \"abc\"\nbucket = \"media\"\n").unwrap();
        mask_secrets(&mut value);
        assert_eq!(value["s3"]["secret_key"].as_str(), Some("********"));
        assert_eq!(value["s3"]["bucket"].as_str(), Some("media"));
    }
}
