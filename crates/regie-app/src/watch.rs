//! Watch folders: files that other systems write into a folder are ingested once they are
//! complete: a file counts as complete when its size and modification time (and those of its
//! sidecars) have not changed for the folder's stability period, so a file still being copied is
//! never ingested half. inotify wakes the watcher as soon as something moves; a periodic rescan
//! covers network shares where inotify says nothing. A journal in `DATA/watch/` records what was
//! handled, so a restart neither re-reads nor ingests anything twice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use regie_core::CollectionPath;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::ingest::{FileOutcome, IngestObserver, IngestRequest, IngestStatus};
use crate::sidecar::is_sidecar;
use crate::{AppError, Regie};

/// What happens to a file once handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AfterIngest {
    /// Left where it is (the journal keeps it from being taken again).
    #[default]
    Leave,
    /// Moved to `done/` (ingested or already catalogued) or `failed/` inside the watch folder.
    Move,
}

/// One `[[watch]]` entry.
#[derive(Debug, Clone)]
pub struct WatchFolder {
    pub name: String,
    pub path: PathBuf,
    pub collection: CollectionPath,
    pub tags: Vec<String>,
    /// The rules run on `watch-folder` events from here (empty: every such rule).
    pub rules: Vec<String>,
    /// How long size and modification time must stay the same.
    pub stability: Duration,
    /// How often the folder is scanned even without an inotify event.
    pub rescan: Duration,
    pub after: AfterIngest,
}

/// One file handled by a watch folder.
#[derive(Debug, Clone, Serialize)]
pub struct WatchOutcome {
    pub watch: String,
    pub path: String,
    /// `ingested`, `duplicate`, `held` or `failed`.
    pub status: IngestStatus,
    pub asset_id: Option<String>,
    pub house_id: Option<String>,
    pub error: Option<String>,
    /// Where the file went (`done/...`, `failed/...`), when moved.
    pub moved_to: Option<String>,
    /// Seconds from first sight to the recorded asset.
    pub waited_s: f64,
}

/// Told of each handled file.
pub trait WatchObserver: Send + Sync {
    fn handled(&self, outcome: &WatchOutcome);
}

/// A file being watched until it settles.
#[derive(Debug, Clone, Copy)]
struct Seen {
    size: u64,
    modified: SystemTime,
    since: Instant,
    first: Instant,
}

/// What the journal remembers of a handled file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct Handled {
    path: String,
    size: u64,
    modified_ns: u128,
}

struct FolderState {
    folder: WatchFolder,
    seen: HashMap<PathBuf, Seen>,
    handled: HashSet<Handled>,
    journal: PathBuf,
    last_scan: Option<Instant>,
}

