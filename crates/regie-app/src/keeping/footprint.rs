//! `regie footprint`: what the house keeps and spends: bytes per tier, location and collection,
//! bytes content addressing saved, compute time per job kind, and an energy and CO2e estimate
//! from factors printed beside the figures (the defaults are stated assumptions; set your own).

use std::collections::{BTreeMap, HashMap, HashSet};

use regie_core::keeping::Tier;
use serde::Serialize;

use crate::{AppError, Regie};

/// `[footprint]`: the factors of the estimate and where they come from.
#[derive(Debug, Clone, Serialize)]
pub struct FootprintFactors {
    /// Watt-hours per terabyte-month of each tier (drives, servers, network and cooling).
    pub online_wh_per_tb_month: f64,
    pub nearline_wh_per_tb_month: f64,
    pub archive_wh_per_tb_month: f64,
    /// The power of one worker while it runs a job.
    pub worker_watts: f64,
    /// Grid carbon intensity.
    pub grid_g_co2e_per_kwh: f64,
    /// Where each factor comes from, in words.
    pub sources: BTreeMap<String, String>,
}

impl Default for FootprintFactors {
    fn default() -> Self {
        let sources = [
            (
                "online_wh_per_tb_month",
                "assumption: a 16 TB enterprise hard disk draws 5 to 8 W (manufacturers' data sheets); with its share of server, network and cooling (PUE about 1.5) about 0.9 W per TB, 650 Wh per TB-month",
            ),
            (
                "nearline_wh_per_tb_month",
                "assumption: dense object storage with disks idle or spun down most of the time, about a third of online",
            ),
            (
                "archive_wh_per_tb_month",
                "assumption: LTO tape on a shelf or in a library draws nearly nothing at rest; the library and drives shared over many PB, about 10 Wh per TB-month",
            ),
            (
                "worker_watts",
                "assumption: the share of a two-socket server a busy worker (one encode) uses, about 60 W",
            ),
            (
                "grid_g_co2e_per_kwh",
                "assumption: about 250 g CO2e/kWh, the order of the EU-27 average of recent years; set your grid's (your supplier, or electricityMaps)",
            ),
        ];
        Self {
            online_wh_per_tb_month: 650.0,
            nearline_wh_per_tb_month: 220.0,
            archive_wh_per_tb_month: 10.0,
            worker_watts: 60.0,
            grid_g_co2e_per_kwh: 250.0,
            sources: sources.into_iter().map(|(key, text)| (key.to_owned(), text.to_owned())).collect(),
        }
    }
}

impl FootprintFactors {
    pub fn wh_per_tb_month(&self, tier: Tier) -> f64 {
        match tier {
            Tier::Online => self.online_wh_per_tb_month,
            Tier::Nearline => self.nearline_wh_per_tb_month,
            Tier::Archive => self.archive_wh_per_tb_month,
        }
    }

    /// kWh per year to keep `bytes` on `tier`.
    pub fn storage_kwh_per_year(&self, tier: Tier, bytes: u64) -> f64 {
        bytes as f64 / 1e12 * self.wh_per_tb_month(tier) * 12.0 / 1000.0
    }

