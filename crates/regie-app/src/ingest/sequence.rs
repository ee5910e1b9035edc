//! Ingesting a numbered image sequence (a DPX or EXR film scan) as one asset: every frame is
//! copied into the store with its checksums and kept as a file of the asset (`frame:NUMBER`, so
//! fixity checks, copies and garbage collection treat it like any file); its header is read and
//! compared with the first frame's. The asset's original is the sequence's manifest (every
//! frame's number, name, size, MD5 and BLAKE3, as JSON), and its description is the sequence's:
//! frame count, frame rate (declared in the DPX header or configured), size, bit depth,
//! timecode, duration and total size. A gap in the numbering and a damaged frame are findings
//! that name the frames.

use std::io::Write;
use std::path::Path;

use chrono::Local;
use futures::StreamExt;
use regie_core::media::chroma_and_depth;
use regie_core::sequence::ImageSequence;
use regie_core::{
    AssetId, Checksums, FileFormat, Finding, MediaDescription, Rational, SequenceInfo, Severity, StreamDescription,
    StreamKind,
};
use regie_db::{NewAsset, NewFile};
use regie_media::{DpxHeader, ExrTiming, Native, probe_native};
use serde::Serialize;

use super::{FileOutcome, Run};
use crate::AppError;

/// Frames being copied at once.
const FRAMES_AT_ONCE: usize = 4;

/// Findings of one kind listed one by one; past this, one more says how many were left out.
const FINDINGS_LISTED: usize = 50;

/// What a frame's header says, to compare frames with the first.
#[derive(Debug, Clone, PartialEq)]
struct FrameFacts {
    width: u32,
    height: u32,
    pix_fmt: String,
    bit_depth: Option<u32>,
    frame_rate: Option<Rational>,
    timecode: Option<String>,
}

#[derive(Serialize)]
struct ManifestFrame<'a> {
    number: u64,
    name: String,
    size: u64,
    md5: &'a str,
    blake3: &'a str,
    /// Unreadable, cut short, or unlike the first frame: previews hold the frame before it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    damaged: bool,
}

#[derive(Serialize)]
struct Manifest<'a> {
    pattern: String,
    first_frame: u64,
    last_frame: u64,
    frame_rate: String,
    frames: Vec<ManifestFrame<'a>>,
}

