//! Copies: how many each blob needs (`[[copies]]` of its asset's collection), the jobs that make
//! the missing ones (each read from a good copy, written, read back, then recorded), and the
//! status of the whole store.

use std::collections::{BTreeMap, HashMap};

use regie_core::keeping::{CopiesRule, PRIMARY, Place, PreservationEvent, Tier, placement};
use regie_core::{AssetId, Blake3Hex, CollectionPath};
use regie_db::{AssetBlob, CopyRow, NewAuditEntry, NewJob};
use serde::Serialize;

use crate::{AppError, Regie};

/// The job kind that makes an asset's missing copies.
pub(crate) const REPLICATE: &str = "replicate";

/// One copy made (or found already made) by a replication.
#[derive(Debug, Clone, Serialize)]
pub struct CopyMadeRecord {
    pub blake3: String,
    pub role: String,
    pub from: String,
    pub to: String,
    pub size: u64,
    /// `made`, `already-there` or `failed`.
    pub outcome: String,
    pub error: Option<String>,
}

/// What `replicate_asset` did.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicationReport {
    pub asset_id: String,
    pub house_id: String,
    pub copies_required: u32,
    pub copies: Vec<CopyMadeRecord>,
    /// Blobs still short of their copies afterwards (too few locations, or no good source).
    pub still_short: usize,
}

/// A blob short of its copies.
#[derive(Debug, Clone, Serialize)]
pub struct ShortBlob {
    pub blake3: String,
    pub role: String,
    pub size: u64,
    pub good_copies: u32,
    /// Locations the rule names that hold no good copy of it.
    pub missing_locations: Vec<String>,
}

/// An asset with at least one blob below its copy count.
#[derive(Debug, Clone, Serialize)]
pub struct AssetBelowCount {
    pub asset_id: String,
    pub house_id: String,
    pub collection: String,
    pub copies_required: u32,
    pub locations_required: Vec<String>,
    pub blobs: Vec<ShortBlob>,
}

/// Bytes and copies on one tier.
#[derive(Debug, Clone, Serialize)]
pub struct TierTotals {
    pub tier: Tier,
    pub copies: u64,
    pub bytes: u64,
}

/// `regie storage status`.
#[derive(Debug, Clone, Serialize)]
pub struct StorageStatus {
    pub locations: Vec<super::LocationInfo>,
    pub tiers: Vec<TierTotals>,
    pub assets: u64,
    pub assets_below_copy_count: u64,
    pub below_copy_count: Vec<AssetBelowCount>,
}

impl Regie {
    /// The rule for assets in `collection`: its own `[[copies]]` or its nearest ancestor's; one
    /// copy in the primary store otherwise.
    pub(crate) fn copies_rule(&self, collection: &CollectionPath) -> CopiesRule {
        CopiesRule::for_collection(&self.settings.keeping.copies, collection).cloned().unwrap_or(CopiesRule {
            collection: collection.clone(),
            copies: 1,
            locations: Vec::new(),
        })
    }

    /// Whether assets in `collection` need more than the primary copy (ingest then queues the
    /// job that makes them).
    pub(crate) fn needs_copies(&self, collection: &CollectionPath) -> bool {
        let rule = self.copies_rule(collection);
        rule.copies > 1 || rule.locations.iter().any(|name| name != PRIMARY)
    }

    /// Makes the copies an asset's blobs lack, each read from a good copy and read back where it
    /// was written before it is recorded; every copy is an audit event (PREMIS `replication`).
    pub async fn replicate_asset(&self, asset_id: &str, actor: &str) -> Result<ReplicationReport, AppError> {
        let _gc_waits = self.shared_lock().await?;
        let blobs = self.db.asset_blobs(Some(asset_id)).await?;
        let first = blobs.first().ok_or_else(|| regie_db::DbError::AssetNotFound(asset_id.to_owned()))?;
        let rule = self.copies_rule(&first.collection.parse()?);
        let places = self.places().await?;
        let tiers: HashMap<String, Tier> = places.iter().map(|place| (place.name.clone(), place.tier)).collect();
        let mut report = ReplicationReport {
            asset_id: first.asset_id.clone(),
            house_id: first.house_id.clone(),
            copies_required: rule.copies,
            copies: Vec::new(),
            still_short: 0,
        };
        let mut stores = super::StoreCache::default();
        let mut events = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for blob in blobs.iter().filter(|blob| seen.insert(blob.blake3.clone())) {
            let copies = self.db.copies_of(&blob.blake3).await?;
            let holding: Vec<String> = copies.iter().map(|copy| copy.location.clone()).collect();
            let allowed = places_for(blob, &places);
            let targets = placement(&rule_for(&rule, blob, &allowed), &holding, &allowed);
            let mut good = good_sources(&copies, &tiers);
            if copies.len() + targets.len() < rule.copies as usize {
                report.still_short += 1;
            }
            for target in targets {
                let record = self.copy_one(blob, &good, &target, &mut stores).await;
                events.push(replication_event(actor, blob, &record));
                if record.outcome == "failed" {
                    report.still_short += 1;
                } else {
                    good.push(target.clone());
                }
                report.copies.push(record);
            }
        }
        self.audit_batch(events).await?;
        Ok(report)
    }

