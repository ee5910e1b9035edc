//! Keeping media safe for years: storage locations besides the primary store, copies made by
//! jobs and recorded per blob, fixity checks that read every copy again, quarantine bad ones and
//! repair them from good ones. Every copy, check and repair is a PREMIS-style audit event.

mod copies;
mod fixity;
mod footprint;
mod lifecycle;
mod locations;

use std::collections::HashMap;

use regie_storage::BlobStore;

pub use copies::{AssetBelowCount, CopyMadeRecord, ReplicationReport, ShortBlob, StorageStatus, TierTotals};
pub(crate) use copies::{REPLICATE, replicate_job};
pub(crate) use fixity::FIXITY;
pub use fixity::{CheckedCopy, FixityReport, FixityRequest};
pub use footprint::{Footprint, FootprintFactors};
pub use lifecycle::{
    ExpiredRestore, HeldBack, PurgeReport, PurgedAsset, PurgedBlob, RestoreReport, RuleTrash, TierMove,
};
pub use locations::{LocationInfo, LocationSettings};

use crate::{AppError, Regie};

/// The agent of a preservation event: this program and who ran it.
pub(crate) fn agent(actor: &str) -> String {
    format!("regie {} ({actor})", env!("CARGO_PKG_VERSION"))
}

/// Locations opened once per run.
#[derive(Default)]
pub(crate) struct StoreCache {
    stores: HashMap<String, BlobStore>,
}

impl StoreCache {
    pub async fn open(&mut self, regie: &Regie, name: &str) -> Result<BlobStore, AppError> {
        if let Some(store) = self.stores.get(name) {
            return Ok(store.clone());
        }
        let store = regie.open_location(name).await?;
        self.stores.insert(name.to_owned(), store.clone());
        Ok(store)
    }
}