impl Run {
    pub(super) async fn ingest_sequence(&self, sequence: &ImageSequence) -> Result<FileOutcome, AppError> {
        let reported = sequence.folder.join(sequence.pattern());
        let format = match sequence.extension.to_ascii_lowercase().as_str() {
            "dpx" => FileFormat::Dpx,
            _ => FileFormat::Exr,
        };
        let mut frames: Vec<(u64, Checksums)> = Vec::with_capacity(sequence.frames.len());
        let mut damaged_numbers = std::collections::BTreeSet::new();
        let mut reference: Option<FrameFacts> = None;
        let mut damaged = Vec::new();
        // Frames are copied a few at a time and compared in order; they are stored a batch at a
        // time (one flush for the batch, see `BlobStore::commit_all`).
        let to_copy: Vec<(u64, std::path::PathBuf)> =
            sequence.frames.iter().map(|frame| (frame.number, frame.path.clone())).collect();
        let mut copied = futures::stream::iter(to_copy)
            .map(|(number, path)| async move {
                let staged = self.stage(&path).await?;
                let facts = frame_facts(format, staged.path(), &staged.head, staged.checksums.size);
                Ok::<_, AppError>((number, staged, facts))
            })
            .buffered(FRAMES_AT_ONCE);
        let mut to_store = Vec::with_capacity(super::batch::BATCH_LIMIT);
        while let Some(copied_frame) = copied.next().await {
            let (number, staged, facts) = copied_frame?;
            let checksums = staged.checksums.clone();
            to_store.push(staged);
            if to_store.len() >= super::batch::BATCH_LIMIT {
                self.regie.store.store_all(std::mem::take(&mut to_store)).await?;
            }
            let name = sequence.frame_name(number);
            let problem = match facts {
                Ok(facts) => match &reference {
                    None => {
                        reference = Some(facts);
                        None
                    }
                    Some(first) if same_picture(first, &facts) => None,
                    Some(first) => Some(format!(
                        "frame {number} ({name}) is {}x{} {} where the sequence is {}x{} {}",
                        facts.width, facts.height, facts.pix_fmt, first.width, first.height, first.pix_fmt
                    )),
                },
                Err(reason) => Some(format!("frame {number} ({name}) is damaged: {reason}")),
            };
            if let Some(problem) = problem {
                damaged_numbers.insert(number);
                damaged.push(problem);
            }
            frames.push((number, checksums));
        }
        drop(copied);
        self.regie.store.store_all(to_store).await?;
        let Some(first) = reference else {
            return Err(AppError::Invalid(format!(
                "no frame of {} could be read as {}: {}",
                reported.display(),
                format.as_str().to_uppercase(),
                damaged.first().cloned().unwrap_or_default()
            )));
        };
        let frame_rate = first.frame_rate.unwrap_or(self.regie.settings.sequence_frame_rate);
        let manifest = Manifest {
            pattern: sequence.pattern(),
            first_frame: sequence.first(),
            last_frame: sequence.last(),
            frame_rate: frame_rate.to_string(),
            frames: frames
                .iter()
                .map(|(number, checksums)| ManifestFrame {
                    number: *number,
                    name: sequence.frame_name(*number),
                    size: checksums.size,
                    md5: checksums.md5.as_str(),
                    blake3: checksums.blake3.as_str(),
                    damaged: damaged_numbers.contains(number),
                })
                .collect(),
        };
        let staged_manifest = self.stage_manifest(&manifest).await?;
        let mut findings = Vec::new();
        let gaps = sequence.gaps();
        listed(
            &mut findings,
            "sequence-gap",
            Severity::Warning,
            gaps.iter().map(|(from, to)| {
                if from == to {
                    format!("frame {from} ({}) is missing from the sequence", sequence.frame_name(*from))
                } else {
                    format!(
                        "frames {from} to {to} ({} to {}, {} frames) are missing from the sequence",
                        sequence.frame_name(*from),
                        sequence.frame_name(*to),
                        to - from + 1
                    )
                }
            }),
        );
        listed(&mut findings, "damaged-frame", Severity::Error, damaged.into_iter());
        let media = describe(sequence, format, &first, frame_rate, &gaps);
        let manifest_checksums = staged_manifest.checksums.clone();
        self.keep_blob(staged_manifest).await?;
        let _recording = self.record_lock.lock().await;
        if let Some(outcome) =
            self.duplicate_of_existing(&reported, &manifest_checksums.blake3, manifest_checksums.size).await?
        {
            return Ok(outcome);
        }
        let asset_id = AssetId::new();
        let total_size = sequence.total_size();
        let width = sequence.digits;
        let house_id = self
            .regie
            .db
            .insert_asset(NewAsset {
                id: asset_id,
                name: sequence.pattern(),
                collection: self.collection.clone(),
                source_path: reported.display().to_string(),
                metadata: Default::default(),
                tags: self.tags.clone(),
                findings: findings.clone(),
                file: NewFile {
                    role: "original".to_owned(),
                    checksums: manifest_checksums,
                    format,
                    media: Some(media),
                },
                frames: frames
                    .into_iter()
                    .map(|(number, checksums)| NewFile {
                        role: format!("frame:{number:0width$}"),
                        checksums,
                        format,
                        media: None,
                    })
                    .collect(),
                verdicts: Vec::new(),
                jobs: if self.regie.settings.jobs.previews_at_ingest {
                    vec![crate::jobs::previews_job(&self.regie.settings, asset_id)]
                } else {
                    Vec::new()
                },
                house_id_template: &self.regie.settings.house_id_template,
                ingest_date: Local::now().format("%Y%m%d").to_string(),
                owner_id: self.owner_id.clone(),
                subtitles: Vec::new(),
                segments: Vec::new(),
            })
            .await?;
        Ok(FileOutcome::ingested(&reported, asset_id, house_id, total_size, findings))
    }

