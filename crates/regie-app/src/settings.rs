//! The typed settings the use cases run with; the binary builds them from its layered config.

use std::path::PathBuf;
use std::time::Duration;

use regie_core::CollectionPath;
use regie_core::house_id::HouseIdTemplate;
use regie_core::keeping::{CopiesRule, Tier};
use regie_core::naming::NamingRule;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Holds `catalogue.sqlite` and the `store/` folder.
    pub data_dir: PathBuf,
    /// The catalogue's PostgreSQL URL; `None` keeps SQLite in the data folder.
    pub database_url: Option<String>,
    /// The S3 bucket blobs are kept in; `None` keeps them in the data folder.
    pub store_url: Option<String>,
    /// Compute SHA-256 besides MD5 and BLAKE3.
    pub sha256: bool,
    pub house_id_template: HouseIdTemplate,
    pub naming_rule: NamingRule,
    /// Files ingested at once.
    pub ingest_concurrency: usize,
    /// The frame rate of an image sequence whose frames declare none.
    pub sequence_frame_rate: regie_core::Rational,
    pub probe_timeout: Duration,
    /// Policies every asset ingested into a collection (or below it) is checked against.
    pub collection_policies: Vec<(CollectionPath, Vec<String>)>,
    pub jobs: JobSettings,
    /// What the search index holds and how (`[search]`).
    pub search: regie_search::IndexRules,
    /// How safe media is kept: copies per collection, fixity schedules, the primary's tier.
    pub keeping: KeepingSettings,
    /// Signed checkpoints of the audit trail (`[audit]`).
    pub audit: AuditSettings,
    pub timeline: TimelineSettings,
    /// Speech to text and text in the picture (`[intelligence]`).
    pub intelligence: IntelligenceSettings,
}

/// `[intelligence]`: the engines that read speech and on-screen text, and which collections'
/// new media they read at ingest.
#[derive(Debug, Clone)]
pub struct IntelligenceSettings {
    /// The speech engine's program (`regie-speech`, installed by `scripts/install-speech.sh`).
    pub speech_engine: PathBuf,
    /// The language transcripts are made in unless a request says.
    pub speech_language: regie_media::SpeechLanguage,
    /// Threads the speech engine may use.
    pub speech_threads: usize,
    /// Collections (and below) whose new audio and video is transcribed at ingest.
    pub transcribe_collections: Vec<CollectionPath>,
    /// Collections (and below) whose new video is read for on-screen text at ingest.
    pub ocr_collections: Vec<CollectionPath>,
    /// Seconds between the pictures read for text.
    pub ocr_every_s: f64,
    /// Fingerprint every new video and still (a job), and flag near-duplicates.
    pub fingerprint_at_ingest: bool,
    /// The embedding engine's program (`regie-embed`, installed by `scripts/install-embed.sh`).
    pub embed_engine: PathBuf,
    /// Threads the embedding engine may use.
    pub embed_threads: usize,
    /// Whether searches also find assets by meaning (and assets are embedded): on when the
    /// embedding engine is installed, unless turned off.
    pub semantic_search: bool,
    /// The cosine a passage must reach to count as a match in meaning.
    pub semantic_threshold: f32,
}

/// The cosine a passage must reach to be a match in meaning (multilingual-e5-small puts unrelated
/// texts around 0.75-0.80; see bench/semantic).
pub const DEFAULT_SEMANTIC_THRESHOLD: f32 = 0.83;

impl Default for IntelligenceSettings {
    fn default() -> Self {
        Self {
            speech_engine: PathBuf::from("regie-speech"),
            speech_language: regie_media::SpeechLanguage::Auto,
            speech_threads: 2,
            transcribe_collections: Vec::new(),
            ocr_collections: Vec::new(),
            ocr_every_s: 2.0,
            fingerprint_at_ingest: true,
            embed_engine: PathBuf::from("regie-embed"),
            embed_threads: 2,
            semantic_search: false,
            semantic_threshold: DEFAULT_SEMANTIC_THRESHOLD,
        }
    }
}

