//! The command line, as clap derives it. Command names, flags and `--json` keys are contracts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "regie", version, about = "regie: media asset management from one binary")]
pub struct Cli {
    /// The data folder: catalogue database and blob store, created on first use.
    #[arg(long, global = true, env = "REGIE_DATA", default_value = "./regie-data")]
    pub data: PathBuf,
    /// A config file (TOML); by default DATA/regie.toml when it exists.
    #[arg(long, global = true, env = "REGIE_CONFIG")]
    pub config: Option<PathBuf>,
    /// The catalogue database: postgres://USER:PASSWORD@HOST:PORT/NAME (also REGIE_DATABASE_URL or
    /// [database] url); by default SQLite in the data folder.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// Where blobs are kept: s3://BUCKET[/PREFIX] (also REGIE_STORE or [storage] url; endpoint and
    /// credentials from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
    /// AWS_ALLOW_HTTP); by default store/ in the data folder.
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy files and folders into the store, checksum, identify and describe them.
    Ingest(IngestArgs),
    /// Describe a media file without ingesting it.
    Probe {
        file: PathBuf,
        /// auto (default: regie's own header readers for WAV, BWF, RF64 and AIFF, ffprobe for the
        /// rest and whenever they are unsure), native (only them: an error says why not) or
        /// ffprobe (only it); the description's `prober` says which answered.
        #[arg(long, default_value = "auto")]
        prober: String,
        #[arg(long)]
        json: bool,
    },
    /// List, show and tag catalogued assets.
    #[command(subcommand)]
    Assets(AssetsCommand),
    /// Show the collection tree.
    Collections {
        #[arg(long)]
        json: bool,
    },
    /// Check file names against the house naming rule.
    CheckNames {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check a file (before ingest) or an asset against a delivery policy; exit 1 when an
    /// error-severity rule fails.
    Check {
        /// A file path, or an asset id or house id.
        target: String,
        /// A built-in pack (ebu-r128, atsc-a85, netflix-audio, xdcamhd50-playout,
        /// as11-uk-dpp-hd-core, apple-hls), DATA/policies/NAME.toml, or a TOML file.
        #[arg(long)]
        policy: String,
        /// Check the asset's rendition of this profile instead of its original; the policy may
        /// then read `rendition.quality.ssim`, `rendition.quality.psnr` (the worst rung's) and
        /// `rendition.rungs[*].ssim`.
        #[arg(long, value_name = "PROFILE")]
        rendition: Option<String>,
        #[arg(long)]
        json: bool,
        /// Also write the report as an HTML page to this file.
        #[arg(long)]
        html: Option<std::path::PathBuf>,
    },
    /// Correct a file's loudness to a policy's target in two passes (measure, correct, measure
    /// again); exit 1 when the result still fails the policy.
    Normalize {
        input: std::path::PathBuf,
        /// A policy with a `loudness.integrated in X ± T` rule, such as ebu-r128.
        #[arg(long)]
        policy: String,
        /// Where to write the corrected file (never overwritten; the input is never touched).
        #[arg(long)]
        output: std::path::PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Bring the catalogue's schema up to date (every command also does it when it opens the
    /// catalogue; processes migrate one at a time) and show its version.
    Migrate {
        #[arg(long)]
        json: bool,
    },
    /// Carry this installation (SQLite, blobs in the data folder) to PostgreSQL and S3: blobs
    /// first, each re-checked against its BLAKE3, then every row; run it again to resume.
    Move {
        /// The PostgreSQL database to move the catalogue into (created tables, kept rows).
        #[arg(long, value_name = "URL")]
        to_database: String,
        /// The bucket to move the blobs into (s3://BUCKET[/PREFIX]); without it they stay.
        #[arg(long, value_name = "URL")]
        to_store: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Say what is wrong with this configuration: data folder, database, schema, clocks, ffmpeg;
    /// exit 1 when anything is.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Remove blobs no asset refers to and leftovers of interrupted copies.
    Gc {
        #[arg(long)]
        json: bool,
    },
    /// Run queued jobs (previews, transcodes) until stopped, or until nothing is left.
    Worker {
        /// Jobs run at once (default: `[jobs] concurrency`).
        #[arg(long)]
        concurrency: Option<usize>,
        /// Exit once no job is queued or running.
        #[arg(long)]
        until_idle: bool,
        /// Take jobs from this server's lease API (http(s)://HOST:PORT) instead of the
        /// catalogue: a render-farm node needs only the shared store (--store) and a token.
        #[arg(long, value_name = "URL", requires = "token")]
        server: Option<String>,
        /// A token with the worker scope (`regie tokens create --scope worker`); also
        /// REGIE_WORKER_TOKEN, which keeps it out of the process list.
        #[arg(long, env = "REGIE_WORKER_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// One JSON object per finished job on stdout.
        #[arg(long)]
        json: bool,
    },
    /// List, show, cancel and retry jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Where deliveries go: add, list, show, test and remove destinations.
    #[command(subcommand)]
    Destinations(DestinationsCommand),
    /// Queue the delivery of an asset (its original, or a profile's rendition) to a destination:
    /// rights and the destination's policy are checked first; files are verified at the far end.
    Deliver {
        /// An asset id or house id.
        asset: String,
        /// The destination's name.
        #[arg(long = "to")]
        to: String,
        /// The profile whose rendition goes (made first when missing); default: the
        /// destination's profile, or the original.
        #[arg(long)]
        profile: Option<String>,
        /// When it must have arrived (RFC 3339): closer deadlines go first.
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Deliveries and their receipts.
    #[command(subcommand)]
    Deliveries(DeliveriesCommand),
    /// Storage locations and copies: add folders and buckets with a tier, see what each holds
    /// and which assets are below their `[[copies]]` count.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// Fixity: read copies again in full, compare them with their recorded BLAKE3 (and MD5),
    /// quarantine bad ones and repair them from good ones.
    #[command(subcommand)]
    Fixity(FixityCommand),
    /// Bytes per tier, location and collection, bytes saved by deduplication, compute time per
    /// job kind, and an energy and CO2e estimate with its factors and their sources.
    Footprint {
        #[arg(long)]
        json: bool,
    },
    /// The trash: assets deleted with `regie assets delete`, restorable until purged.
    #[command(subcommand)]
    Trash(TrashCommand),
    /// Legal holds: a held asset cannot be deleted, trashed by a rule, or purged.
    #[command(subcommand)]
    Holds(HoldsCommand),
    /// Time-coded segments of an asset (markers, chapters, ad breaks, shots, QC detections,
    /// subclips): list, add, edit, remove, and exchange with editing tools (EDL, OTIO, WebVTT, CSV).
    #[command(subcommand)]
    Segments(SegmentsCommand),
    /// Partial restore: a frame-accurate extract of an asset's original between two source
    /// timecodes, whose own timecode starts at the in-point's; stream-copied when the cut falls on
    /// keyframes, otherwise encoded again in the source's codecs (or a profile's); verified by
    /// probing. Kept as a rendition of the asset (`subclip-START-END`) unless `--output` is given.
    Subclip {
        asset: String,
        #[arg(long = "in", value_name = "TC")]
        in_tc: String,
        /// The out-point: the first frame not taken.
        #[arg(long = "out", value_name = "TC")]
        out_tc: String,
        /// Encode with this profile (a file profile, not a ladder).
        #[arg(long, conflicts_with = "copy")]
        profile: Option<String>,
        /// Stream-copy or refuse (the in- and out-points must be keyframes).
        #[arg(long)]
        copy: bool,
        /// A new file (never overwritten).
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Find an asset's shots now (what the `shots` job does after ingest): hard cuts, dissolves
    /// and fades; each shot becomes a `shot` segment with a keyframe, replacing an earlier run's.
    Shots {
        asset: String,
        #[arg(long)]
        json: bool,
    },
    /// Embed an asset's description and transcript for semantic search now (what the `embed` job
    /// does whenever they change), or with --all every asset whose passages are missing or old.
    Embed {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        asset: Option<String>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Transcribe an asset's speech now (what the `transcribe` job does at ingest for the
    /// `[intelligence] transcribe_collections`): timed subtitles in French or English, kept as its
    /// `transcript` track (machine-made, replacing an earlier one), searchable with timecodes.
    Transcribe {
        asset: String,
        /// fr, en, or auto (detected between the two; default: `[intelligence] speech_language`).
        #[arg(long)]
        language: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Read the text in an asset's pictures now (what the `ocr` job does at ingest for the
    /// `[intelligence] ocr_collections`): captions, lower thirds and slates, each line an `ocr`
    /// segment over the time it is on screen (replacing an earlier run's), searchable.
    Ocr {
        asset: String,
        /// Seconds between the pictures read (default: `[intelligence] ocr_every_s`, 2).
        #[arg(long)]
        every: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// The assets that are the same material as this one (re-encoded, rescaled, trimmed,
    /// recoloured, logo-burnt or cropped), with a score and, for video, the time offset; an asset
    /// never fingerprinted is fingerprinted first.
    Similar {
        asset: String,
        /// At most this many (best first).
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Recommendations for a user (from the viewing events: plays, downloads, ratings), or more
    /// like an asset (`--like`), only among what the user may read; or, with `--evaluate FILE`,
    /// the models measured on a log of interactions under RecBole's protocol.
    Recommend {
        /// The user to recommend for (their permissions filter the answer).
        #[arg(long, required_unless_present = "evaluate")]
        user: Option<String>,
        /// More like this asset, instead of for the user's history.
        #[arg(long)]
        like: Option<String>,
        /// At most this many (1 to 100).
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Measure Popularity, ItemKNN and EASE on a RecBole `.inter` file or a `user,item` CSV.
        #[arg(long, conflicts_with_all = ["user", "like"])]
        evaluate: Option<PathBuf>,
        /// The seed of the evaluation's random split.
        #[arg(long, default_value_t = 2020)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// The most viewed assets over the last hour, day or week (views counted by how recent they
    /// are), or with `--bursts` those whose viewing suddenly rose far above their usual rate;
    /// `--simulate` measures burst detection on simulated traffic with injected bursts.
    Trending {
        /// 1h, 24h or 7d.
        #[arg(long, default_value = "24h")]
        window: String,
        /// Only the assets in a burst.
        #[arg(long)]
        bursts: bool,
        /// Only what this user may read.
        #[arg(long)]
        user: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Simulate this many days of traffic on 500 assets with 40 injected bursts, and score
        /// the detection (precision, recall, delay).
        #[arg(long)]
        simulate: Option<f64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// An asset's subtitle tracks: files read with the media and machine-made transcripts.
    #[command(subcommand)]
    Subtitles(SubtitlesCommand),
    /// Review: comments at a frame or on a range, replies, resolution, and approval decisions.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Apply the `[[retention]]` rules and remove from every location what has been in the trash
    /// longer than `[lifecycle] trash_period`; never anything held. `--dry-run` says what would go.
    Purge {
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Bring an asset's original back into the primary store from a colder tier, for `--ttl`
    /// (default 7d; `regie purge` then removes it again).
    Restore {
        asset: String,
        #[arg(long, default_value = "7d")]
        ttl: String,
        /// Keep it in the primary store (no time limit).
        #[arg(long, conflicts_with = "ttl")]
        keep: bool,
        #[arg(long)]
        json: bool,
    },
    /// Workflow rules (TOML files in DATA/rules/): list them, or see what one would do.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Watch the `[[watch]]` folders and ingest what lands in them once it is complete, until
    /// stopped (Ctrl-C); `--once` scans once and exits when nothing is left settling.
    Watch {
        #[arg(long)]
        once: bool,
        #[arg(long)]
        json: bool,
    },
    /// Contracts: who may use an asset where, on which platforms and when.
    #[command(subcommand)]
    Rights(RightsCommand),
    /// Choose a ladder: `regie ladder compare ID --profiles web-ladder,web-ladder-hevc,web-ladder-av1`
    /// encodes what is missing and prints bits, encoding time and quality per rung side by side.
    #[command(subcommand)]
    Ladder(LadderCommand),
    /// Screeners' invisible marks: `regie watermark detect FILE` says whose copy a leaked file is.
    #[command(subcommand)]
    Watermark(WatermarkCommand),
    /// Queue a transcode of an asset to a profile; the rendition is made by a worker.
    Transcode {
        /// An asset id or house id.
        asset: String,
        /// A built-in profile (web-ladder, broadcast-xdcamhd50, prores-hq, mobile-540p,
        /// audio-bwf, proxy), DATA/profiles/NAME.toml, or a TOML file.
        #[arg(long)]
        profile: String,
        /// Choose each rung's bit rate for this programme from trial encodes of a sample (the
        /// fewest bits reaching --target-ssim); the rendition is PROFILE-per-title.
        #[arg(long)]
        per_title: bool,
        /// The recipient of a screener (a profile with [watermark], such as `screener`): the
        /// notice "RECIPIENT · DATE · HOUSE-ID" is burnt in; the rendition is PROFILE-RECIPIENT.
        #[arg(long)]
        recipient: Option<String>,
        /// The SSIM each rung should reach at its own size, with --per-title.
        #[arg(long, requires = "per_title", default_value_t = regie_core::profile::per_title::DEFAULT_TARGET_SSIM)]
        target_ssim: f64,
        /// Higher runs first.
        #[arg(long, default_value_t = 0)]
        priority: i64,
        #[arg(long)]
        json: bool,
    },
    /// Queue the proxy, poster, storyboard and waveform of an asset again.
    Previews {
        asset: String,
        #[arg(long)]
        json: bool,
    },
    /// Add, list, disable and reset users (the first admin is added here; no default exists).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Create groups and add users to them.
    #[command(subcommand)]
    Groups(GroupsCommand),
    /// Grant roles on collections (and everything below them) to users or groups.
    #[command(subcommand)]
    Grants(GrantsCommand),
    /// Verify and read the tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Search the catalogue (`regie search reindex` rebuilds the index from the catalogue).
    ///
    /// Words, "phrases", prefix*, field:value (title, synopsis, keywords, contributors, series,
    /// episode, rights, name, subtitles, collection, tag, codec, container, resolution, language,
    /// audio, finding, or a house field the rules index), ranges (duration:>600, duration:60..600,
    /// ingested:2026-01..2026-06, aired:2026, captured:..1999), OR, NOT (or -word after `--`:
    /// `regie search -- news -sport`).
    Search {
        #[arg(required = true)]
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Count facets: `--facets` for collection, codec, resolution, language, tag and year,
        /// or `--facets=codec,year,department`.
        #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "default", value_name = "NAMES")]
        facets: Option<String>,
        /// relevance (default), date (newest first) or oldest.
        #[arg(long, default_value = "relevance")]
        sort: String,
        /// The `next_cursor` of the previous page.
        #[arg(long)]
        cursor: Option<String>,
        /// Words only: leave out the assets found by meaning (semantic search, on when the
        /// embedding engine is installed), which come after the exact matches marked `~`.
        #[arg(long)]
        no_semantic: bool,
        #[arg(long)]
        json: bool,
    },
    /// Create or update catalogue records without media from a .jsonl or .csv file, keyed by
    /// house id (see docs/search.md for the fields).
    ImportMetadata {
        file: std::path::PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Serve the HTTP API (with a job worker inside) until Ctrl-C or SIGTERM.
    Serve {
        /// Address to listen on (default: `[server] listen`, 127.0.0.1:8080); port 0 picks a free one.
        #[arg(long)]
        listen: Option<String>,
        /// Job workers inside the server (default: `[server] workers`; 0 for none).
        #[arg(long)]
        workers: Option<usize>,
        /// Print the listening address as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Inspect the effective configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum LadderCommand {
    /// Each profile's rendition of the asset (made now when missing, or made before quality was
    /// measured): total bits, bit rate, encode time and speed, and each rung's bits, PSNR and
    /// SSIM against the source; exit 1 when a rendition could not be made.
    Compare {
        /// An asset id or house id.
        asset: String,
        /// Profiles, comma-separated (built-in names, DATA/profiles/NAME.toml, or TOML files).
        #[arg(long, value_delimiter = ',', required = true)]
        profiles: Vec<String>,
        /// Compare only what exists; encode nothing.
        #[arg(long)]
        no_encode: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum WatermarkCommand {
    /// Reads the file's pictures (at least 8 s; re-encoded, rescaled or trimmed copies too) and
    /// names the recipient whose screener it is; exit 1 when no recipient's mark is in it.
    Detect {
        /// The leaked file.
        file: std::path::PathBuf,
        /// Compare only the marks of this asset's screeners (an asset id or house id).
        #[arg(long)]
        asset: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    Add {
        name: String,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add a user to a group.
    AddMember {
        group: String,
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a user from a group.
    RemoveMember {
        group: String,
        user: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GrantsCommand {
    /// Grant a role on a collection tree (`*` for every collection); granting again replaces it.
    Add {
        /// A collection path such as news/2026, or `*`.
        #[arg(long)]
        collection: String,
        /// `user:NAME` or `group:NAME`.
        #[arg(long)]
        to: String,
        /// admin, media-manager, editor, viewer or partner.
        #[arg(long)]
        role: String,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Remove {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 1 naming the first entry altered, removed or inserted. With
    /// `--checkpoints DIR`, also check every signed checkpoint there against the trail.
    Verify {
        /// A folder of checkpoints (kept outside the data folder) with `audit-key.pub` beside them.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// The verifier key (`NAME+KEYID+KEY`, or a file holding it); default: DIR/audit-key.pub.
        #[arg(long, requires = "checkpoints")]
        key: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Sign the tree head of the whole trail (Ed25519, C2SP checkpoint) and write it to
    /// DATA/checkpoints/, the `[audit] checkpoint_dirs` and each `--out` folder.
    Checkpoint {
        #[arg(long)]
        out: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Entries oldest first, filtered by user, asset and time.
    List {
        #[arg(long)]
        user: Option<String>,
        /// An asset id or house id.
        #[arg(long)]
        asset: Option<String>,
        /// RFC 3339 time or date, inclusive.
        #[arg(long)]
        since: Option<String>,
        /// RFC 3339 time or date, exclusive.
        #[arg(long)]
        until: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files and folders (folders are walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The collection to file assets in, as a path such as `news/2026`.
    #[arg(long, default_value = "default")]
    pub collection: String,
    /// Tags to put on every ingested asset (repeatable).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Also compute SHA-256.
    #[arg(long)]
    pub sha256: bool,
    /// Files processed at once (default two per core, from 2 to 8).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// One JSON object per input file on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AssetsCommand {
    /// List assets, oldest first.
    List {
        /// Only this collection and its sub-collections.
        #[arg(long)]
        collection: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one asset by id or house id.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Add tags to an asset.
    Tag {
        id: String,
        #[arg(required = true)]
        tags: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Edit an asset's descriptive metadata: only the fields given change, an empty value clears
    /// one.
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        series: Option<String>,
        #[arg(long)]
        episode: Option<String>,
        #[arg(long)]
        synopsis: Option<String>,
        #[arg(long)]
        language: Option<String>,
        #[arg(long)]
        rights_holder: Option<String>,
        #[arg(long)]
        air_date: Option<String>,
        /// A house field, `NAME=VALUE` (repeatable; an empty value removes it).
        #[arg(long = "field")]
        fields: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Move an asset to the trash: hidden everywhere, restorable with `regie trash restore`
    /// until `regie purge` removes it after `[lifecycle] trash_period`. Refused under a hold.
    Delete {
        id: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove tags from an asset.
    Untag {
        id: String,
        #[arg(required = true)]
        tags: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Jobs, newest first.
    List {
        /// queued, running, succeeded, failed or cancelled.
        #[arg(long)]
        state: Option<String>,
        /// Only the jobs of this asset.
        #[arg(long)]
        asset: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One job with its log.
    Show {
        /// A job id or a unique prefix of it.
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a queued job, or stop a running one (its process is killed).
    Cancel {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Queue a failed or cancelled job again.
    Retry {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user with a role: admin, media-manager, editor, viewer or partner.
    Add {
        name: String,
        #[arg(long)]
        role: String,
        /// Read the password (at least 12 characters) from the first line of stdin; without it
        /// the user can use tokens only.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: their tokens and password stop working at once.
    Disable {
        name: String,
        #[arg(long)]
        json: bool,
    },
    Enable {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Set a new password, read from the first line of stdin.
    Reset {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token (printed once; only its digest is kept).
    Create {
        #[arg(long)]
        user: String,
        /// Permissions the token may use (repeatable or comma-separated): read, download,
        /// write-metadata, ingest, deliver, delete, administer; within the user's role.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Lifetime such as 90d, 12h or 30m; without it the token lasts until revoked.
        #[arg(long)]
        expires: Option<String>,
        #[arg(long, default_value = "")]
        label: String,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Revoke {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (defaults, then the file, then REGIE_* variables).
    Show {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DestinationsCommand {
    /// Declare a destination: file:///PATH, sftp://USER@HOST[:PORT]/PATH or s3://BUCKET[/PREFIX].
    Add(Box<DestinationAddArgs>),
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Write a probe file, read it back and remove it (pins an SFTP host key on first use).
    Test {
        name: String,
        #[arg(long)]
        json: bool,
    },
    Remove {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    /// Add a storage location: file:///PATH or s3://BUCKET[/PREFIX], with its tier.
    Add {
        name: String,
        #[arg(long)]
        url: String,
        /// online, nearline or archive.
        #[arg(long, default_value = "online")]
        tier: String,
        /// S3: the endpoint of a server other than AWS (http://HOST:PORT).
        #[arg(long)]
        endpoint: Option<String>,
        #[arg(long)]
        region: Option<String>,
        /// S3: the name of the environment variable holding the access key (not the key).
        #[arg(long)]
        access_key_env: Option<String>,
        /// S3: the name of the environment variable holding the secret key (not the key).
        #[arg(long)]
        secret_key_env: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every location (the primary store first) with its copies and bytes.
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a location that holds no copy.
    Remove {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Bytes per location and tier, and the assets below their copy count.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Make the copies assets lack: queue a job per asset below its count, or with `--now`
    /// make them here and now.
    Replicate {
        /// Only this asset (id or house id).
        #[arg(long)]
        asset: Option<String>,
        #[arg(long)]
        now: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrashCommand {
    /// What is in the trash, oldest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Take an asset out of the trash.
    Restore {
        asset: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum HoldsCommand {
    /// Put a legal hold on an asset (in the trash or not).
    Add {
        asset: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Release an asset's holds (or the one named with `--hold`).
    Remove {
        asset: String,
        #[arg(long)]
        hold: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Active holds (with `--all`, released ones too).
    List {
        #[arg(long)]
        asset: Option<String>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FixityCommand {
    /// Read copies in full and compare them with what was recorded; bad copies are quarantined
    /// and repaired from good ones. Exits with 1 when any copy was bad.
    Run {
        /// Only copies in this location.
        #[arg(long)]
        location: Option<String>,
        /// Only the copies of this asset (id or house id).
        #[arg(long)]
        asset: Option<String>,
        /// Compute MD5 too (several times slower than BLAKE3 alone).
        #[arg(long)]
        md5: bool,
        /// Read no faster than this (bytes per second).
        #[arg(long)]
        bytes_per_second: Option<u64>,
        /// Report and quarantine bad copies, but leave the repair to `regie fixity repair`.
        #[arg(long)]
        no_repair: bool,
        #[arg(long)]
        json: bool,
    },
    /// Repair the copies the last checks found bad, from copies that read back whole.
    Repair {
        #[arg(long)]
        location: Option<String>,
        #[arg(long)]
        asset: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeliveriesCommand {
    /// Deliveries, newest first.
    List {
        /// Only those of this asset.
        #[arg(long)]
        asset: Option<String>,
        /// queued, running, delivered, failed or refused.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One delivery with its receipt.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Read a delivery's files back at the destination and compare them with the receipt.
    Verify {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RightsCommand {
    /// Add a contract to an asset or a series.
    Add {
        /// An asset id or house id.
        #[arg(long, conflicts_with = "series", required_unless_present = "series")]
        asset: Option<String>,
        /// A series: every asset whose `series` is this.
        #[arg(long)]
        series: Option<String>,
        #[arg(long)]
        holder: String,
        /// Space-separated ISO 3166 codes; WORLD for all; -XX excludes.
        #[arg(long, allow_hyphen_values = true)]
        territories: String,
        /// Space-separated: linear catch-up svod avod tvod download cinema mobile...
        #[arg(long)]
        platforms: String,
        /// First day of the window (YYYY-MM-DD).
        #[arg(long)]
        start: String,
        /// Last day of the window (YYYY-MM-DD).
        #[arg(long)]
        end: String,
        #[arg(long)]
        exclusive: bool,
        #[arg(long)]
        max_runs: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Contracts of an asset (with its series'), or all.
    List {
        #[arg(long)]
        asset: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Remove {
        /// A contract id or unique prefix.
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Import contracts from CSV (asset or series, holder, territories, platforms, start, end,
    /// exclusive, max_runs); a bad line refuses the file.
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Whether an asset may be used in a territory on a platform (today, or --at).
    Check {
        asset: String,
        #[arg(long)]
        territory: String,
        #[arg(long)]
        platform: String,
        /// The day (YYYY-MM-DD).
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Set where and how a partner account uses what it downloads: its downloads are then
    /// checked against the rights like a delivery.
    Partner {
        /// The partner's user name.
        user: String,
        #[arg(long)]
        territory: String,
        #[arg(long, default_value = "download")]
        platform: String,
        #[arg(long)]
        json: bool,
    },
    /// Windows closing within a period (`30d`, `2w`, `12h` rounded up to days).
    Expiring {
        #[arg(long, default_value = "30d")]
        within: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct DestinationAddArgs {
    pub name: String,
    #[arg(long)]
    pub url: String,
    /// A territory it publishes in (ISO 3166 code), checked against the rights; repeatable.
    #[arg(long = "territory")]
    pub territories: Vec<String>,
    /// A platform it publishes on (linear, catch-up, svod, avod, tvod, download, cinema,
    /// mobile...), checked against the rights; repeatable.
    #[arg(long = "platform")]
    pub platforms: Vec<String>,
    /// The metadata sidecar sent beside the media: json, ebucore, csv or none.
    #[arg(long, default_value = "json")]
    pub sidecar: String,
    /// File names: fields {house_id} {title} {series} {episode} {version} {profile}
    /// {_profile} {asset_id} {date}.
    #[arg(long, default_value = regie_core::destination::DEFAULT_NAME_TEMPLATE)]
    pub template: String,
    /// The profile delivered when `deliver` names none.
    #[arg(long)]
    pub profile: Option<String>,
    /// A policy every delivered file must pass.
    #[arg(long)]
    pub policy: Option<String>,
    /// SFTP: the private key file (its path is stored, never the key).
    #[arg(long)]
    pub identity: Option<String>,
    /// SFTP: the server's host key (`TYPE BASE64`, as ssh-keyscan prints it); without it the
    /// key is pinned on first use.
    #[arg(long)]
    pub host_key: Option<String>,
    /// A bandwidth limit in kbit/s.
    #[arg(long)]
    pub limit_kbps: Option<u32>,
    /// S3: the endpoint of a server other than AWS.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// S3: the region.
    #[arg(long)]
    pub region: Option<String>,
    /// S3: the environment variable holding the access key id (its name is stored).
    #[arg(long)]
    pub access_key_env: Option<String>,
    /// S3: the environment variable holding the secret key (its name is stored).
    #[arg(long)]
    pub secret_key_env: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule, with its event, conditions and actions.
    List {
        #[arg(long)]
        json: bool,
    },
    /// What a rule would do for an asset, without doing it.
    Test {
        rule: String,
        #[arg(long)]
        asset: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SegmentsCommand {
    /// An asset's segments in time order: frames from the file's first (0) and the same
    /// instants on the source's timecode.
    List {
        asset: String,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add a segment: a marker on one frame (`--in` only) or a range (`--out` is the frame after).
    Add {
        asset: String,
        /// marker, chapter, ad-break, shot, subclip... or a house kind.
        #[arg(long, default_value = "marker")]
        kind: String,
        /// The in-point on the source's timecode (`10:00:02:05`, `01:00:00;02` drop-frame).
        #[arg(long = "in", value_name = "TC")]
        in_tc: String,
        #[arg(long = "out", value_name = "TC")]
        out_tc: Option<String>,
        #[arg(long, default_value = "")]
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a segment's kind, range or text.
    Edit {
        asset: String,
        segment: String,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long = "in", value_name = "TC")]
        in_tc: Option<String>,
        #[arg(long = "out", value_name = "TC")]
        out_tc: Option<String>,
        #[arg(long)]
        text: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a segment (a comment goes with its replies).
    Remove {
        asset: String,
        segment: String,
        #[arg(long)]
        json: bool,
    },
    /// Write the segments as a CMX 3600 EDL (`* LOC:` markers), OpenTimelineIO, WebVTT chapters
    /// or CSV, to standard output or a new file.
    Export {
        asset: String,
        /// edl, otio, vtt or csv (default: from --output's extension, else edl).
        #[arg(long)]
        format: Option<String>,
        /// Only these kinds (repeatable); WebVTT takes the chapters unless told.
        #[arg(long)]
        kind: Vec<String>,
        /// A new file (never overwritten).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Add the markers of an EDL (`* LOC:` lines) or a CSV file (a header with start_tc or in);
    /// every wrong line is reported and nothing is added unless all are right.
    Import {
        asset: String,
        file: PathBuf,
        /// edl or csv (default: from the file's extension).
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// The asset's approval state, its history and the comment threads.
    Show {
        asset: String,
        #[arg(long)]
        json: bool,
    },
    /// Comment at a frame (`--in`) or on a range (`--in` and `--out`).
    Comment {
        asset: String,
        #[arg(long = "in", value_name = "TC")]
        in_tc: String,
        #[arg(long = "out", value_name = "TC")]
        out_tc: Option<String>,
        #[arg(long)]
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Answer a comment (the reply joins its thread).
    Reply {
        asset: String,
        comment: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Mark a comment resolved (with `--reopen`, open again).
    Resolve {
        asset: String,
        comment: String,
        #[arg(long)]
        reopen: bool,
        #[arg(long)]
        json: bool,
    },
    /// Decide: approved, changes-requested, rejected (these two need --reason) or pending.
    Decide {
        asset: String,
        state: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubtitlesCommand {
    /// The tracks of an asset: source, language, cues, and whether a machine made it.
    List {
        asset: String,
        #[arg(long)]
        json: bool,
    },
    /// Write a track as SubRip or WebVTT, to standard output or a new file.
    Export {
        asset: String,
        /// The track's source name (see `subtitles list`); default: the only track, or the transcript.
        #[arg(long)]
        source: Option<String>,
        /// srt or vtt (default: from --output's extension, else srt).
        #[arg(long)]
        format: Option<String>,
        /// A new file (never overwritten).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}
