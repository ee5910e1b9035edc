//! Catalogue records without media (an archive's metadata arriving before its files): created
//! or updated by house id, a batch per transaction, written with multi-row statements so a
//! million records go in within minutes.

use std::collections::HashMap;

use crate::sql::{Tx, query};
use regie_core::house_id::{HouseIdContext, HouseIdTemplate};
use regie_core::sidecar::DescriptiveMetadata;
use regie_core::{AssetId, CollectionPath};

use crate::assets::{next_in_sequence, now};
use crate::changes::note_changes;
use crate::collections::ensure_collection;
use crate::error::QueryContext;
use crate::{Database, DbError};

/// Rows per multi-row INSERT (8 values each, well under SQLite's bound-parameter limit).
const ROWS_PER_INSERT: usize = 100;
/// House ids looked up per statement.
const LOOKUPS_PER_SELECT: usize = 500;

/// One record to create or update.
#[derive(Debug, Clone)]
pub struct ImportedRecord {
    /// Names the asset to update; a record without one always creates an asset.
    pub house_id: Option<String>,
    pub name: Option<String>,
    /// Where a new asset is filed (the batch's default when none); moves an existing one.
    pub collection: Option<CollectionPath>,
    pub metadata: DescriptiveMetadata,
    /// Added to the asset's tags.
    pub tags: Vec<String>,
}

/// Records written together in one transaction.
#[derive(Debug)]
pub struct ImportBatch<'a> {
    pub records: Vec<ImportedRecord>,
    pub default_collection: &'a CollectionPath,
    /// Where the records came from, kept as their source path (`import:archive.jsonl`).
    pub source: String,
    pub house_id_template: &'a HouseIdTemplate,
    /// Today, `YYYYMMDD`, for generated house ids.
    pub ingest_date: String,
}

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    Created(AssetId),
    Updated(AssetId),
}

impl ImportOutcome {
    pub fn asset_id(self) -> AssetId {
        match self {
            Self::Created(id) | Self::Updated(id) => id,
        }
    }
}

/// A new asset waiting for its multi-row INSERT.
struct PendingAsset {
    id: AssetId,
    house_id: String,
    name: String,
    collection_id: String,
    metadata: DescriptiveMetadata,
}

impl Database {
    /// Creates or updates every record of `batch`; all or nothing. Outcomes follow the input order.
    pub async fn import_records(&self, batch: ImportBatch<'_>) -> Result<Vec<ImportOutcome>, DbError> {
        let now = now();
        let mut transaction = self.begin_write().await?;
        let given: Vec<&str> = batch.records.iter().filter_map(|record| record.house_id.as_deref()).collect();
        let mut existing = existing_by_house_id(&mut transaction, &given).await?;
        let mut collections: HashMap<String, String> = HashMap::new();
        let mut pending: Vec<PendingAsset> = Vec::new();
        let mut pending_by_house_id: HashMap<String, usize> = HashMap::new();
        // Updated assets: their house id (to find the merged metadata) and the collection moved to.
        let mut updated: HashMap<AssetId, (String, Option<String>)> = HashMap::new();
        let mut tags: Vec<(AssetId, String)> = Vec::new();
        let mut outcomes = Vec::with_capacity(batch.records.len());
        for record in batch.records {
            let collection_id = match &record.collection {
                Some(path) => Some(collection_row(&mut transaction, &mut collections, path, &now).await?),
                None => None,
            };
            let house_id = record.house_id.clone();
            let outcome = if let Some((id, metadata)) =
                house_id.as_deref().and_then(|house_id| existing.get_mut(house_id))
            {
                metadata.update_with(record.metadata);
                let moved_to = updated.entry(*id).or_insert_with(|| (house_id.clone().unwrap_or_default(), None));
                if collection_id.is_some() {
                    moved_to.1 = collection_id;
                }
                ImportOutcome::Updated(*id)
            } else if let Some(&position) = house_id.as_ref().and_then(|house_id| pending_by_house_id.get(house_id)) {
                let asset = &mut pending[position];
                asset.metadata.update_with(record.metadata);
                if let Some(collection_id) = collection_id {
                    asset.collection_id = collection_id;
                }
                ImportOutcome::Created(asset.id)
            } else {
                let collection_id = match collection_id {
                    Some(id) => id,
                    None => collection_row(&mut transaction, &mut collections, batch.default_collection, &now).await?,
                };
                let house_id = match house_id {
                    Some(house_id) => house_id,
                    None => {
                        let path = record.collection.as_ref().unwrap_or(batch.default_collection);
                        let context = HouseIdContext { collection_leaf: path.leaf(), date: &batch.ingest_date };
                        let scope = batch.house_id_template.scope(&context);
                        let sequence = next_in_sequence(&mut transaction, &scope).await?;
                        batch.house_id_template.render(&context, sequence)
                    }
                };
                let id = AssetId::new();
                let name =
                    record.name.clone().or_else(|| record.metadata.title.clone()).unwrap_or_else(|| house_id.clone());
                pending_by_house_id.insert(house_id.clone(), pending.len());
                pending.push(PendingAsset { id, house_id, name, collection_id, metadata: record.metadata });
                ImportOutcome::Created(id)
            };
            let asset_id = outcome.asset_id();
            tags.extend(record.tags.into_iter().map(|tag| (asset_id, tag)));
            outcomes.push(outcome);
        }
        insert_assets(&mut transaction, &pending, &batch.source, &now).await?;
        for (id, (house_id, collection_id)) in &updated {
            let metadata = serde_json::to_string(&existing[house_id].1).map_err(corrupt)?;
            query("UPDATE assets SET metadata = $1, collection_id = COALESCE($2, collection_id) WHERE id = $3")
                .bind(metadata)
                .bind(collection_id)
                .bind(id.to_string())
                .execute(&mut transaction)
                .await
                .during("updating an imported record")?;
        }
        insert_tags(&mut transaction, &tags).await?;
        let changed: Vec<AssetId> = outcomes.iter().map(|outcome| outcome.asset_id()).collect();
        note_changes(&mut transaction, &changed).await?;
        transaction.commit().await.during("committing imported records")?;
        Ok(outcomes)
    }
}

