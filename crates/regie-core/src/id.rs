//! Stable asset identifiers: UUIDv7, so they sort by creation time and never collide across hosts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::CoreError;

/// The permanent identity of an asset; never reused, never changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetId(Uuid);

impl AssetId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for AssetId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for AssetId {
    type Err = CoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(text).map(Self).map_err(|error| CoreError::invalid("asset id", text, error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_ids_round_trip_and_sort_by_creation() {
        let first = AssetId::new();
        let second = AssetId::new();
        assert!(first < second);
        assert_eq!(first.to_string().parse::<AssetId>().unwrap(), first);
    }

    #[test]
    fn asset_id_rejects_garbage() {
        assert_eq!("nope".parse::<AssetId>().unwrap_err().code(), "invalid-value");
    }
}