    /// Copies one blob to `target` from the first good copy that reads back whole.
    async fn copy_one(
        &self,
        blob: &AssetBlob,
        sources: &[String],
        target: &str,
        stores: &mut super::StoreCache,
    ) -> CopyMadeRecord {
        let mut record = CopyMadeRecord {
            blake3: blob.blake3.clone(),
            role: blob.role.clone(),
            from: String::new(),
            to: target.to_owned(),
            size: blob.size,
            outcome: "failed".to_owned(),
            error: None,
        };
        let address = match Blake3Hex::parse(&blob.blake3) {
            Ok(address) => address,
            Err(error) => {
                record.error = Some(error.to_string());
                return record;
            }
        };
        if sources.is_empty() {
            record.error = Some("no good copy to copy from: run `regie fixity run` and repair first".to_owned());
            return record;
        }
        for source in sources {
            record.from = source.clone();
            let copied = async {
                let from = stores.open(self, source).await?;
                let to = stores.open(self, target).await?;
                let made = to.copy_from(&from, &address).await?;
                self.db.record_copy(&blob.blake3, target, made.size).await?;
                Ok::<_, AppError>(made)
            }
            .await;
            match copied {
                Ok(made) => {
                    record.outcome = if made.already_there { "already-there" } else { "made" }.to_owned();
                    record.error = None;
                    return record;
                }
                Err(error) => record.error = Some(error.to_string()),
            }
        }
        record
    }

    /// Queues the replication of every asset below its copy count (or of one asset).
    pub async fn queue_replication(&self, asset_id: Option<&str>) -> Result<Vec<String>, AppError> {
        let status = self.storage_status_of(asset_id).await?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M");
        let mut queued = Vec::new();
        for asset in &status.below_copy_count {
            let id: AssetId = asset.asset_id.parse().map_err(|_| AppError::Internal("asset id".to_owned()))?;
            let key = format!("{REPLICATE}:{}:{stamp}", asset.asset_id);
            let enqueued = self.db.enqueue_job(&replicate_job(&self.settings, id, key)).await?;
            queued.push(enqueued.job_id);
        }
        Ok(queued)
    }

    pub async fn storage_status(&self) -> Result<StorageStatus, AppError> {
        self.storage_status_of(None).await
    }

