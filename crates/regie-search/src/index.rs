//! The index on disk: opened (or rebuilt when unusable), written in batches, searched under a
//! visibility filter.

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use regie_core::access::Visibility;
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analysis::{self, terms};
use crate::query::{Clause, Match, ParsedQuery, parse};
use crate::schema::{Fields, SCHEMA_VERSION, build};
use crate::{SearchDocument, SearchError};

/// Memory for one indexing batch.
const WRITER_MEMORY: usize = 64 << 20;

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SearchIndex")
    }
}

/// One asset found.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub asset_id: String,
    pub house_id: String,
    pub collection: String,
    pub score: f32,
    /// The text field the snippet comes from (`title`, `synopsis`...), if any matched.
    pub field: Option<String>,
    /// The matching words in context, `<b>`-marked.
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Assets matching, among those the caller may read.
    pub total: u64,
    pub hits: Vec<Hit>,
}

impl SearchIndex {
    /// Opens the index in `folder`; an index that is missing, unreadable or of another schema is
    /// replaced by an empty one, and `true` says it must be filled again from the catalogue.
    pub fn open(folder: &Path) -> Result<(Self, bool), SearchError> {
        let files = folder.join("tantivy");
        let version_file = folder.join("schema-version");
        let usable =
            std::fs::read_to_string(&version_file).ok().is_some_and(|text| text.trim() == SCHEMA_VERSION.to_string());
        if usable
            && let Ok(index) = Index::open_in_dir(&files)
            && let Ok(opened) = Self::around(index)
        {
            return Ok((opened, false));
        }
        let folder_error = |source| SearchError::Folder { path: folder.display().to_string(), source };
        if folder.exists() {
            std::fs::remove_dir_all(folder).map_err(folder_error)?;
        }
        std::fs::create_dir_all(&files).map_err(folder_error)?;
        let (schema, _) = build();
        let index = Index::create_in_dir(&files, schema)?;
        std::fs::write(&version_file, SCHEMA_VERSION.to_string()).map_err(folder_error)?;
        Ok((Self::around(index)?, true))
    }

