//! The collection tree: created on demand, one row per path segment.

use regie_core::CollectionPath;
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

use crate::error::QueryContext;
use crate::{CollectionRecord, Database, DbError};

/// Returns the id of `path`, creating it and any missing ancestor.
pub(crate) async fn ensure_collection(
    transaction: &mut Transaction<'static, Sqlite>,
    path: &CollectionPath,
    now: &str,
) -> Result<String, DbError> {
    let mut parent_id: Option<String> = None;
    for node in path.lineage() {
        let existing: Option<String> = sqlx::query_scalar("SELECT id FROM collections WHERE path = $1")
            .bind(node.as_str())
            .fetch_optional(&mut **transaction)
            .await
            .during("looking up a collection")?;
        let id = match existing {
            Some(id) => id,
            None => {
                let id = Uuid::now_v7().to_string();
                sqlx::query(
                    "INSERT INTO collections (id, path, name, parent_id, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&id)
                .bind(node.as_str())
                .bind(node.leaf())
                .bind(&parent_id)
                .bind(now)
                .execute(&mut **transaction)
                .await
                .during("creating a collection")?;
                id
            }
        };
        parent_id = Some(id);
    }
    Ok(parent_id.expect("a collection path has at least one segment"))
}

impl Database {
    /// Every collection, ordered so that each parent comes before its children.
    pub async fn list_collections(&self) -> Result<Vec<CollectionRecord>, DbError> {
        let rows = sqlx::query(
            "SELECT c.path, c.name, p.path AS parent_path,
                    (SELECT COUNT(*) FROM assets a WHERE a.collection_id = c.id) AS asset_count
             FROM collections c LEFT JOIN collections p ON p.id = c.parent_id
             ORDER BY c.path",
        )
        .fetch_all(&self.pool)
        .await
        .during("listing collections")?;
        Ok(rows
            .into_iter()
            .map(|row| CollectionRecord {
                path: row.get("path"),
                name: row.get("name"),
                parent: row.get("parent_path"),
                asset_count: row.get::<i64, _>("asset_count") as u64,
            })
            .collect())
    }
}
