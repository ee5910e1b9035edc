//! The application context: the catalogue, the store and the prober opened on one data folder.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use regie_db::Database;
use regie_media::{Prober, ToolRunner};
use regie_storage::BlobStore;

use crate::{AppError, Settings};

/// A full decode may take this many times the probe timeout.
pub(crate) const MEASURE_TIMEOUT_FACTOR: u32 = 30;
/// How long the embedding engine may take over one batch of texts (its first load included).
const EMBED_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

/// An opened regie data folder; cheap to clone into tasks.
#[derive(Debug, Clone)]
pub struct Regie {
    pub(crate) db: Database,
    pub(crate) store: BlobStore,
    pub(crate) prober: Prober,
    /// Runs the measurements that decode a whole file (loudness, detectors), with a longer timeout.
    pub(crate) measurer: ToolRunner,
    pub(crate) settings: Arc<Settings>,
    /// The server's read cache (off for the command line).
    pub(crate) reads: Arc<crate::read_cache::ReadCache>,
    /// The search index, opened on first use.
    pub(crate) search: Arc<tokio::sync::Mutex<Option<Arc<regie_search::SearchIndex>>>>,
    /// Taken while the index follows the change feed.
    pub(crate) feed: Arc<tokio::sync::Mutex<()>>,
    /// Where workers get their jobs: the catalogue, or a server's lease API.
    pub(crate) queue: crate::jobs::queue::JobQueue,
    /// The recommendation model fitted on the viewing events, refitted as they change.
    pub(crate) recommender: crate::intelligence::RecommenderCache,
    /// The embedding engine, started on first use and kept running.
    pub(crate) embedder: Arc<regie_media::EmbeddingEngine>,
    /// The vectors of every passage, for semantic search.
    pub(crate) passages: crate::intelligence::PassageCacheSlot,
}

impl Regie {
    /// Opens the data folder, creating the database and store on first use.
    pub async fn open(settings: Settings) -> Result<Self, AppError> {
        let data_dir = &settings.data_dir;
        std::fs::create_dir_all(data_dir).map_err(|source| AppError::DataFolder { path: data_dir.clone(), source })?;
        let db = match &settings.database_url {
            Some(url) => Database::open_url(url).await?,
            None => Database::open_sqlite(&data_dir.join("catalogue.sqlite")).await?,
        };
        let store = BlobStore::open(data_dir.join("store"))?;
        let store = match &settings.store_url {
            Some(url) => store.with_remote(regie_storage::S3Blobs::open(url)?),
            None => store,
        };
        let runner = ToolRunner::new(settings.ingest_concurrency.max(1), settings.probe_timeout);
        let measurer =
            ToolRunner::new(settings.ingest_concurrency.max(1), settings.probe_timeout * MEASURE_TIMEOUT_FACTOR);
        let embedder = Arc::new(regie_media::EmbeddingEngine::new(
            settings.intelligence.embed_engine.clone(),
            settings.intelligence.embed_threads,
            EMBED_DEADLINE,
        ));
        Ok(Self {
            queue: crate::jobs::queue::JobQueue::Local(db.clone()),
            db,
            store,
            prober: Prober::new(runner),
            measurer,
            settings: Arc::new(settings),
            reads: Arc::default(),
            search: Arc::default(),
            feed: Arc::default(),
            recommender: Arc::default(),
            embedder,
            passages: Arc::default(),
        })
    }

    /// Makes this process's workers claim, renew and complete jobs through the lease API of the
    /// server at `server` (`http(s)://HOST:PORT`) with a worker-scoped token, instead of the
    /// catalogue: a render-farm node needs the shared store, not the database.
    pub fn with_lease_server(mut self, server: &str, token: &str) -> Result<Self, AppError> {
        self.queue = crate::jobs::queue::JobQueue::Remote(crate::jobs::queue::RemoteQueue::new(server, token)?);
        Ok(self)
    }

    /// Turns the read cache on (first call) and empties it if anything was committed to the
    /// catalogue since the last call; the server calls it at the start of every request.
    pub async fn refresh_read_cache(&self) -> Result<(), AppError> {
        let version = self.db.data_version().await?;
        self.reads.validate(version);
        Ok(())
    }

    /// The catalogue's migrations, applied against expected.
    pub async fn schema_state(&self) -> Result<regie_db::SchemaState, AppError> {
        Ok(self.db.schema_state().await?)
    }

    /// Whether the blob store answers (the folder exists; the bucket lists with these credentials).
    pub async fn check_store(&self) -> Result<(), AppError> {
        let check = tokio::time::timeout(std::time::Duration::from_secs(10), self.store.check()).await;
        match check {
            Ok(outcome) => Ok(outcome?),
            Err(_) => Err(AppError::Internal(format!("{} did not answer within 10 s", self.store.location()))),
        }
    }

    /// Which database the catalogue lives in.
    pub fn backend(&self) -> regie_db::Backend {
        self.db.backend()
    }

    /// The data folder.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.settings.data_dir
    }

    /// Closes the database cleanly (checkpointing the WAL).
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// The lock file that keeps `gc` from running while an ingest is writing.
    /// Holds the data folder shared (against `gc`, which takes it exclusively) until dropped.
    pub(crate) async fn shared_lock(&self) -> Result<File, AppError> {
        let (file, path) = self.lock_file()?;
        tokio::task::spawn_blocking(move || file.lock_shared().map(|()| file))
            .await
            .map_err(|error| AppError::Internal(error.to_string()))?
            .map_err(|source| AppError::DataFolder { path, source })
    }

    pub(crate) fn lock_file(&self) -> Result<(File, PathBuf), AppError> {
        let path = self.settings.data_dir.join("regie.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| AppError::DataFolder { path: path.clone(), source })?;
        Ok((file, path))
    }
}