impl Regie {
    /// Watches every folder until `shutdown` turns true; with `once`, returns as soon as nothing
    /// is left settling. Returns the number of files handled.
    pub async fn watch_folders(
        &self,
        folders: Vec<WatchFolder>,
        once: bool,
        observer: Arc<dyn WatchObserver>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<u64, AppError> {
        let journal_dir = self.settings.data_dir.join("watch");
        std::fs::create_dir_all(&journal_dir)
            .map_err(|source| AppError::DataFolder { path: journal_dir.clone(), source })?;
        for folder in &folders {
            std::fs::create_dir_all(&folder.path)
                .map_err(|source| AppError::InputUnreadable { path: folder.path.clone(), source })?;
        }
        let wake = Arc::new(Notify::new());
        // Kept alive while watching; a folder inotify cannot watch is rescanned only.
        let _watchers = inotify_watchers(&folders, &wake);
        let mut states = Vec::new();
        for folder in folders {
            let journal = journal_dir.join(format!("{}.jsonl", folder.name));
            let handled = read_journal(&journal);
            states.push(FolderState { folder, seen: HashMap::new(), handled, journal, last_scan: None });
        }
        let mut count = 0;
        loop {
            let mut settling = false;
            for state in &mut states {
                let due =
                    state.last_scan.is_none_or(|last| last.elapsed() >= state.folder.rescan) || !state.seen.is_empty();
                if !due {
                    continue;
                }
                state.last_scan = Some(Instant::now());
                let ready = state.scan();
                for path in ready {
                    if let Some(outcome) = self.take(state, &path).await? {
                        observer.handled(&outcome);
                        count += 1;
                    }
                }
                settling |= state.is_settling();
            }
            if once && !settling {
                return Ok(count);
            }
            let tick = if settling { Duration::from_millis(250) } else { Duration::from_secs(1) };
            tokio::select! {
                () = tokio::time::sleep(tick) => {}
                () = wake.notified() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return Ok(count);
            }
        }
    }

    /// Ingests one settled file (its sidecars come with it), journals it, moves it if asked.
    async fn take(&self, state: &mut FolderState, path: &Path) -> Result<Option<WatchOutcome>, AppError> {
        let Some(seen) = state.seen.remove(path) else { return Ok(None) };
        // Its sidecars are read with it and handled with it.
        let companions: Vec<(PathBuf, Seen)> = state
            .companions(path)
            .into_iter()
            .filter_map(|companion| state.seen.remove(&companion).map(|seen| (companion, seen)))
            .collect();
        let folder = &state.folder;
        let mut request = IngestRequest::new(vec![path.to_owned()], folder.collection.clone(), folder.tags.clone());
        request.watch = Some(folder.name.clone());
        request.watch_rules = folder.rules.clone();
        let last = Arc::new(LastOutcome::default());
        self.ingest(request, Arc::clone(&last) as Arc<dyn IngestObserver>).await?;
        let Some(outcome) = last.0.lock().expect("outcome").take() else { return Ok(None) };
        let moved_to = match folder.after {
            AfterIngest::Leave => None,
            AfterIngest::Move => {
                let target = if outcome.status == IngestStatus::Failed { "failed" } else { "done" };
                Some(move_with_sidecars(&folder.path, path, target)?)
            }
        };
        for (handled_path, handled) in std::iter::once((path.to_owned(), seen)).chain(companions) {
            let entry = Handled {
                path: handled_path.display().to_string(),
                size: handled.size,
                modified_ns: nanos(handled.modified),
            };
            append_journal(&state.journal, &entry)?;
            state.handled.insert(entry);
        }
        Ok(Some(WatchOutcome {
            watch: folder.name.clone(),
            path: path.display().to_string(),
            status: outcome.status,
            asset_id: outcome.asset_id.map(|id| id.to_string()),
            house_id: outcome.house_id,
            error: outcome.error,
            moved_to,
            waited_s: seen.first.elapsed().as_secs_f64(),
        }))
    }
}

impl FolderState {
    /// Looks at every file (below the folder, but not in `done/`, `failed/` or hidden places) and
    /// returns the media files that have settled, with their sidecars.
    fn scan(&mut self) -> Vec<PathBuf> {
        let now = Instant::now();
        let mut present: BTreeMap<PathBuf, (u64, SystemTime)> = BTreeMap::new();
        collect_files(&self.folder.path, &self.folder.path, &mut present);
        self.seen.retain(|path, _| present.contains_key(path));
        for (path, (size, modified)) in &present {
            let handled = Handled { path: path.display().to_string(), size: *size, modified_ns: nanos(*modified) };
            if self.handled.contains(&handled) {
                continue;
            }
            let entry = self.seen.entry(path.clone()).or_insert(Seen {
                size: *size,
                modified: *modified,
                since: now,
                first: now,
            });
            if entry.size != *size || entry.modified != *modified {
                *entry = Seen { size: *size, modified: *modified, since: now, first: entry.first };
            }
        }
        let settled = |seen: &Seen| now.duration_since(seen.since) >= self.folder.stability;
        let mut ready = Vec::new();
        for (path, seen) in &self.seen {
            if is_sidecar(path) || !settled(seen) {
                continue;
            }
            // Its sidecars (same name before the first dot) must have settled too.
            let stem = stem_of(path);
            let companions_settled = self
                .seen
                .iter()
                .filter(|(other, _)| *other != path && other.parent() == path.parent() && stem_of(other) == stem)
                .all(|(_, other)| settled(other));
            if companions_settled {
                ready.push(path.clone());
            }
        }
        ready.sort();
        ready
    }

    /// Whether anything is still changing, or settled media waits to be taken (a settled sidecar
    /// without its media just waits, it settles nothing).
    fn is_settling(&self) -> bool {
        let now = Instant::now();
        self.seen.iter().any(|(path, seen)| !is_sidecar(path) || now.duration_since(seen.since) < self.folder.stability)
    }

