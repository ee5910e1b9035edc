//! Preparing one file for ingest: stage the copy (checksums in the same pass), describe the
//! staged bytes, check them, and gather the record. Its batch then stores the blob and writes
//! the row last (`batch.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Local;
use regie_core::sidecar::{DescriptiveMetadata, compare_declared};
use regie_core::subtitle::SubtitleTrack;
use regie_core::{AssetId, Blake3Hex, FileFormat, Finding, MediaDescription, Severity};
use regie_db::{NewAsset, NewFile, NewJob, NewSegment, Verdict};
use regie_storage::{HashOptions, StagedBlob};

use super::{FileOutcome, Run};
use crate::AppError;
use crate::check::check_described;

/// A file staged and described, waiting for its batch to be stored and recorded.
pub(super) struct Prepared {
    pub(super) staged: StagedBlob,
    pub(super) record: Record,
}

/// Everything a new asset's row holds that this file gave.
pub(super) struct Record {
    pub(super) path: PathBuf,
    pub(super) asset_id: AssetId,
    pub(super) name: String,
    pub(super) metadata: DescriptiveMetadata,
    pub(super) findings: Vec<Finding>,
    pub(super) file: NewFile,
    pub(super) verdicts: Vec<Verdict>,
    pub(super) jobs: Vec<NewJob>,
    pub(super) subtitles: Vec<SubtitleTrack>,
    pub(super) segments: Vec<NewSegment>,
}

/// What becomes of a file once staged: already settled (its content is catalogued), or ready
/// to be recorded with its batch.
pub(super) enum Staged {
    Settled(FileOutcome),
    Ready(Box<Prepared>),
}

/// A file copied into the store's temporary folder with its checksums and, when the native
/// prober could read it alone, its description and whether it is cut short.
pub(super) struct StagedCopy {
    staged: StagedBlob,
    quick: Option<(MediaDescription, Option<regie_media::Truncation>)>,
}

impl Run {
    /// Stages a file (copy and checksums, not yet flushed), and, unless its content is already
    /// catalogued, describes it, checks it and prepares its record.
    pub(super) async fn prepare_one(&self, path: &Path) -> Result<Staged, AppError> {
        let (path, staged) = self.stage_group(vec![path.to_owned()]).await.pop().expect("one file staged");
        self.prepare_staged(&path, staged?).await
    }

    /// Describes, checks and prepares the record of a staged file (a duplicate of content
    /// already catalogued is settled instead).
    pub(super) async fn prepare_staged(&self, path: &Path, copy: StagedCopy) -> Result<Staged, AppError> {
        let StagedCopy { staged, quick } = copy;
        // Content catalogued already is a duplicate, found by its batch anyway; asking here
        // first only pays when describing and checking it would cost more than the question
        // (ffprobe, or a policy's measurements), not for a file read natively in microseconds.
        let (media, truncation) = match quick {
            Some(quick) => quick,
            None => {
                if let Some(outcome) = self.existing_content(path, &staged).await? {
                    // Kept under its address even so: a blob missing from the store comes back.
                    self.keep_blob(staged).await?;
                    return Ok(Staged::Settled(outcome));
                }
                let media = self
                    .regie
                    .prober
                    .describe(staged.path(), Some(&staged.head))
                    .await
                    .map_err(|error| error.about(staged.path(), path))?;
                let format = FileFormat::sniff(&staged.head);
                (media, regie_media::detect_truncation(staged.path(), Some(&staged.head), format))
            }
        };
        let format = FileFormat::sniff(&staged.head);
        let mut metadata = self.sidecars.lock().expect("sidecar lock").read_for(path);
        let descriptive = &mut metadata.sidecar.descriptive;
        descriptive.keywords = self.regie.settings.search.normalise_keywords(&descriptive.keywords);
        let mut findings = self.findings_for(path, format, &media);
        if let Some(cut) = truncation {
            findings.push(Finding::new("truncated", Severity::Error, cut.message()));
        }
        findings.extend(metadata.findings);
        findings.extend(compare_declared(&metadata.sidecar.declared, &staged.checksums, Some(&media)));
        let (verdicts, detections) = self.verdicts_for(path, &staged, &media, &mut findings).await?;
        let clock =
            regie_core::timeline::SourceClock::of_media(Some(&media), self.regie.settings.timeline.sound_frame_rate);
        let segments = detections.map(|found| crate::timeline::detection_segments(&found, &clock)).unwrap_or_default();
        let asset_id = AssetId::new();
        let jobs = self.jobs_for(asset_id, &media, &verdicts);
        let record = Record {
            path: path.to_owned(),
            asset_id,
            name: path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
            metadata: metadata.sidecar.descriptive,
            findings,
            file: NewFile {
                role: "original".to_owned(),
                checksums: staged.checksums.clone(),
                format,
                media: Some(media),
            },
            verdicts,
            jobs,
            subtitles: metadata.sidecar.subtitles,
            segments,
        };
        Ok(Staged::Ready(Box::new(Prepared { staged, record })))
    }