    pub fn kg_co2e(&self, kwh: f64) -> f64 {
        kwh * self.grid_g_co2e_per_kwh / 1000.0
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PlaceFootprint {
    pub name: String,
    pub tier: Tier,
    pub copies: u64,
    pub bytes: u64,
    pub kwh_per_year: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierFootprint {
    pub tier: Tier,
    pub copies: u64,
    pub bytes: u64,
    pub kwh_per_year: f64,
    pub kg_co2e_per_year: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollectionFootprint {
    pub collection: String,
    pub assets: u64,
    /// The content of its assets once (originals, derived files, renditions).
    pub bytes: u64,
    /// With every copy counted.
    pub stored_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deduplication {
    /// Paths that offered content already stored: kept once, recorded as duplicates.
    pub duplicate_paths: u64,
    pub duplicate_bytes: u64,
    /// Files of different assets or roles with the same content, stored once.
    pub shared_files: u64,
    pub shared_bytes: u64,
    pub bytes_saved: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComputeFootprint {
    pub kind: String,
    pub jobs: u64,
    /// From each job's last start to its end.
    pub seconds: f64,
    pub kwh: f64,
    pub kg_co2e: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Footprint {
    pub tiers: Vec<TierFootprint>,
    pub locations: Vec<PlaceFootprint>,
    pub collections: Vec<CollectionFootprint>,
    pub deduplication: Deduplication,
    pub compute: Vec<ComputeFootprint>,
    pub storage_kwh_per_year: f64,
    pub storage_kg_co2e_per_year: f64,
    pub compute_kwh: f64,
    pub compute_kg_co2e: f64,
    pub factors: FootprintFactors,
}

impl Regie {
    pub async fn footprint(&self) -> Result<Footprint, AppError> {
        let factors = self.settings.keeping.footprint.clone();
        let locations = self.list_locations().await?;
        let mut tiers: BTreeMap<Tier, (u64, u64)> = BTreeMap::new();
        let places: Vec<PlaceFootprint> = locations
            .iter()
            .map(|info| {
                let entry = tiers.entry(info.tier).or_default();
                entry.0 += info.copies;
                entry.1 += info.bytes;
                PlaceFootprint {
                    name: info.name.clone(),
                    tier: info.tier,
                    copies: info.copies,
                    bytes: info.bytes,
                    kwh_per_year: factors.storage_kwh_per_year(info.tier, info.bytes),
                }
            })
            .collect();
        let tiers: Vec<TierFootprint> = tiers
            .into_iter()
            .map(|(tier, (copies, bytes))| {
                let kwh = factors.storage_kwh_per_year(tier, bytes);
                TierFootprint { tier, copies, bytes, kwh_per_year: kwh, kg_co2e_per_year: factors.kg_co2e(kwh) }
            })
            .collect();

        let blobs = self.db.asset_blobs(None).await?;
        let mut copies_of: HashMap<String, u64> = HashMap::new();
        for copy in self.db.all_copies().await? {
            *copies_of.entry(copy.blake3).or_default() += 1;
        }
        let mut collections: BTreeMap<String, (HashSet<String>, HashSet<String>, u64, u64)> = BTreeMap::new();
        let mut seen_blobs: HashMap<String, u64> = HashMap::new();
        let (mut shared_files, mut shared_bytes) = (0u64, 0u64);
        for blob in &blobs {
            let entry = collections.entry(blob.collection.clone()).or_default();
            entry.0.insert(blob.asset_id.clone());
            if entry.1.insert(blob.blake3.clone()) {
                entry.2 += blob.size;
                entry.3 += blob.size * copies_of.get(&blob.blake3).copied().unwrap_or(1).max(1);
            }
            let count = seen_blobs.entry(blob.blake3.clone()).or_default();
            *count += 1;
            if *count > 1 {
                shared_files += 1;
                shared_bytes += blob.size;
            }
        }
        let (duplicate_paths, duplicate_bytes) = self.db.duplicate_bytes().await?;

        let mut compute: BTreeMap<String, (u64, f64)> = BTreeMap::new();
        for (kind, started, finished) in self.db.job_spans().await? {
            let (Ok(started), Ok(finished)) =
                (chrono::DateTime::parse_from_rfc3339(&started), chrono::DateTime::parse_from_rfc3339(&finished))
            else {
                continue;
            };
            let entry = compute.entry(kind).or_default();
            entry.0 += 1;
            entry.1 += (finished - started).num_milliseconds().max(0) as f64 / 1000.0;
        }
        let compute: Vec<ComputeFootprint> = compute
            .into_iter()
            .map(|(kind, (jobs, seconds))| {
                let kwh = seconds / 3600.0 * factors.worker_watts / 1000.0;
                ComputeFootprint { kind, jobs, seconds, kwh, kg_co2e: factors.kg_co2e(kwh) }
            })
            .collect();
        let storage_kwh_per_year = tiers.iter().map(|tier| tier.kwh_per_year).sum();
        let compute_kwh = compute.iter().map(|kind| kind.kwh).sum();
        Ok(Footprint {
            tiers,
            locations: places,
            collections: collections
                .into_iter()
                .map(|(collection, (assets, _, bytes, stored_bytes))| CollectionFootprint {
                    collection,
                    assets: assets.len() as u64,
                    bytes,
                    stored_bytes,
                })
                .collect(),
            deduplication: Deduplication {
                duplicate_paths,
                duplicate_bytes,
                shared_files,
                shared_bytes,
                bytes_saved: duplicate_bytes + shared_bytes,
            },
            compute,
            storage_kwh_per_year,
            storage_kg_co2e_per_year: factors.kg_co2e(storage_kwh_per_year),
            compute_kwh,
            compute_kg_co2e: factors.kg_co2e(compute_kwh),
            factors,
        })
    }
}