    async fn storage_status_of(&self, asset_id: Option<&str>) -> Result<StorageStatus, AppError> {
        let locations = self.list_locations().await?;
        let tiers_of: HashMap<&str, Tier> = locations.iter().map(|info| (info.name.as_str(), info.tier)).collect();
        let mut tiers: BTreeMap<Tier, (u64, u64)> = BTreeMap::new();
        for info in &locations {
            let entry = tiers.entry(info.tier).or_default();
            entry.0 += info.copies;
            entry.1 += info.bytes;
        }
        let blobs = self.db.asset_blobs(asset_id).await?;
        let mut copies: HashMap<String, Vec<CopyRow>> = HashMap::new();
        for copy in self.db.all_copies().await? {
            copies.entry(copy.blake3.clone()).or_default().push(copy);
        }
        let mut below: Vec<AssetBelowCount> = Vec::new();
        let mut assets = 0u64;
        let mut current: Option<AssetBelowCount> = None;
        for blob in &blobs {
            if current.as_ref().is_none_or(|asset| asset.asset_id != blob.asset_id) {
                below.extend(current.take().filter(|asset| !asset.blobs.is_empty()));
                assets += 1;
                let rule = self.copies_rule(&blob.collection.parse()?);
                current = Some(AssetBelowCount {
                    asset_id: blob.asset_id.clone(),
                    house_id: blob.house_id.clone(),
                    collection: blob.collection.clone(),
                    copies_required: rule.copies,
                    locations_required: rule.locations.clone(),
                    blobs: Vec::new(),
                });
            }
            let asset = current.as_mut().expect("set above");
            let floor = blob_floor(blob);
            let good: Vec<&str> = copies
                .get(&blob.blake3)
                .into_iter()
                .flatten()
                .filter(|copy| copy.state == "ok" && copy.expires_at.is_none())
                .filter(|copy| {
                    tiers_of.get(copy.location.as_str()).is_some_and(|tier| floor.is_none_or(|floor| *tier >= floor))
                })
                .map(|copy| copy.location.as_str())
                .collect();
            let missing_locations: Vec<String> = asset
                .locations_required
                .iter()
                .filter(|name| tiers_of.get(name.as_str()).is_some_and(|tier| floor.is_none_or(|floor| *tier >= floor)))
                .filter(|name| !good.contains(&name.as_str()))
                .cloned()
                .collect();
            let short = (good.len() as u32) < asset.copies_required || !missing_locations.is_empty();
            if short && !asset.blobs.iter().any(|known| known.blake3 == blob.blake3) {
                asset.blobs.push(ShortBlob {
                    blake3: blob.blake3.clone(),
                    role: blob.role.clone(),
                    size: blob.size,
                    good_copies: good.len() as u32,
                    missing_locations,
                });
            }
        }
        below.extend(current.take().filter(|asset| !asset.blobs.is_empty()));
        Ok(StorageStatus {
            locations,
            tiers: tiers.into_iter().map(|(tier, (copies, bytes))| TierTotals { tier, copies, bytes }).collect(),
            assets,
            assets_below_copy_count: below.len() as u64,
            below_copy_count: below,
        })
    }
}

/// The tier below which no copy of this blob is kept: its asset's original moved to a colder tier.
fn blob_floor(blob: &AssetBlob) -> Option<Tier> {
    (blob.role == "original").then_some(blob.original_tier.as_deref()).flatten().and_then(|tier| tier.parse().ok())
}

/// The locations a blob may have copies in (not hotter than its floor).
fn places_for(blob: &AssetBlob, places: &[Place]) -> Vec<Place> {
    let floor = blob_floor(blob);
    places.iter().filter(|place| floor.is_none_or(|floor| place.tier >= floor)).cloned().collect()
}

/// The collection's rule, without the named locations a blob may not be in.
fn rule_for(rule: &CopiesRule, blob: &AssetBlob, allowed: &[Place]) -> CopiesRule {
    if blob_floor(blob).is_none() {
        return rule.clone();
    }
    let locations =
        rule.locations.iter().filter(|name| allowed.iter().any(|place| &place.name == *name)).cloned().collect();
    CopiesRule { locations, ..rule.clone() }
}

/// The locations holding a good copy, hottest tier first, the primary before others of its tier.
fn good_sources(copies: &[CopyRow], tiers: &HashMap<String, Tier>) -> Vec<String> {
    let mut good: Vec<(Tier, bool, String)> = copies
        .iter()
        .filter(|copy| copy.state == "ok")
        .filter_map(|copy| {
            tiers.get(&copy.location).map(|tier| (*tier, copy.location != PRIMARY, copy.location.clone()))
        })
        .collect();
    good.sort();
    good.into_iter().map(|(_, _, name)| name).collect()
}

pub(crate) fn replicate_job(settings: &crate::Settings, asset_id: AssetId, key: String) -> NewJob {
    NewJob {
        kind: REPLICATE.to_owned(),
        asset_id: Some(asset_id),
        payload: serde_json::json!({}),
        idempotency_key: Some(key),
        priority: 0,
        max_attempts: settings.jobs.max_attempts,
    }
}

fn replication_event(actor: &str, blob: &AssetBlob, record: &CopyMadeRecord) -> NewAuditEntry {
    let failed = record.outcome == "failed";
    let event = PreservationEvent {
        event_type: "replication".to_owned(),
        outcome: if failed { "failure" } else { "success" }.to_owned(),
        agent: super::agent(actor),
        object: blob.blake3.clone(),
        location: record.to.clone(),
        detail: match &record.error {
            Some(error) => format!("copy from {} failed: {error}", record.from),
            None => format!("{} bytes copied from {} and read back ({})", record.size, record.from, record.outcome),
        },
    };
    NewAuditEntry {
        actor: actor.to_owned(),
        action: "storage.copy".to_owned(),
        asset_id: Some(blob.asset_id.clone()),
        address: None,
        outcome: if failed { "failed" } else { "ok" }.to_owned(),
        detail: event.to_json(),
    }
}
