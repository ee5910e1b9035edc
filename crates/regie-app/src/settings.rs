//! The typed settings the use cases run with; the binary builds them from its layered config.

use std::path::PathBuf;
use std::time::Duration;

use regie_core::CollectionPath;
use regie_core::house_id::HouseIdTemplate;
use regie_core::naming::NamingRule;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Holds `catalogue.sqlite` and the `store/` folder.
    pub data_dir: PathBuf,
    /// Compute SHA-256 besides MD5 and BLAKE3.
    pub sha256: bool,
    pub house_id_template: HouseIdTemplate,
    pub naming_rule: NamingRule,
    /// Files ingested at once.
    pub ingest_concurrency: usize,
    pub probe_timeout: Duration,
    /// Policies every asset ingested into a collection (or below it) is checked against.
    pub collection_policies: Vec<(CollectionPath, Vec<String>)>,
}

impl Settings {
    /// The policy names that apply to `collection`: its own and its ancestors', without repeats.
    pub fn policies_for(&self, collection: &CollectionPath) -> Vec<String> {
        let lineage = collection.lineage();
        let mut names: Vec<String> = Vec::new();
        for (scope, policies) in &self.collection_policies {
            if lineage.contains(scope) {
                for name in policies {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
        }
        names
    }
}