    /// The sidecars being watched beside `media` (same folder, same name before the first dot).
    fn companions(&self, media: &Path) -> Vec<PathBuf> {
        let stem = stem_of(media);
        self.seen
            .keys()
            .filter(|other| {
                *other != media && is_sidecar(other) && other.parent() == media.parent() && stem_of(other) == stem
            })
            .cloned()
            .collect()
    }
}

fn stem_of(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    name.split('.').next().unwrap_or_default().to_owned()
}

fn collect_files(root: &Path, folder: &Path, found: &mut BTreeMap<PathBuf, (u64, SystemTime)>) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(metadata) = entry.metadata() else { continue };
        if metadata.is_dir() {
            if folder == root && (name == "done" || name == "failed") {
                continue;
            }
            collect_files(root, &path, found);
        } else if metadata.is_file() {
            let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            found.insert(path, (metadata.len(), modified));
        }
    }
}

/// Moves a file and its sidecars into `root/target/` (same relative place), never over another
/// file (a number is added); returns where the file went.
fn move_with_sidecars(root: &Path, path: &Path, target: &str) -> Result<String, AppError> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let destination_folder = root.join(target).join(relative.parent().unwrap_or(Path::new("")));
    std::fs::create_dir_all(&destination_folder)
        .map_err(|source| AppError::DataFolder { path: destination_folder.clone(), source })?;
    let stem = stem_of(path);
    let mut moved = String::new();
    let siblings: Vec<PathBuf> = std::fs::read_dir(path.parent().unwrap_or(root))
        .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default();
    for sibling in
        siblings.iter().filter(|sibling| *sibling == path || (is_sidecar(sibling) && stem_of(sibling) == stem))
    {
        let name = sibling.file_name().unwrap_or_default();
        let mut destination = destination_folder.join(name);
        let mut counter = 1;
        while destination.exists() {
            destination = destination_folder.join(format!("{counter}-{}", name.to_string_lossy()));
            counter += 1;
        }
        std::fs::rename(sibling, &destination)
            .map_err(|source| AppError::DataFolder { path: destination.clone(), source })?;
        if sibling == path {
            moved = destination.strip_prefix(root).unwrap_or(&destination).display().to_string();
        }
    }
    Ok(moved)
}

fn nanos(time: SystemTime) -> u128 {
    time.duration_since(SystemTime::UNIX_EPOCH).map(|duration| duration.as_nanos()).unwrap_or(0)
}

fn read_journal(path: &Path) -> HashSet<Handled> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// Appends one line and syncs it: a handled file is on record before the next one starts.
fn append_journal(path: &Path, entry: &Handled) -> Result<(), AppError> {
    use std::io::Write;
    let failed = |source| AppError::DataFolder { path: path.to_owned(), source };
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(failed)?;
    let mut line = serde_json::to_string(entry).map_err(|error| AppError::Internal(error.to_string()))?;
    line.push('\n');
    file.write_all(line.as_bytes()).map_err(failed)?;
    file.sync_data().map_err(failed)
}

/// inotify watchers that wake the loop on any change below each folder.
fn inotify_watchers(folders: &[WatchFolder], wake: &Arc<Notify>) -> Vec<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut watchers = Vec::new();
    for folder in folders {
        let wake = Arc::clone(wake);
        // Only changes wake the watcher: the scan's own reads (open, access) would wake it again.
        let handler = move |event: notify::Result<notify::Event>| {
            use notify::EventKind;
            if let Ok(event) = event
                && matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_))
            {
                wake.notify_one();
            }
        };
        match notify::recommended_watcher(handler) {
            Ok(mut watcher) => match watcher.watch(&folder.path, notify::RecursiveMode::Recursive) {
                Ok(()) => watchers.push(watcher),
                Err(error) => tracing::warn!(folder = %folder.path.display(), %error, "no inotify; rescanning only"),
            },
            Err(error) => tracing::warn!(%error, "no inotify; rescanning only"),
        }
    }
    watchers
}

/// Keeps the one outcome of a single-file ingest.
#[derive(Default)]
struct LastOutcome(std::sync::Mutex<Option<FileOutcome>>);

impl IngestObserver for LastOutcome {
    fn planned(&self, _files: u64, _bytes: u64) {}
    fn bytes_copied(&self, _bytes: u64) {}
    fn skipped(&self, _path: &Path, _reason: &str) {}
    fn file_done(&self, outcome: &FileOutcome) {
        *self.0.lock().expect("outcome") = Some(outcome.clone());
    }
}