/// `[timeline]`: how time is counted where the media does not say.
#[derive(Debug, Clone)]
pub struct TimelineSettings {
    /// The frame rate of timecode on sound and stills (25 unless the house says otherwise).
    pub sound_frame_rate: regie_core::Rational,
    /// Queue a `shots` job for every video ingested with its previews.
    pub shots_at_ingest: bool,
}

impl Default for TimelineSettings {
    fn default() -> Self {
        Self { sound_frame_rate: crate::timeline::default_sound_rate(), shots_at_ingest: true }
    }
}

/// `[audit]`: where the checkpoint signing key is, where checkpoints are copied, how often
/// workers write one.
#[derive(Debug, Clone, Default)]
pub struct AuditSettings {
    /// Default: `DATA/keys/audit-ed25519.key`, made on first use.
    pub signing_key: Option<PathBuf>,
    /// The master key that seals content keys (`[keys] master_key`); default
    /// `DATA/keys/content-master.key`, made on first use. Every worker and server of an
    /// installation needs the same one.
    pub master_key: Option<PathBuf>,
    /// Folders outside the data folder (another disk, a WORM share) that get every checkpoint.
    pub checkpoint_dirs: Vec<PathBuf>,
    pub checkpoint_every: Option<Duration>,
}

/// `[[copies]]`, `[[fixity]]` and `[storage] tier`.
#[derive(Debug, Clone)]
pub struct KeepingSettings {
    /// The primary store's tier.
    pub primary_tier: Tier,
    pub copies: Vec<CopiesRule>,
    pub fixity: Vec<FixitySchedule>,
    /// The factors of `regie footprint`'s estimate (`[footprint]`).
    pub footprint: crate::keeping::FootprintFactors,
    /// `[[retention]]` rules.
    pub retention: Vec<regie_core::keeping::RetentionRule>,
    /// How long a trashed asset can be restored before `regie purge` removes it.
    pub trash_period: Duration,
}

impl Default for KeepingSettings {
    fn default() -> Self {
        Self {
            primary_tier: Tier::Online,
            copies: Vec::new(),
            fixity: Vec::new(),
            footprint: crate::keeping::FootprintFactors::default(),
            retention: Vec::new(),
            trash_period: Duration::from_secs(30 * 86_400),
        }
    }
}

/// `[[fixity]] location = "primary", every = "90d", bytes_per_second = 50000000`: every copy in
/// the location is read again once per period, by the workers, never faster than the limit.
#[derive(Debug, Clone)]
pub struct FixitySchedule {
    pub location: String,
    pub every: Duration,
    pub bytes_per_second: Option<u64>,
    /// Compute MD5 besides BLAKE3 (several times slower).
    pub md5: bool,
}

/// How workers run jobs.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// A claimed job is the worker's for this long; heartbeats renew it every third of it.
    pub lease: Duration,
    /// The wait before the first retry; doubled at each further attempt.
    pub retry_backoff: Duration,
    pub max_attempts: u32,
    /// Queue the proxy, poster, storyboard and waveform of every new asset.
    pub previews_at_ingest: bool,
    /// Jobs a worker runs at once.
    pub worker_concurrency: usize,
    /// Measure each video rendition's PSNR and SSIM against its source (one more decode of both
    /// per rung).
    pub measure_quality: bool,
    /// How often an idle worker looks for work.
    pub poll_interval: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(30),
            retry_backoff: Duration::from_secs(30),
            max_attempts: 3,
            previews_at_ingest: true,
            worker_concurrency: 1,
            measure_quality: true,
            poll_interval: Duration::from_millis(500),
        }
    }
}

impl Settings {
    /// The policy names that apply to `collection`: its own and its ancestors', without repeats.
    pub fn policies_for(&self, collection: &CollectionPath) -> Vec<String> {
        let lineage = collection.lineage();
        let mut names: Vec<String> = Vec::new();
        for (scope, policies) in &self.collection_policies {
            if lineage.contains(scope) {
                for name in policies {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
        }
        names
    }
}