    fn around(index: Index) -> Result<Self, SearchError> {
        let (expected, fields) = build();
        if index.schema() != expected {
            return Err(tantivy::TantivyError::SchemaError("the index was made with another schema".into()).into());
        }
        analysis::register(&index);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { index, reader, fields })
    }

    /// Adds or replaces these documents and removes `removed` asset ids; one commit.
    pub fn write(&self, documents: &[SearchDocument], removed: &[String]) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        for asset_id in removed.iter().chain(documents.iter().map(|document| &document.asset_id)) {
            writer.delete_term(Term::from_field_text(self.fields.asset_id, asset_id));
        }
        for document in documents {
            writer.add_document(self.to_tantivy(document))?;
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Removes every document (before a rebuild).
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        writer.delete_all_documents()?;
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Documents in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A writer for one batch; another process holding the index waits its turn (up to 30 s).
    fn writer(&self) -> Result<IndexWriter, SearchError> {
        let mut waited = Duration::ZERO;
        loop {
            match self.index.writer_with_num_threads(1, WRITER_MEMORY) {
                Err(tantivy::TantivyError::LockFailure(..)) if waited < Duration::from_secs(30) => {
                    std::thread::sleep(Duration::from_millis(100));
                    waited += Duration::from_millis(100);
                }
                other => return Ok(other?),
            }
        }
    }

    fn to_tantivy(&self, document: &SearchDocument) -> TantivyDocument {
        let fields = &self.fields;
        let mut out = TantivyDocument::default();
        out.add_text(fields.asset_id, &document.asset_id);
        out.add_text(fields.house_id, &document.house_id);
        out.add_text(fields.name, &document.name);
        out.add_text(fields.collection, &document.collection);
        let mut ancestor = String::new();
        for segment in document.collection.split('/') {
            if !ancestor.is_empty() {
                ancestor.push('/');
            }
            ancestor.push_str(segment);
            out.add_text(fields.collection_tree, &ancestor);
        }
        if let Some(owner) = &document.owner_id {
            out.add_text(fields.owner, owner);
        }
        let language = document.language.as_deref().map(|language| language.trim().to_ascii_lowercase());
        if let Some(language) = &language {
            out.add_text(fields.language, language);
        }
        let (french, english) = match language.as_deref().map(|language| &language[..language.len().min(2)]) {
            Some("fr") => (true, false),
            Some("en") => (false, true),
            _ => (true, true),
        };
        let joined = |values: &[String]| (!values.is_empty()).then(|| values.join(" ; "));
        let texts = [
            ("title", document.title.clone()),
            ("series", document.series.clone()),
            ("episode", document.episode.clone()),
            ("synopsis", document.synopsis.clone()),
            ("keywords", joined(&document.keywords)),
            ("contributors", joined(&document.contributors)),
            ("rights", document.rights_holder.clone()),
        ];
        for (name, value) in texts {
            let (Some(pair), Some(value)) = (fields.text(name), value) else { continue };
            if french {
                out.add_text(pair.french, &value);
            }
            if english {
                out.add_text(pair.english, &value);
            }
        }
        for tag in &document.tags {
            out.add_text(fields.tag, tag.to_lowercase());
        }
        for (field, value) in [
            (fields.container, &document.container),
            (fields.resolution, &document.resolution),
            (fields.audio_layout, &document.audio_layout),
        ] {
            if let Some(value) = value {
                out.add_text(field, value.to_lowercase());
            }
        }
        for codec in &document.codecs {
            out.add_text(fields.codec, codec.to_lowercase());
        }
        for finding in &document.findings {
            out.add_text(fields.finding, finding);
        }
        if let Some(rate) = document.frame_rate {
            out.add_f64(fields.frame_rate, rate);
        }
        if let Some(duration) = document.duration_s {
            out.add_f64(fields.duration, duration);
        }
        if let Ok(time) = DateTime::parse_from_rfc3339(&document.ingested_at) {
            out.add_date(fields.ingested, tantivy::DateTime::from_timestamp_micros(time.timestamp_micros()));
        }
        out
    }

    /// Runs `text` under `visible`; at most `limit` hits, best first.
    pub fn search(&self, text: &str, visible: &Visibility, limit: usize) -> Result<SearchResults, SearchError> {
        let parsed = parse(text)?;
        let query = self.build(text, &parsed)?;
        let filtered: Box<dyn Query> = match self.visibility_filter(visible) {
            Some(filter) => Box::new(BooleanQuery::new(vec![(Occur::Must, query), (Occur::Must, filter)])),
            None => query,
        };
        let searcher = self.reader.searcher();
        let (top, total) = searcher.search(&filtered, &(TopDocs::with_limit(limit.max(1)).order_by_score(), Count))?;
        let mut snippets: Vec<(&'static str, SnippetGenerator)> = Vec::new();
        for pair in &self.fields.texts {
            for field in [pair.french, pair.english] {
                if let Ok(generator) = SnippetGenerator::create(&searcher, &*filtered, field) {
                    snippets.push((pair.name, generator));
                }
            }
        }
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            let stored = |field: Field| {
                document.get_first(field).and_then(|value| value.as_str()).unwrap_or_default().to_owned()
            };
            let (field, snippet) = snippets
                .iter()
                .map(|(name, generator)| (*name, generator.snippet_from_doc(&document)))
                .find(|(_, snippet)| !snippet.fragment().is_empty())
                .map(|(name, snippet)| (Some(name.to_owned()), Some(snippet.to_html())))
                .unwrap_or((None, None));
            hits.push(Hit {
                asset_id: stored(self.fields.asset_id),
                house_id: stored(self.fields.house_id),
                collection: stored(self.fields.collection),
                score,
                field,
                snippet,
            });
        }
        Ok(SearchResults { total: total as u64, hits })
    }

    fn visibility_filter(&self, visible: &Visibility) -> Option<Box<dyn Query>> {
        let Visibility::Limited { collections, owner_id } = visible else { return None };
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = collections
            .iter()
            .map(|collection| (Occur::Should, self.term(self.fields.collection_tree, collection)))
            .collect();
        if let Some(owner) = owner_id {
            alternatives.push((Occur::Should, self.term(self.fields.owner, owner)));
        }
        if alternatives.is_empty() {
            // Nothing is readable: a query that matches nothing.
            return Some(Box::new(BooleanQuery::new(vec![(Occur::MustNot, Box::new(AllQuery))])));
        }
        Some(Box::new(BooleanQuery::new(alternatives)))
    }

    fn term(&self, field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
    }

    fn build(&self, text: &str, parsed: &ParsedQuery) -> Result<Box<dyn Query>, SearchError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &parsed.required {
            let alternatives = group
                .iter()
                .map(|clause| Ok((Occur::Should, self.clause(text, clause)?)))
                .collect::<Result<Vec<_>, SearchError>>()?;
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        for clause in &parsed.excluded {
            clauses.push((Occur::MustNot, self.clause(text, clause)?));
        }
        if parsed.required.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// One clause as a tantivy query.
    fn clause(&self, text: &str, clause: &Clause) -> Result<Box<dyn Query>, SearchError> {
        let fields = &self.fields;
        let invalid = |reason: String| SearchError::Query { query: text.to_owned(), reason };
        let Some(name) = clause.field.as_deref() else {
            // Anywhere: every text field in both languages, and the file name.
            let mut targets: Vec<Field> = fields.texts.iter().flat_map(|pair| [pair.french, pair.english]).collect();
            targets.push(fields.name);
            return self.analysed(&targets, &clause.matching, text);
        };
        let exact = |field: Field, lowercase: bool| -> Result<Box<dyn Query>, SearchError> {
            let value = match &clause.matching {
                Match::Words(value) | Match::Phrase(value) => value.clone(),
                Match::Prefix(_) | Match::Range { .. } => {
                    return Err(invalid(format!("{name}: takes a plain value")));
                }
            };
            let value = if lowercase { value.to_lowercase() } else { value };
            Ok(self.term(field, &value))
        };
        match canonical(name) {
            Some("collection") => exact(fields.collection_tree, false),
            Some("tag") => exact(fields.tag, true),
            Some("codec") => exact(fields.codec, true),
            Some("container") => exact(fields.container, true),
            Some("resolution") => exact(fields.resolution, true),
            Some("language") => exact(fields.language, true),
            Some("audio") => exact(fields.audio_layout, true),
            Some("finding") => exact(fields.finding, false),
            Some("house_id") => exact(fields.house_id, false),
            Some("id") => exact(fields.asset_id, false),
            Some("name") => self.analysed(&[fields.name], &clause.matching, text),
            Some("duration") => self.numeric_range(fields.duration, name, &clause.matching, text),
            Some("fps") => self.numeric_range(fields.frame_rate, name, &clause.matching, text),
            Some("ingested") => self.date_range(fields.ingested, &clause.matching, text),
            Some(attribute) => match fields.text(attribute) {
                Some(pair) => self.analysed(&[pair.french, pair.english], &clause.matching, text),
                None => Err(invalid(format!("unknown field {name}"))),
            },
            None => Err(invalid(format!(
                "unknown field {name}: use title, series, episode, synopsis, keywords, contributors, rights, name, \
                 collection, tag, codec, container, resolution, language, audio, finding, duration, fps or ingested"
            ))),
        }
    }

    /// Words, phrases or a prefix analysed by each field's own analyser; any field may match.
    fn analysed(&self, targets: &[Field], matching: &Match, text: &str) -> Result<Box<dyn Query>, SearchError> {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &field in targets {
            let mut analyzer = self.index.tokenizer_for_field(field)?;
            let query: Option<Box<dyn Query>> = match matching {
                Match::Words(value) | Match::Phrase(value) => {
                    let words = terms(&mut analyzer, value);
                    match words.len() {
                        0 => None,
                        1 => Some(self.term_with_freqs(field, &words[0])),
                        _ => Some(Box::new(PhraseQuery::new(
                            words.iter().map(|word| Term::from_field_text(field, word)).collect(),
                        ))),
                    }
                }
                Match::Prefix(prefix) => {
                    // The prefix is folded but not stemmed: `journ*` finds `journal` and `journaux`.
                    let mut folding = self.index.tokenizers().get(analysis::FOLDED).expect("registered");
                    terms(&mut folding, prefix).pop().map(|word| {
                        Box::new(PhrasePrefixQuery::new(vec![Term::from_field_text(field, &word)])) as Box<dyn Query>
                    })
                }
                Match::Range { .. } => {
                    return Err(SearchError::Query {
                        query: text.to_owned(),
                        reason: "ranges need a field such as duration".into(),
                    });
                }
            };
            if let Some(query) = query {
                alternatives.push((Occur::Should, query));
            }
        }
        if alternatives.is_empty() {
            return Err(SearchError::Query {
                query: text.to_owned(),
                reason: "a clause has no searchable word".into(),
            });
        }
        Ok(Box::new(BooleanQuery::new(alternatives)))
    }

    fn term_with_freqs(&self, field: Field, word: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs))
    }

    fn numeric_range(
        &self,
        field: Field,
        name: &str,
        matching: &Match,
        text: &str,
    ) -> Result<Box<dyn Query>, SearchError> {
        let parse_number = |value: &str| {
            value.parse::<f64>().map_err(|_| SearchError::Query {
                query: text.to_owned(),
                reason: format!("{name} takes a number of seconds or a range such as >600 or 60..600"),
            })
        };
        let (lower, upper) = match matching {
            Match::Range { lower, upper } => (lower.clone(), upper.clone()),
            Match::Words(value) => {
                let number = parse_number(value)?.to_string();
                (Some((number.clone(), true)), Some((number, true)))
            }
            _ => {
                return Err(SearchError::Query {
                    query: text.to_owned(),
                    reason: format!("{name} takes a number or a range"),
                });
            }
        };
        let bound = |side: Option<(String, bool)>| -> Result<Bound<Term>, SearchError> {
            Ok(match side {
                None => Bound::Unbounded,
                Some((value, inclusive)) => {
                    let term = Term::from_field_f64(field, parse_number(&value)?);
                    if inclusive { Bound::Included(term) } else { Bound::Excluded(term) }
                }
            })
        };
        Ok(Box::new(RangeQuery::new(bound(lower)?, bound(upper)?)))
    }

    /// Dates as `2026`, `2026-03` or `2026-03-14`: a lower bound starts the period, an upper bound
    /// (inclusive) ends with it, so `2026-01..2026-06` is January to June.
    fn date_range(&self, field: Field, matching: &Match, text: &str) -> Result<Box<dyn Query>, SearchError> {
        let period = |value: &str| {
            period(value).ok_or_else(|| SearchError::Query {
                query: text.to_owned(),
                reason: format!("{value} is not a date: write 2026, 2026-03 or 2026-03-14"),
            })
        };
        let (lower, upper) = match matching {
            Match::Range { lower, upper } => (lower.clone(), upper.clone()),
            Match::Words(value) => (Some((value.clone(), true)), Some((value.clone(), true))),
            _ => {
                return Err(SearchError::Query {
                    query: text.to_owned(),
                    reason: "ingested takes a date or a range".into(),
                });
            }
        };
        let term = |time: DateTime<Utc>| {
            Term::from_field_date(field, tantivy::DateTime::from_timestamp_micros(time.timestamp_micros()))
        };
        let lower = match lower {
            None => Bound::Unbounded,
            Some((value, true)) => Bound::Included(term(period(&value)?.0)),
            Some((value, false)) => Bound::Included(term(period(&value)?.1)),
        };
        let upper = match upper {
            None => Bound::Unbounded,
            Some((value, true)) => Bound::Excluded(term(period(&value)?.1)),
            Some((value, false)) => Bound::Excluded(term(period(&value)?.0)),
        };
        Ok(Box::new(RangeQuery::new(lower, upper)))
    }
}

