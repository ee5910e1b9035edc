//! Collection paths: the tree a catalogue is filed in, written `news/2026/evening`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// A validated, slash-separated collection path; each segment is a non-empty name
/// without control characters, and `.` / `..` are refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CollectionPath(String);

/// Where assets go when no collection is named.
pub const DEFAULT_COLLECTION: &str = "default";

impl CollectionPath {
    pub fn default_collection() -> Self {
        Self(DEFAULT_COLLECTION.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments from the root down.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// The path of every ancestor and of this collection, root first.
    pub fn lineage(&self) -> Vec<CollectionPath> {
        let mut lineage = Vec::new();
        let mut current = String::new();
        for segment in self.segments() {
            if !current.is_empty() {
                current.push('/');
            }
            current.push_str(segment);
            lineage.push(Self(current.clone()));
        }
        lineage
    }

    /// The last segment, used as the display name and in house ids.
    pub fn leaf(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    pub fn parent(&self) -> Option<CollectionPath> {
        self.0.rsplit_once('/').map(|(parent, _)| Self(parent.to_owned()))
    }
}

impl FromStr for CollectionPath {
    type Err = CoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim().trim_matches('/');
        if trimmed.is_empty() {
            return Err(CoreError::invalid("collection", text, "the name is empty"));
        }
        for segment in trimmed.split('/') {
            let bad_segment =
                segment.trim().is_empty() || segment == "." || segment == ".." || segment.chars().any(char::is_control);
            if bad_segment || segment.len() > 128 {
                return Err(CoreError::invalid(
                    "collection",
                    text,
                    format!("segment {segment:?} must be a plain name of 1 to 128 characters"),
                ));
            }
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl TryFrom<String> for CollectionPath {
    type Error = CoreError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<CollectionPath> for String {
    fn from(path: CollectionPath) -> String {
        path.0
    }
}

impl fmt::Display for CollectionPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineage_lists_every_ancestor_root_first() {
        let path: CollectionPath = "/news/2026/evening/".parse().unwrap();
        let lineage: Vec<String> = path.lineage().into_iter().map(String::from).collect();
        assert_eq!(lineage, ["news", "news/2026", "news/2026/evening"]);
        assert_eq!(path.leaf(), "evening");
        assert_eq!(path.parent().unwrap().as_str(), "news/2026");
    }

    #[test]
    fn traversal_and_empty_segments_are_refused() {
        for bad in ["", "/", "a//b", "a/../b", "a/./b", "a/\u{7}"] {
            assert!(bad.parse::<CollectionPath>().is_err(), "{bad:?} was accepted");
        }
    }
}
