//! `regie import-metadata`: catalogue records without media, from JSON Lines or CSV, created or
//! updated by house id. Records are checked one by one (a bad one is refused with its line and
//! reason, the others go in), written in batches of one transaction each, and streamed into
//! the search index as they are committed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::Instant;

use chrono::Local;
use regie_core::sidecar::{CataloguedFacts, DescriptiveMetadata};
use regie_core::{AssetId, CollectionPath};
use regie_db::{ImportBatch, ImportOutcome, ImportedRecord};
use serde::{Deserialize, Serialize};

use crate::catalogue::normalise_tags;
use crate::search::{IndexFeeder, document_of};
use crate::sidecar::regie_json::{ContributorEntry, string_or_number};
use crate::{AppError, Regie};

/// Records per transaction (and per batch handed to the indexer).
const BATCH: usize = 5_000;
/// Refusals listed in the report; beyond, only counted.
const LISTED_REFUSALS: usize = 100;
/// Where records without a collection go.
pub const DEFAULT_IMPORT_COLLECTION: &str = "imported";

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub file: String,
    pub records: u64,
    pub created: u64,
    pub updated: u64,
    pub refused: u64,
    /// The first refusals: line (or CSV row) and reason.
    pub refusals: Vec<Refusal>,
    pub indexed: u64,
    pub elapsed_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub line: u64,
    pub reason: String,
}

/// One record as written in the file (JSON Lines; CSV rows are mapped onto it).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    house_id: Option<String>,
    name: Option<String>,
    collection: Option<String>,
    title: Option<String>,
    series: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    episode: Option<String>,
    synopsis: Option<String>,
    language: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    contributors: Vec<ContributorEntry>,
    rights_holder: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    capture_date: Option<String>,
    air_date: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    technical: CataloguedFacts,
}