/// The field a query name stands for (aliases included).
fn canonical(name: &str) -> Option<&'static str> {
    Some(match name {
        "title" => "title",
        "series" => "series",
        "episode" => "episode",
        "synopsis" => "synopsis",
        "keyword" | "keywords" => "keywords",
        "contributor" | "contributors" | "credits" => "contributors",
        "rights" | "rights_holder" => "rights",
        "name" | "filename" => "name",
        "collection" => "collection",
        "tag" => "tag",
        "codec" => "codec",
        "container" | "format" => "container",
        "resolution" => "resolution",
        "language" | "lang" => "language",
        "audio" => "audio",
        "finding" => "finding",
        "house_id" | "houseid" => "house_id",
        "id" => "id",
        "duration" => "duration",
        "fps" | "frame_rate" => "fps",
        "ingested" => "ingested",
        _ => return None,
    })
}

/// The start and the end (exclusive) of `2026`, `2026-03` or `2026-03-14`, in UTC.
fn period(value: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let parts: Vec<u32> = value.split('-').map(|part| part.parse().ok()).collect::<Option<_>>()?;
    let start_of = |year: i32, month: u32, day: u32| {
        NaiveDate::from_ymd_opt(year, month, day).map(|date| date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
    };
    match parts.as_slice() {
        [year] => Some((start_of(*year as i32, 1, 1)?, start_of(*year as i32 + 1, 1, 1)?)),
        [year, month] => {
            let (next_year, next_month) = if *month == 12 { (*year + 1, 1) } else { (*year, month + 1) };
            Some((start_of(*year as i32, *month, 1)?, start_of(next_year as i32, next_month, 1)?))
        }
        [year, month, day] => {
            let start = start_of(*year as i32, *month, *day)?;
            Some((start, start + chrono::Duration::days(1)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;

/// The folder an index lives in, inside a data folder.
pub fn folder_in(data_dir: &Path) -> PathBuf {
    data_dir.join("search")
}
