//! The index on disk: opened (or rebuilt when unusable or filled under other rules), written in
//! batches or in bulk, searched under a visibility filter (`results`).

mod documents;
mod queries;
mod results;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

pub use results::{DEFAULT_FACETS, FacetCount, Hit, Matched, SearchRequest, SearchResults, SortOrder};

use crate::analysis;
use crate::rules::IndexRules;
use crate::schema::{Fields, SCHEMA_VERSION, build};
use crate::{SearchDocument, SearchError};

/// Names the schema version an index was made with; without it the index is rebuilt.
const VERSION_FILE: &str = "schema-version";

/// Memory for one indexing batch.
const WRITER_MEMORY: usize = 64 << 20;
/// Memory per thread when filling a whole index.
const BULK_MEMORY_PER_THREAD: usize = 192 << 20;

pub struct SearchIndex {
    /// `DATA/search`: the tantivy files and what they were made with.
    folder: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    rules: IndexRules,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SearchIndex")
    }
}

impl SearchIndex {
    /// Opens the index in `folder`; an index that is missing, unreadable, of another schema or
    /// filled under other rules is replaced by an empty one, and `true` says it must be filled
    /// again from the catalogue.
    pub fn open(folder: &Path, rules: IndexRules) -> Result<(Self, bool), SearchError> {
        let files = folder.join("tantivy");
        let version_file = folder.join(VERSION_FILE);
        let rules_file = folder.join("rules.json");
        let usable =
            std::fs::read_to_string(&version_file).ok().is_some_and(|text| text.trim() == SCHEMA_VERSION.to_string())
                && std::fs::read_to_string(&rules_file).ok().is_some_and(|text| text == rules.fingerprint());
        if usable
            && let Ok(index) = Index::open_in_dir(&files)
            && let Ok(opened) = Self::around(folder, index, rules.clone())
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
        std::fs::write(&rules_file, rules.fingerprint()).map_err(folder_error)?;
        std::fs::write(&version_file, SCHEMA_VERSION.to_string()).map_err(folder_error)?;
        Ok((Self::around(folder, index, rules)?, true))
    }

    fn around(folder: &Path, index: Index, rules: IndexRules) -> Result<Self, SearchError> {
        let (expected, fields) = build();
        if index.schema() != expected {
            return Err(tantivy::TantivyError::SchemaError("the index was made with another schema".into()).into());
        }
        analysis::register(&index);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { folder: folder.to_owned(), index, reader, fields, rules })
    }

    /// Says the index no longer matches the catalogue (a write failed after the catalogue
    /// changed): the next `open` rebuilds it.
    pub fn mark_stale(&self) {
        mark_stale(&self.folder);
    }

    /// Adds or replaces these documents and removes `removed` asset ids; one commit.
    pub fn write(&self, documents: &[SearchDocument], removed: &[String]) -> Result<(), SearchError> {
        let mut writer = self.writer(1, WRITER_MEMORY)?;
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

    /// A writer for many documents at once (an import, a rebuild), committed at the end.
    pub fn bulk(self: &Arc<Self>, threads: usize) -> Result<BulkWriter, SearchError> {
        let threads = threads.clamp(1, 8);
        let writer = self.writer(threads, BULK_MEMORY_PER_THREAD * threads)?;
        Ok(BulkWriter { index: Arc::clone(self), writer })
    }

    /// Documents in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A writer; another process holding the index waits its turn (up to 30 s).
    fn writer(&self, threads: usize, memory: usize) -> Result<IndexWriter, SearchError> {
        let mut waited = Duration::ZERO;
        loop {
            match self.index.writer_with_num_threads(threads, memory) {
                Err(tantivy::TantivyError::LockFailure(..)) if waited < Duration::from_secs(30) => {
                    std::thread::sleep(Duration::from_millis(100));
                    waited += Duration::from_millis(100);
                }
                other => return Ok(other?),
            }
        }
    }
}

/// Documents streamed into the index by the writer's own threads; nothing is searchable
/// before `commit`.
pub struct BulkWriter {
    index: Arc<SearchIndex>,
    writer: IndexWriter,
}

impl BulkWriter {
    /// Queues documents; with `replace`, any earlier version of each is removed first.
    pub fn add(&mut self, documents: &[SearchDocument], replace: bool) -> Result<(), SearchError> {
        for document in documents {
            if replace {
                self.writer.delete_term(Term::from_field_text(self.index.fields.asset_id, &document.asset_id));
            }
            self.writer.add_document(self.index.to_tantivy(document))?;
        }
        Ok(())
    }

    /// Drops every document the index held, in the same commit as what is added next.
    pub fn delete_all(&mut self) -> Result<(), SearchError> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Makes everything added searchable.
    pub fn commit(mut self) -> Result<(), SearchError> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        self.index.reader.reload()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;

/// Marks the index in `folder` for a rebuild at its next opening (it may be open elsewhere).
pub fn mark_stale(folder: &Path) {
    let _ = std::fs::remove_file(folder.join(VERSION_FILE));
}

/// The folder an index lives in, inside a data folder.
pub fn folder_in(data_dir: &Path) -> PathBuf {
    data_dir.join("search")
}
