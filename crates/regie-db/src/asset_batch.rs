//! Recording a batch of new assets in one transaction and a few statements (one multi-row
//! `INSERT` per table instead of one per row): ingest of thousands of small files writes the
//! same rows `insert_asset` writes, without a round trip to the database for each.

use std::collections::HashMap;

use regie_core::AssetId;
use regie_core::house_id::HouseIdContext;
use regie_core::keeping::PRIMARY;

use crate::assets::{bind_file_row, corrupt, insert_findings, insert_tags, insert_verdicts, now};
use crate::changes::note_changes;
use crate::collections::ensure_collection;
use crate::error::QueryContext;
use crate::sql::{Tx, query, rows_per_statement, value_rows};
use crate::{Database, DbError, NewAsset, NewFile};

impl Database {
    /// Records many assets in one transaction, each with the next house id of its scope, in
    /// order; all or nothing. Content already catalogued as an original is
    /// `ContentAlreadyCatalogued` (for the batch: record one at a time to learn which).
    pub async fn insert_assets(&self, assets: Vec<NewAsset<'_>>) -> Result<Vec<String>, DbError> {
        if assets.is_empty() {
            return Ok(Vec::new());
        }
        let now = now();
        let mut transaction = self.begin_write().await?;
        let mut collection_ids: HashMap<&str, String> = HashMap::new();
        for asset in &assets {
            if !collection_ids.contains_key(asset.collection.as_str()) {
                let id = ensure_collection(&mut transaction, &asset.collection, &now).await?;
                collection_ids.insert(asset.collection.as_str(), id);
            }
        }
        let house_ids = take_house_ids(&mut transaction, &assets).await?;
        insert_asset_rows(&mut transaction, &assets, &collection_ids, &house_ids, &now).await?;
        let files: Vec<(AssetId, &NewFile)> = assets
            .iter()
            .flat_map(|asset| std::iter::once(&asset.file).chain(&asset.frames).map(|file| (asset.id, file)))
            .collect();
        insert_file_rows(&mut transaction, &files, &now).await?;
        for asset in &assets {
            insert_findings(&mut transaction, asset.id, &asset.findings, &now).await?;
            insert_verdicts(&mut transaction, asset.id, &asset.verdicts, &now).await?;
            insert_tags(&mut transaction, asset.id, &asset.tags).await?;
            crate::index_sources::insert_subtitles(&mut transaction, asset.id, &asset.subtitles, &now).await?;
            crate::timeline::insert_segments(&mut transaction, asset.id, &asset.segments).await?;
        }
        let jobs: Vec<&crate::NewJob> = assets.iter().flat_map(|asset| &asset.jobs).collect();
        crate::jobs::enqueue_all_in(&mut transaction, &jobs, &now).await?;
        let ids: Vec<AssetId> = assets.iter().map(|asset| asset.id).collect();
        note_changes(&mut transaction, &ids).await?;
        transaction.commit().await.during("committing assets")?;
        Ok(house_ids)
    }
}

