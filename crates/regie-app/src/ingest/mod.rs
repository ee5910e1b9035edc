//! Ingest: walk the inputs, then for each file copy it into the store while checksumming it,
//! identify it from its bytes, describe it, read its sidecars, and record it, the database row
//! last. Files are prepared a few at a time; they are stored and recorded a batch at a time (one
//! flush and one transaction per batch, the next batch stored while one is recorded), so two
//! copies of the same content in one run still become one asset and one duplicate. The search
//! index reads each recorded batch meanwhile (`indexing.rs`).

mod batch;
mod indexing;
mod one_file;
mod outcome;
mod sequence;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use regie_core::CollectionPath;
use regie_core::policy::Policy;

pub use outcome::{FileOutcome, IngestObserver, IngestStatus, IngestSummary};

use crate::catalogue::normalise_tags;
use crate::check::load_policy;
use crate::named_toml::Lookup;
use crate::sidecar::SidecarReader;
use crate::walk::{uploaded_files, walk_inputs};
use crate::{AppError, Regie};

/// What to ingest and where to file it.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    pub paths: Vec<PathBuf>,
    pub collection: CollectionPath,
    pub tags: Vec<String>,
    /// The user bringing the files in (recorded as the assets' owner); none for the command line.
    pub owner_id: Option<String>,
    /// The paths are finished uploads inside the data folder, taken as they are (not walked).
    pub uploaded: bool,
    /// Whose eyes the outcome is for (an uploader over the API): content already catalogued
    /// where they may not read it is held, and that asset is neither named nor touched.
    pub visible_to: Option<regie_core::access::Access>,
    /// The watch folder the files arrived in (for workflow rules on `watch-folder`).
    pub watch: Option<String>,
    /// The rules that folder runs on `watch-folder` (empty: every such rule).
    pub watch_rules: Vec<String>,
}

impl IngestRequest {
    pub fn new(paths: Vec<PathBuf>, collection: CollectionPath, tags: Vec<String>) -> Self {
        Self {
            paths,
            collection,
            tags,
            owner_id: None,
            uploaded: false,
            visible_to: None,
            watch: None,
            watch_rules: Vec::new(),
        }
    }
}

/// One unit of an ingest run: a file, or a numbered image sequence catalogued as one asset.
enum Work {
    /// A file and its size when walked.
    File(PathBuf, u64),
    Sequence(regie_core::sequence::ImageSequence),
}

/// What a worker takes from the queue at once.
enum NextWork {
    File(PathBuf),
    /// Small files, staged one after another on one blocking thread.
    Group(Vec<PathBuf>),
    Sequence(regie_core::sequence::ImageSequence),
}

/// Files up to this size are staged in groups, one hand-off to a blocking thread per group.
const SMALL_FILE: u64 = 1 << 20;
/// Small files staged together at most.
const GROUP_LIMIT: usize = 16;

/// Frames of the same name, width and extension in one folder that make a sequence.
const SEQUENCE_MINIMUM_FRAMES: usize = 2;

/// State shared by the workers of one run.
struct Run {
    regie: Regie,
    collection: CollectionPath,
    tags: Vec<String>,
    owner_id: Option<String>,
    visible_to: Option<regie_core::access::Access>,
    watch: Option<String>,
    watch_rules: Vec<String>,
    /// Queue workflow events with each new asset (rules exist).
    raise_events: bool,
    /// The policies of the target collection, checked on every new asset.
    policies: Vec<Policy>,
    queue: Mutex<VecDeque<Work>>,
    sidecars: Mutex<SidecarReader>,
    record_lock: tokio::sync::Mutex<()>,
    observer: Arc<dyn IngestObserver>,
    summary: Mutex<IngestSummary>,
    /// Assets this run created that the search index has not been given yet.
    created: Mutex<Vec<regie_core::AssetId>>,
    indexing: indexing::Indexing,
}