impl Regie {
    /// Imports `path` (`.jsonl`/`.ndjson` or `.csv`); `progress` hears the bytes read so far.
    pub async fn import_metadata(
        &self,
        path: &Path,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ImportReport, AppError> {
        let started = Instant::now();
        let file = crate::probe::open_regular(path)?;
        let extension = path.extension().and_then(|extension| extension.to_str()).unwrap_or_default();
        let mut reader: Box<dyn RecordReader + Send> = match extension.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Box::new(JsonLines::new(file)),
            "csv" => Box::new(CsvRows::new(file)?),
            _ => {
                return Err(AppError::InvalidImport(format!(
                    "{}: import-metadata reads .jsonl (one JSON record per line) or .csv files",
                    path.display()
                )));
            }
        };
        let index = self.search_index().await?;
        let mut feeder = IndexFeeder::start(&index, false).await?;
        let default_collection: CollectionPath = DEFAULT_IMPORT_COLLECTION.parse()?;
        let source = format!("import:{}", path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default());
        let mut report = ImportReport {
            file: path.display().to_string(),
            records: 0,
            created: 0,
            updated: 0,
            refused: 0,
            refusals: Vec::new(),
            indexed: 0,
            elapsed_s: 0.0,
        };
        loop {
            let mut records = Vec::with_capacity(BATCH);
            while records.len() < BATCH {
                let Some((line, raw)) = reader.next_record() else { break };
                report.records += 1;
                match raw.and_then(|raw| self.checked(raw)) {
                    Ok(record) => records.push(record),
                    Err(reason) => {
                        report.refused += 1;
                        if report.refusals.len() < LISTED_REFUSALS {
                            report.refusals.push(Refusal { line, reason });
                        }
                    }
                }
            }
            if records.is_empty() && reader.finished() {
                break;
            }
            let outcomes = self
                .db
                .import_records(ImportBatch {
                    records,
                    default_collection: &default_collection,
                    source: source.clone(),
                    house_id_template: &self.settings.house_id_template,
                    ingest_date: Local::now().format("%Y%m%d").to_string(),
                })
                .await?;
            let mut created: Vec<AssetId> = Vec::new();
            let mut updated: Vec<AssetId> = Vec::new();
            for outcome in outcomes {
                match outcome {
                    ImportOutcome::Created(id) => created.push(id),
                    ImportOutcome::Updated(id) => updated.push(id),
                }
            }
            created.sort();
            created.dedup();
            updated.sort();
            updated.dedup();
            report.created += created.len() as u64;
            report.updated += updated.len() as u64;
            for (ids, replace) in [(created, false), (updated, true)] {
                if ids.is_empty() {
                    continue;
                }
                let sources = self.db.index_sources_of(&ids).await?;
                let documents: Vec<_> =
                    sources.iter().map(|source| document_of(source, self.settings.timeline.sound_frame_rate)).collect();
                self.queue_embeddings(&sources).await;
                if let Err(error) = feeder.feed(documents, replace).await {
                    self.index_failed(&error).await;
                    return Err(error);
                }
            }
            progress(reader.bytes_read());
        }
        report.indexed = match feeder.finish().await {
            Ok(indexed) => indexed,
            Err(error) => {
                self.index_failed(&error).await;
                return Err(error);
            }
        };
        report.elapsed_s = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// A file's record checked and turned into the catalogue's form.
    fn checked(&self, raw: RawRecord) -> Result<ImportedRecord, String> {
        let text = |value: Option<String>| value.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        let house_id = text(raw.house_id);
        if let Some(house_id) = &house_id
            && (house_id.len() > 200 || house_id.chars().any(char::is_control))
        {
            return Err(format!("house_id {house_id:?} must be at most 200 printable characters"));
        }
        let collection = text(raw.collection)
            .map(|collection| collection.parse::<CollectionPath>().map_err(|error| error.to_string()))
            .transpose()?;
        for (name, date) in [("capture_date", &raw.capture_date), ("air_date", &raw.air_date)] {
            if let Some(date) = date
                && regie_search::period(date).is_none()
            {
                return Err(format!("{name} {date:?} is not a date: write 2026-03-14, 2026-03 or 2026"));
            }
        }
        if let Some(rate) = raw.technical.frame_rate
            && !(rate.is_finite() && rate > 0.0)
        {
            return Err(format!("technical.frame_rate {rate} must be a positive number"));
        }
        if let Some(duration) = raw.technical.duration_s
            && !(duration.is_finite() && duration >= 0.0)
        {
            return Err(format!("technical.duration_s {duration} must be a number of seconds"));
        }
        let tags = normalise_tags(&raw.tags).map_err(|error| error.to_string())?;
        let keywords: Vec<String> = raw.keywords.into_iter().filter(|keyword| !keyword.trim().is_empty()).collect();
        Ok(ImportedRecord {
            house_id,
            name: text(raw.name),
            collection,
            metadata: DescriptiveMetadata {
                title: text(raw.title),
                series: text(raw.series),
                episode: text(raw.episode),
                synopsis: text(raw.synopsis),
                language: text(raw.language),
                keywords: self.settings.search.normalise_keywords(&keywords),
                contributors: raw.contributors.into_iter().map(ContributorEntry::into_contributor).collect(),
                rights_holder: text(raw.rights_holder),
                capture_date: text(raw.capture_date),
                air_date: text(raw.air_date),
                fields: raw.fields,
                catalogued: raw.technical,
            },
            tags,
        })
    }
}

/// The records of a file, one at a time, with the line (or row) each starts on.
trait RecordReader {
    fn next_record(&mut self) -> Option<(u64, Result<RawRecord, String>)>;
    fn finished(&self) -> bool;
    fn bytes_read(&self) -> u64;
}

struct JsonLines {
    lines: BufReader<CountingReader<File>>,
    line: u64,
    done: bool,
    buffer: String,
}

impl JsonLines {
    fn new(file: File) -> Self {
        Self {
            lines: BufReader::with_capacity(1 << 20, CountingReader::new(file)),
            line: 0,
            done: false,
            buffer: String::new(),
        }
    }
}

impl RecordReader for JsonLines {
    fn next_record(&mut self) -> Option<(u64, Result<RawRecord, String>)> {
        loop {
            self.buffer.clear();
            match self.lines.read_line(&mut self.buffer) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => {
                    self.line += 1;
                    let text = self.buffer.trim();
                    if text.is_empty() {
                        continue;
                    }
                    let parsed = serde_json::from_str::<RawRecord>(text)
                        .map_err(|error| format!("invalid JSON record: {error}"));
                    return Some((self.line, parsed));
                }
                Err(error) => {
                    self.line += 1;
                    if error.kind() == std::io::ErrorKind::InvalidData {
                        // Not UTF-8: skip the rest of the line and say so.
                        let mut skipped = Vec::new();
                        let _ = self.lines.read_until(b'\n', &mut skipped);
                        return Some((self.line, Err("the line is not UTF-8 text".into())));
                    }
                    self.done = true;
                    return Some((self.line, Err(format!("cannot read the file: {error}"))));
                }
            }
        }
    }