/// The next house id of each asset: one counter update per scope, for as many as it needs.
async fn take_house_ids(transaction: &mut Tx, assets: &[NewAsset<'_>]) -> Result<Vec<String>, DbError> {
    let contexts: Vec<HouseIdContext<'_>> = assets
        .iter()
        .map(|asset| HouseIdContext { collection_leaf: asset.collection.leaf(), date: &asset.ingest_date })
        .collect();
    let scopes: Vec<String> =
        assets.iter().zip(&contexts).map(|(asset, context)| asset.house_id_template.scope(context)).collect();
    let mut wanted: Vec<(&str, u64)> = Vec::new();
    for scope in &scopes {
        match wanted.iter_mut().find(|(known, _)| known == scope) {
            Some((_, count)) => *count += 1,
            None => wanted.push((scope, 1)),
        }
    }
    let mut next: HashMap<&str, u64> = HashMap::new();
    for (scope, count) in wanted {
        let last: i64 = crate::sql::query_scalar(
            "INSERT INTO house_id_counters (scope, last_value) VALUES ($1, $2)
             ON CONFLICT (scope) DO UPDATE SET last_value = house_id_counters.last_value + $2
             RETURNING last_value",
        )
        .bind(scope)
        .bind(count as i64)
        .fetch_one(&mut *transaction)
        .await
        .during("taking house ids")?;
        next.insert(scope, last as u64 + 1 - count);
    }
    let mut house_ids = Vec::with_capacity(assets.len());
    for ((asset, context), scope) in assets.iter().zip(&contexts).zip(&scopes) {
        let number = next.get_mut(scope.as_str()).expect("every scope was counted");
        house_ids.push(asset.house_id_template.render(context, *number));
        *number += 1;
    }
    Ok(house_ids)
}

async fn insert_asset_rows(
    transaction: &mut Tx,
    assets: &[NewAsset<'_>],
    collection_ids: &HashMap<&str, String>,
    house_ids: &[String],
    now: &str,
) -> Result<(), DbError> {
    const COLUMNS: usize = 8;
    let rows: Vec<(&NewAsset<'_>, &String)> = assets.iter().zip(house_ids).collect();
    for chunk in rows.chunks(rows_per_statement(COLUMNS)) {
        let sql = format!(
            "INSERT INTO assets (id, house_id, name, collection_id, source_path, metadata, created_at, owner_id)
             VALUES {}",
            value_rows(transaction.backend(), COLUMNS, chunk.len())
        );
        let mut statement = query(sql);
        for (asset, house_id) in chunk {
            let metadata = serde_json::to_string(&asset.metadata).map_err(corrupt("metadata"))?;
            statement = statement
                .bind(asset.id.to_string())
                .bind(*house_id)
                .bind(&asset.name)
                .bind(&collection_ids[asset.collection.as_str()])
                .bind(&asset.source_path)
                .bind(metadata)
                .bind(now)
                .bind(&asset.owner_id);
        }
        statement.execute(&mut *transaction).await.during("recording assets")?;
    }
    Ok(())
}

/// The files of new assets (originals and sequence frames) and their primary copies.
async fn insert_file_rows(transaction: &mut Tx, files: &[(AssetId, &NewFile)], now: &str) -> Result<(), DbError> {
    const COLUMNS: usize = 10;
    for chunk in files.chunks(rows_per_statement(COLUMNS)) {
        let sql = format!(
            "INSERT INTO asset_files (id, asset_id, role, blake3, md5, sha256, size, format, media, created_at)
             VALUES {}",
            value_rows(transaction.backend(), COLUMNS, chunk.len())
        );
        let mut statement = query(sql);
        for (asset_id, file) in chunk {
            statement = bind_file_row(statement, *asset_id, file, now)?;
        }
        statement.execute(&mut *transaction).await.map_err(|error| match &error {
            // Which file's content is already catalogued is learnt by recording them one by one.
            sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
                DbError::ContentAlreadyCatalogued(chunk[0].1.checksums.blake3.to_string())
            }
            _ => DbError::Query { step: "recording files", source: error },
        })?;
    }
    const COPY_COLUMNS: usize = 5;
    for chunk in files.chunks(rows_per_statement(COPY_COLUMNS)) {
        let sql = format!(
            "INSERT INTO blob_copies (blake3, location, size, state, stored_at) VALUES {}
             ON CONFLICT (blake3, location) DO NOTHING",
            value_rows(transaction.backend(), COPY_COLUMNS, chunk.len())
        );
        let mut statement = query(sql);
        for (_, file) in chunk {
            statement = statement
                .bind(file.checksums.blake3.as_str())
                .bind(PRIMARY)
                .bind(file.checksums.size as i64)
                .bind("ok")
                .bind(now);
        }
        statement.execute(&mut *transaction).await.during("recording copies")?;
    }
    Ok(())
}