impl Regie {
    /// Ingests every file under `request.paths`; per-file failures are reported, not returned.
    pub async fn ingest(
        &self,
        request: IngestRequest,
        observer: Arc<dyn IngestObserver>,
    ) -> Result<IngestSummary, AppError> {
        let policies = self
            .settings
            .policies_for(&request.collection)
            .iter()
            .map(|name| load_policy(name, &self.settings.data_dir, Lookup::ByNameOrPath))
            .collect::<Result<Vec<_>, _>>()?;
        let (lock, _) = self.lock_file()?;
        lock.lock_shared().map_err(|source| AppError::DataFolder { path: self.settings.data_dir.clone(), source })?;
        let indexing = indexing::Indexing::start(self.clone());
        let data_dir = self.settings.data_dir.clone();
        // A pattern (`reel1_%06d.dpx`) names a sequence; other paths are walked.
        let mut named_sequences = Vec::new();
        let mut pattern_failures = Vec::new();
        let mut paths = Vec::new();
        for path in &request.paths {
            match (request.uploaded, sequence::sequence_of_pattern(path)) {
                (false, Some(Ok(found))) => named_sequences.push(found),
                (false, Some(Err(message))) => pattern_failures.push((path.clone(), "not-found", message)),
                _ => paths.push(path.clone()),
            }
        }
        let mut walk = if request.uploaded {
            uploaded_files(&paths)
        } else {
            tokio::task::spawn_blocking(move || walk_inputs(&paths, &[data_dir]))
                .await
                .map_err(|error| AppError::Internal(error.to_string()))?
        };
        for (path, reason) in &walk.skipped {
            observer.skipped(path, reason);
        }
        let (mut sequences, files) = if request.uploaded {
            (Vec::new(), std::mem::take(&mut walk.files))
        } else {
            regie_core::sequence::group_sequences(std::mem::take(&mut walk.files), SEQUENCE_MINIMUM_FRAMES)
        };
        sequences.extend(named_sequences);
        tracing::debug!(files = files.len(), sequences = sequences.len(), "ingest walked");
        let total_bytes = files.iter().map(|(_, size)| size).sum::<u64>()
            + sequences.iter().map(regie_core::sequence::ImageSequence::total_size).sum::<u64>();
        let planned = files.len() + sequences.len() + walk.failures.len() + pattern_failures.len();
        observer.planned(planned as u64, total_bytes);
        let queue: VecDeque<Work> = sequences
            .into_iter()
            .map(Work::Sequence)
            .chain(files.into_iter().map(|(path, size)| Work::File(path, size)))
            .collect();
        let run = Arc::new(Run {
            regie: self.clone(),
            collection: request.collection,
            tags: normalise_tags(&request.tags)?,
            owner_id: request.owner_id,
            visible_to: request.visible_to,
            watch: request.watch,
            watch_rules: request.watch_rules,
            raise_events: crate::workflow::rules_exist(&self.settings.data_dir),
            policies,
            queue: Mutex::new(queue),
            sidecars: Mutex::new(SidecarReader::default()),
            record_lock: tokio::sync::Mutex::new(()),
            observer,
            summary: Mutex::new(IngestSummary::default()),
            created: Mutex::new(Vec::new()),
            indexing,
        });
        for (path, code, message) in walk.failures.into_iter().chain(pattern_failures) {
            run.report(FileOutcome::failed(&path, code, message));
        }
        let (prepared, to_record) = tokio::sync::mpsc::channel(batch::BATCH_LIMIT);
        let recorder = {
            let run = Arc::clone(&run);
            tokio::spawn(async move { run.record_batches(to_record).await })
        };
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..self.settings.ingest_concurrency.max(1) {
            let (run, prepared) = (Arc::clone(&run), prepared.clone());
            workers.spawn(async move { run.work(prepared).await });
        }
        drop(prepared);
        while let Some(joined) = workers.join_next().await {
            joined.map_err(|error| AppError::Internal(format!("an ingest worker stopped: {error}")))?;
        }
        tracing::debug!("ingest files prepared");
        recorder.await.map_err(|error| AppError::Internal(format!("ingest recording stopped: {error}")))?;
        tracing::debug!("ingest files recorded");
        run.index_created().await;
        let summary = run.summary.lock().expect("summary lock").clone();
        let run =
            Arc::into_inner(run).ok_or_else(|| AppError::Internal("an ingest task outlived its run".to_owned()))?;
        run.indexing.finish().await;
        Ok(summary)
    }
}

