//! regie's search index: an embedded tantivy index in the data folder, rebuilt from the
//! catalogue whenever it is missing, corrupt or of an older schema (the database is the source
//! of truth). Text is analysed per language (French, English: accents folded, words stemmed),
//! queries are parsed by `query` and always run under the caller's visibility filter, so hits
//! never include an asset the caller may not read.

mod analysis;
mod document;
mod error;
mod index;
mod period;
pub mod query;
mod rules;
mod schema;

pub use document::{Cue, SearchDocument};
pub use error::SearchError;
pub use index::{
    BulkWriter, DEFAULT_FACETS, FacetCount, Hit, Matched, SearchIndex, SearchRequest, SearchResults, SortOrder,
    folder_in, mark_stale,
};
pub use period::period;
pub use rules::{FieldRule, IndexRules, ThesaurusEntry};