    fn finished(&self) -> bool {
        self.done
    }

    fn bytes_read(&self) -> u64 {
        self.lines.get_ref().count
    }
}

struct CsvRows {
    rows: csv::StringRecordsIntoIter<CountingReader<File>>,
    headers: Vec<String>,
    done: bool,
    position: u64,
}

impl CsvRows {
    fn new(file: File) -> Result<Self, AppError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(CountingReader::new(file));
        let headers = reader
            .headers()
            .map_err(|error| AppError::InvalidImport(format!("cannot read the CSV header: {error}")))?
            .iter()
            .map(|header| header.trim().to_ascii_lowercase())
            .collect();
        Ok(Self { rows: reader.into_records(), headers, done: false, position: 0 })
    }

    fn record(&self, row: &csv::StringRecord) -> Result<RawRecord, String> {
        let list = |value: &str| -> Vec<String> {
            value.split([';', '|']).map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
        };
        let number = |name: &str, value: &str| -> Result<f64, String> {
            value.parse::<f64>().map_err(|_| format!("{name} {value:?} is not a number"))
        };
        let mut record = RawRecord::default();
        for (header, value) in self.headers.iter().zip(row.iter()) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let owned = Some(value.to_owned());
            match header.as_str() {
                "house_id" => record.house_id = owned,
                "name" => record.name = owned,
                "collection" => record.collection = owned,
                "title" => record.title = owned,
                "series" => record.series = owned,
                "episode" => record.episode = owned,
                "synopsis" | "description" => record.synopsis = owned,
                "language" => record.language = owned,
                "keywords" => record.keywords = list(value),
                "contributors" => record.contributors = list(value).into_iter().map(ContributorEntry::Name).collect(),
                "rights_holder" => record.rights_holder = owned,
                "tags" => record.tags = list(value),
                "capture_date" => record.capture_date = owned,
                "air_date" => record.air_date = owned,
                "container" => record.technical.container = owned,
                "codecs" | "codec" => record.technical.codecs = list(value),
                "width" => record.technical.width = Some(number(header, value)? as u32),
                "height" => record.technical.height = Some(number(header, value)? as u32),
                "frame_rate" | "fps" => record.technical.frame_rate = Some(number(header, value)?),
                "duration_s" | "duration" => record.technical.duration_s = Some(number(header, value)?),
                "audio_layout" => record.technical.audio_layout = owned,
                // Any other column is one of the house's own fields.
                other => {
                    record.fields.insert(other.strip_prefix("fields.").unwrap_or(other).to_owned(), value.to_owned());
                }
            }
        }
        Ok(record)
    }
}

impl RecordReader for CsvRows {
    fn next_record(&mut self) -> Option<(u64, Result<RawRecord, String>)> {
        match self.rows.next() {
            None => {
                self.done = true;
                None
            }
            Some(Ok(row)) => {
                self.position = row.position().map_or(self.position + 1, |position| position.line());
                Some((self.position, self.record(&row)))
            }
            Some(Err(error)) => {
                self.position += 1;
                let line = error.position().map_or(self.position, |position| position.line());
                Some((line, Err(format!("invalid CSV row: {error}"))))
            }
        }
    }

    fn finished(&self) -> bool {
        self.done
    }

    fn bytes_read(&self) -> u64 {
        self.rows.reader().get_ref().count
    }
}

/// Counts the bytes read, for the progress bar.
struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R> CountingReader<R> {
    fn new(inner: R) -> Self {
        Self { inner, count: 0 }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.count += read as u64;
        Ok(read)
    }
}