impl Run {
    /// Takes work from the queue until it is empty; prepared files go to `prepared` to be recorded.
    async fn work(self: Arc<Self>, prepared: tokio::sync::mpsc::Sender<one_file::Prepared>) {
        loop {
            let next = self.next_work();
            let outcomes = match next {
                None => return,
                Some(NextWork::File(path)) => {
                    let staged = self.prepare_one(&path).await;
                    self.pass_on(&path, staged, &prepared).await.into_iter().collect()
                }
                Some(NextWork::Sequence(sequence)) => vec![match self.ingest_sequence(&sequence).await {
                    Ok(outcome) => outcome,
                    Err(error) => FileOutcome::from_error(&sequence.folder.join(sequence.pattern()), &error),
                }],
                Some(NextWork::Group(paths)) => {
                    let mut outcomes = Vec::new();
                    for (path, staged) in self.stage_group(paths).await {
                        let prepared_one = match staged {
                            Ok(copy) => self.prepare_staged(&path, copy).await,
                            Err(error) => Err(error),
                        };
                        outcomes.extend(self.pass_on(&path, prepared_one, &prepared).await);
                    }
                    outcomes
                }
            };
            for outcome in outcomes {
                self.report(outcome);
            }
        }
    }

    /// The next work: a sequence, a large file, or the small files at the head of the queue.
    fn next_work(&self) -> Option<NextWork> {
        let mut queue = self.queue.lock().expect("queue lock");
        let mut group = Vec::new();
        while group.len() < GROUP_LIMIT {
            match queue.front() {
                Some(Work::File(_, size)) if *size <= SMALL_FILE => {}
                _ => break,
            }
            if let Some(Work::File(path, _)) = queue.pop_front() {
                group.push(path);
            }
        }
        if !group.is_empty() {
            return Some(NextWork::Group(group));
        }
        queue.pop_front().map(|work| match work {
            Work::File(path, _) => NextWork::File(path),
            Work::Sequence(sequence) => NextWork::Sequence(sequence),
        })
    }

    /// Sends a prepared file on to be recorded; the outcome of one that is settled or failed.
    async fn pass_on(
        &self,
        path: &std::path::Path,
        staged: Result<one_file::Staged, AppError>,
        prepared: &tokio::sync::mpsc::Sender<one_file::Prepared>,
    ) -> Option<FileOutcome> {
        match staged {
            Ok(one_file::Staged::Settled(outcome)) => Some(outcome),
            Ok(one_file::Staged::Ready(ready)) => match prepared.send(*ready).await {
                Ok(()) => None,
                Err(_) => {
                    Some(FileOutcome::from_error(path, &AppError::Internal("ingest recording stopped".to_owned())))
                }
            },
            Err(error) => Some(FileOutcome::from_error(path, &error)),
        }
    }

    /// Gives the search index the assets created since it was last given some.
    async fn index_created(&self) {
        let created = std::mem::take(&mut *self.created.lock().expect("created lock"));
        self.indexing.add(created).await;
    }

    fn report(&self, outcome: FileOutcome) {
        self.summary.lock().expect("summary lock").count(&outcome);
        if let (IngestStatus::Ingested, Some(asset_id)) = (outcome.status, outcome.asset_id) {
            self.created.lock().expect("created lock").push(asset_id);
        }
        self.observer.file_done(&outcome);
    }
}
