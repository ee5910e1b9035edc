//! Search errors.

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("cannot use the search index folder {path}: {source}")]
    Folder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid query {query:?}: {reason}")]
    Query { query: String, reason: String },
}

impl SearchError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Index(_) => "search-index-failed",
            Self::Folder { .. } => "search-index-unusable",
            Self::Query { .. } => "invalid-query",
        }
    }

    pub fn kind(&self) -> regie_core::ErrorKind {
        match self {
            Self::Index(_) | Self::Folder { .. } => regie_core::ErrorKind::Internal,
            Self::Query { .. } => regie_core::ErrorKind::Invalid,
        }
    }
}