    /// A prepared file's row, as the catalogue takes it (a copy: a failed batch is retried).
    pub(super) fn new_asset(&self, record: &Record) -> NewAsset<'_> {
        NewAsset {
            id: record.asset_id,
            name: record.name.clone(),
            collection: self.collection.clone(),
            source_path: record.path.display().to_string(),
            metadata: record.metadata.clone(),
            tags: self.tags.clone(),
            findings: record.findings.clone(),
            file: record.file.clone(),
            frames: Vec::new(),
            verdicts: record.verdicts.clone(),
            jobs: record.jobs.clone(),
            house_id_template: &self.regie.settings.house_id_template,
            ingest_date: Local::now().format("%Y%m%d").to_string(),
            owner_id: self.owner_id.clone(),
            subtitles: record.subtitles.clone(),
            segments: record.segments.clone(),
        }
    }

    /// The work queued with a new asset: previews, shots, speech, text, fingerprints, copies, and
    /// the workflow events of its verdicts.
    fn jobs_for(&self, asset_id: AssetId, media: &MediaDescription, verdicts: &[Verdict]) -> Vec<NewJob> {
        let mut jobs = Vec::new();
        if self.regie.settings.jobs.previews_at_ingest {
            jobs.push(crate::jobs::previews_job(&self.regie.settings, asset_id));
            if self.regie.settings.timeline.shots_at_ingest && crate::timeline::has_shots(media) {
                jobs.push(crate::timeline::shots_job(&self.regie.settings, asset_id));
            }
        }
        if crate::intelligence::transcribe_at_ingest(&self.regie.settings, &self.collection)
            && crate::intelligence::has_speech(media)
        {
            jobs.push(crate::intelligence::transcribe_job(&self.regie.settings, asset_id));
        }
        if crate::intelligence::ocr_at_ingest(&self.regie.settings, &self.collection)
            && crate::intelligence::has_pictures(media)
        {
            jobs.push(crate::intelligence::ocr_job(&self.regie.settings, asset_id));
        }
        if self.regie.settings.intelligence.fingerprint_at_ingest
            && crate::intelligence::has_pictures_to_fingerprint(media)
        {
            jobs.push(crate::intelligence::fingerprint_job(&self.regie.settings, asset_id));
        }
        if self.regie.needs_copies(&self.collection) {
            let key = format!("{}:{asset_id}", crate::keeping::REPLICATE);
            jobs.push(crate::keeping::replicate_job(&self.regie.settings, asset_id, key));
        }
        if self.raise_events {
            // Queued with the asset: a crash after the commit cannot lose the events.
            let outcomes: Vec<(String, bool)> =
                verdicts.iter().map(|verdict| (verdict.policy.clone(), verdict.passed)).collect();
            let events = crate::workflow::ingest_events(
                &asset_id.to_string(),
                &outcomes,
                self.watch.as_deref(),
                &self.watch_rules,
            );
            jobs.extend(events.iter().map(crate::workflow::event_job));
        }
        jobs
    }

    /// Copies files into the store's temporary folder with every checksum, one after another
    /// on one thread off the async ones (a group of small files pays one hand-off, not one
    /// each); each copy is flushed to disk with its batch, when it is stored. Without policies
    /// (whose measurements need ffprobe anyway), each is also described natively where it can be.
    pub(super) async fn stage_group(&self, paths: Vec<PathBuf>) -> Vec<(PathBuf, Result<StagedCopy, AppError>)> {
        let regie = self.regie.clone();
        let options = HashOptions { sha256: self.regie.settings.sha256 };
        let observer = Arc::clone(&self.observer);
        let describe = self.policies.is_empty();
        let fallback = paths.clone();
        let staged = tokio::task::spawn_blocking(move || {
            paths
                .into_iter()
                .map(|path| {
                    let copy = stage_one(&regie, &path, options, observer.as_ref(), describe);
                    (path, copy)
                })
                .collect::<Vec<_>>()
        })
        .await;
        staged.unwrap_or_else(|error| {
            let message = format!("staging stopped: {error}");
            fallback.into_iter().map(|path| (path, Err(AppError::Internal(message.clone())))).collect()
        })
    }

    /// Copies one file into the store's temporary folder with every checksum, off the async
    /// threads; the copy is flushed to disk with its batch, when it is stored.
    pub(super) async fn stage(&self, path: &Path) -> Result<StagedBlob, AppError> {
        let store = self.regie.store.clone();
        let source = path.to_owned();
        let options = HashOptions { sha256: self.regie.settings.sha256 };
        let observer = Arc::clone(&self.observer);
        let staged = tokio::task::spawn_blocking(move || {
            store.stage_unflushed(&source, options, &|bytes| observer.bytes_copied(bytes))
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))??;
        Ok(staged)
    }

    /// Stores a staged copy under its content address (a no-op when already there): renamed into
    /// the folder or uploaded to the bucket, before any row names it.
    pub(super) async fn keep_blob(&self, staged: StagedBlob) -> Result<(), AppError> {
        Ok(self.regie.store.store(staged).await?)
    }

    /// When the content is already catalogued, the duplicate outcome (recorded once per path).
    async fn existing_content(&self, path: &Path, staged: &StagedBlob) -> Result<Option<FileOutcome>, AppError> {
        self.duplicate_of_existing(path, &staged.checksums.blake3, staged.checksums.size).await
    }

    pub(super) async fn duplicate_of_existing(
        &self,
        path: &Path,
        blake3: &Blake3Hex,
        size: u64,
    ) -> Result<Option<FileOutcome>, AppError> {
        let Some(existing) = self.regie.db.find_by_content(blake3).await? else {
            return Ok(None);
        };
        if let Some(access) = &self.visible_to {
            let reference = existing.asset_id.to_string();
            if self.regie.asset_for(access, &reference, regie_core::access::Permission::Read).await.is_err() {
                return Ok(Some(FileOutcome::held(path, size)));
            }
        }
        let source_path = path.display().to_string();
        if existing.source_path != source_path {
            self.regie.db.record_duplicate(existing.asset_id, &source_path).await?;
        }
        Ok(Some(FileOutcome::duplicate(path, existing.asset_id, size)))
    }

    /// Checks the staged copy against the collection's policies; a failing verdict is a finding.
    /// Also gives what the black, silence and freeze detectors found, when a policy ran them.
    async fn verdicts_for(
        &self,
        path: &Path,
        staged: &StagedBlob,
        media: &MediaDescription,
        findings: &mut Vec<Finding>,
    ) -> Result<(Vec<Verdict>, Option<regie_media::Detections>), AppError> {
        let mut verdicts = Vec::new();
        let mut detections = None;
        for policy in &self.policies {
            let checked = check_described(&self.regie.measurer, staged.path(), path, media.clone(), policy).await?;
            detections = detections.or(checked.detections);
            let report = checked.report;
            if !report.passed {
                let failed: Vec<String> = report
                    .rules
                    .iter()
                    .filter(|rule| !rule.passed && rule.severity == Severity::Error)
                    .map(|rule| format!("{} (measured {}, expected {})", rule.id, rule.measured, rule.expected))
                    .collect();
                findings.push(Finding::new(
                    "policy-failed",
                    Severity::Error,
                    format!("fails policy {}: {}", report.policy, failed.join("; ")),
                ));
            }
            verdicts.push(Verdict {
                policy: report.policy.clone(),
                passed: report.passed,
                errors: report.errors as u64,
                warnings: report.warnings as u64,
                report: serde_json::to_string(&report).unwrap_or_default(),
            });
        }
        Ok((verdicts, detections))
    }

    /// Findings from comparing what the bytes are (`sniffed`) with the name and the probe.
    fn findings_for(&self, path: &Path, sniffed: FileFormat, media: &MediaDescription) -> Vec<Finding> {
        let mut findings = Vec::new();
        let extension = path.extension().and_then(|extension| extension.to_str());
        if sniffed.contradicts_extension(extension) {
            findings.push(Finding::new(
                "extension-mismatch",
                Severity::Warning,
                format!("the name ends in .{} but the content is {}", extension.unwrap_or_default(), sniffed.as_str()),
            ));
        } else if sniffed == FileFormat::Unknown
            && extension.is_some_and(|extension| !extension.eq_ignore_ascii_case(&media.container))
        {
            findings.push(Finding::new(
                "format-unconfirmed",
                Severity::Info,
                format!("the format was not recognised from the bytes; ffprobe reads it as {}", media.container),
            ));
        }
        findings
    }
}

/// Stages one file and, with `describe`, reads it natively (and checks it is whole).
fn stage_one(
    regie: &crate::Regie,
    path: &Path,
    options: HashOptions,
    observer: &dyn super::IngestObserver,
    describe: bool,
) -> Result<StagedCopy, AppError> {
    let staged = regie.store.stage_unflushed(path, options, &|bytes| observer.bytes_copied(bytes))?;
    let quick = describe.then(|| regie.prober.describe_without_ffprobe(staged.path(), Some(&staged.head))).flatten();
    let quick = quick.map(|media| {
        let format = FileFormat::sniff(&staged.head);
        (media, regie_media::detect_truncation(staged.path(), Some(&staged.head), format))
    });
    Ok(StagedCopy { staged, quick })
}