async fn collection_row(
    transaction: &mut Tx,
    known: &mut HashMap<String, String>,
    path: &CollectionPath,
    now: &str,
) -> Result<String, DbError> {
    if let Some(id) = known.get(path.as_str()) {
        return Ok(id.clone());
    }
    let id = ensure_collection(transaction, path, now).await?;
    known.insert(path.as_str().to_owned(), id.clone());
    Ok(id)
}

/// `$1, $2, ...` grouped into rows of `width`: `($1, $2), ($3, $4)`.
fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|row| {
            let values: Vec<String> = (1..=width).map(|column| format!("${}", row * width + column)).collect();
            format!("({})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn existing_by_house_id(
    transaction: &mut Tx,
    house_ids: &[&str],
) -> Result<HashMap<String, (AssetId, DescriptiveMetadata)>, DbError> {
    let mut found = HashMap::new();
    for chunk in house_ids.chunks(LOOKUPS_PER_SELECT) {
        let list: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!("SELECT id, house_id, metadata FROM assets WHERE house_id IN ({})", list.join(", "));
        // Safe: the text holds only fixed SQL and numbered placeholders; every value is bound.
        let mut query = query(sql);
        for house_id in chunk {
            query = query.bind(*house_id);
        }
        for row in query.fetch_all(&mut *transaction).await.during("looking up imported records")? {
            let id: String = row.get("id");
            let id = id.parse().map_err(|_| DbError::Corrupt { what: "asset id", reason: id })?;
            let metadata = serde_json::from_str(row.get::<&str, _>("metadata")).map_err(corrupt)?;
            found.insert(row.get("house_id"), (id, metadata));
        }
    }
    Ok(found)
}

async fn insert_assets(transaction: &mut Tx, assets: &[PendingAsset], source: &str, now: &str) -> Result<(), DbError> {
    for chunk in assets.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO assets (id, house_id, name, collection_id, source_path, metadata, created_at) VALUES {}",
            placeholders(chunk.len(), 7)
        );
        // Safe: the text holds only fixed SQL and numbered placeholders; every value is bound.
        let mut query = query(sql);
        for asset in chunk {
            query = query
                .bind(asset.id.to_string())
                .bind(&asset.house_id)
                .bind(&asset.name)
                .bind(&asset.collection_id)
                .bind(source)
                .bind(serde_json::to_string(&asset.metadata).map_err(corrupt)?)
                .bind(now);
        }
        query.execute(&mut *transaction).await.map_err(|error| match &error {
            sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
                DbError::HouseIdTaken(chunk.iter().map(|asset| asset.house_id.clone()).collect::<Vec<_>>().join(", "))
            }
            _ => DbError::Query { step: "recording imported records", source: error },
        })?;
    }
    Ok(())
}

async fn insert_tags(transaction: &mut Tx, tags: &[(AssetId, String)]) -> Result<(), DbError> {
    for chunk in tags.chunks(ROWS_PER_INSERT * 4) {
        let sql = format!(
            "INSERT INTO asset_tags (asset_id, tag) VALUES {} ON CONFLICT (asset_id, tag) DO NOTHING",
            placeholders(chunk.len(), 2)
        );
        // Safe: the text holds only fixed SQL and numbered placeholders; every value is bound.
        let mut query = query(sql);
        for (asset_id, tag) in chunk {
            query = query.bind(asset_id.to_string()).bind(tag);
        }
        query.execute(&mut *transaction).await.during("recording imported tags")?;
    }
    Ok(())
}

fn corrupt(error: serde_json::Error) -> DbError {
    DbError::Corrupt { what: "metadata", reason: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