    /// Writes the manifest to a temporary file and stages it like any file.
    async fn stage_manifest(&self, manifest: &Manifest<'_>) -> Result<regie_storage::StagedBlob, AppError> {
        let bytes = serde_json::to_vec_pretty(manifest).map_err(|error| AppError::Internal(error.to_string()))?;
        let folder = self.regie.settings.data_dir.clone();
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<tempfile::NamedTempFile> {
            let mut file = tempfile::Builder::new().prefix("manifest-").tempfile_in(&folder)?;
            file.write_all(&bytes)?;
            file.as_file().sync_all()?;
            Ok(file)
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?
        .map_err(|error| AppError::Internal(format!("writing a sequence manifest: {error}")))?;
        self.stage(written.path()).await
    }
}

/// Pushes findings of one code, at most [`FINDINGS_LISTED`] and then a count of the rest.
fn listed(findings: &mut Vec<Finding>, code: &str, severity: Severity, messages: impl Iterator<Item = String>) {
    let messages: Vec<String> = messages.collect();
    for message in messages.iter().take(FINDINGS_LISTED) {
        findings.push(Finding::new(code, severity, message.clone()));
    }
    if messages.len() > FINDINGS_LISTED {
        findings.push(Finding::new(code, severity, format!("and {} more", messages.len() - FINDINGS_LISTED)));
    }
}

fn same_picture(first: &FrameFacts, other: &FrameFacts) -> bool {
    (first.width, first.height, &first.pix_fmt, first.bit_depth)
        == (other.width, other.height, &other.pix_fmt, other.bit_depth)
}

/// What a staged frame's header says, or why it cannot be read.
fn frame_facts(format: FileFormat, path: &Path, head: &[u8], size: u64) -> Result<FrameFacts, String> {
    if format == FileFormat::Dpx {
        let header = DpxHeader::parse(head).ok_or("not a DPX header")?;
        if u64::from(header.file_size) != size {
            return Err(format!("its header declares {} bytes, the file holds {size}", header.file_size));
        }
        if header.width == 0 || header.height == 0 || u64::from(header.data_offset) >= size {
            return Err("a header without a picture".to_owned());
        }
        let pix_fmt = header
            .pixel_format()
            .map_or_else(|| format!("dpx-{}-{}bit", header.descriptor, header.bits), str::to_owned);
        return Ok(FrameFacts {
            width: header.width,
            height: header.height,
            pix_fmt,
            bit_depth: Some(u32::from(header.bits)),
            frame_rate: header.frame_rate.and_then(|rate| Rational::parse_lenient(&rate.to_string())),
            timecode: header.timecode,
        });
    }
    let mut file = std::fs::File::open(path).map_err(|error| error.to_string())?;
    match probe_native(&mut file, size) {
        Native::Described(description) => {
            let picture = description.streams.first().ok_or("no picture")?;
            let timing = ExrTiming::read(&mut file, size);
            Ok(FrameFacts {
                width: picture.width.unwrap_or(0),
                height: picture.height.unwrap_or(0),
                pix_fmt: picture.pix_fmt.clone().unwrap_or_default(),
                bit_depth: picture.bit_depth,
                frame_rate: timing.frame_rate,
                timecode: timing.timecode,
            })
        }
        Native::NotMine => Err("not an EXR file".to_owned()),
        Native::Unsure(reason) => Err(reason),
    }
}

/// The description of the whole sequence, from its first readable frame.
fn describe(
    sequence: &ImageSequence,
    format: FileFormat,
    first: &FrameFacts,
    frame_rate: Rational,
    gaps: &[(u64, u64)],
) -> MediaDescription {
    let span = sequence.last() - sequence.first() + 1;
    let duration = (span as f64 * frame_rate.den as f64 / frame_rate.num as f64 * 1e6).round() / 1e6;
    let total_size = sequence.total_size();
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some(format.as_str().to_owned());
    stream.width = Some(first.width);
    stream.height = Some(first.height);
    stream.display_aspect_ratio = Rational::new(u64::from(first.width), u64::from(first.height));
    stream.frame_rate = Some(frame_rate);
    stream.field_order = Some("progressive".to_owned());
    stream.chroma = chroma_and_depth(&first.pix_fmt).0;
    stream.pix_fmt = Some(first.pix_fmt.clone());
    stream.bit_depth = first.bit_depth;
    stream.duration_s = Some(duration);
    MediaDescription {
        container: format.as_str().to_owned(),
        duration_s: Some(duration),
        bit_rate: (duration > 0.0).then(|| (total_size as f64 * 8.0 / duration) as u64),
        timecode: first.timecode.clone(),
        operational_pattern: None,
        streams: vec![stream],
        image: None,
        prober: Some(regie_media::NATIVE_PROBER.to_owned()),
        sequence: Some(Box::new(SequenceInfo {
            pattern: sequence.pattern(),
            first_frame: sequence.first(),
            last_frame: sequence.last(),
            frames: sequence.frames.len() as u64,
            gaps: gaps.iter().map(|(from, to)| [*from, *to]).collect(),
            total_size,
        })),
    }
}

/// The frames a pattern such as `/scans/reel1_%06d.dpx` names, as one sequence; `None` when
/// `path` is not a pattern. A pattern that names no file is an error.
pub(super) fn sequence_of_pattern(path: &Path) -> Option<Result<ImageSequence, String>> {
    let (folder, prefix, digits, extension) = regie_core::sequence::parse_pattern(path)?;
    let entries = match std::fs::read_dir(if folder.as_os_str().is_empty() { Path::new(".") } else { &folder }) {
        Ok(entries) => entries,
        Err(error) => return Some(Err(format!("cannot list {}: {error}", folder.display()))),
    };
    let files: Vec<(std::path::PathBuf, u64)> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| Some((entry.path(), entry.metadata().ok()?.len())))
        .collect();
    let (sequences, _) = regie_core::sequence::group_sequences(files, 1);
    Some(
        sequences
            .into_iter()
            .find(|sequence| sequence.prefix == prefix && sequence.digits == digits && sequence.extension == extension)
            .ok_or_else(|| format!("no file matches {}", path.display())),
    )
}
