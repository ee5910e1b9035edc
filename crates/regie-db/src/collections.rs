//! The collection tree: created on demand, one row per path segment.

use crate::sql::{Tx, query, query_scalar};
use regie_core::CollectionPath;
use uuid::Uuid;

use crate::error::QueryContext;
use crate::{CollectionRecord, Database, DbError};

/// Returns the id of `path`, creating it and any missing ancestor.
pub(crate) async fn ensure_collection(
    transaction: &mut Tx,
    path: &CollectionPath,
    now: &str,
) -> Result<String, DbError> {
    let mut parent_id: Option<String> = None;
    for node in path.lineage() {
        let existing: Option<String> = query_scalar("SELECT id FROM collections WHERE path = $1")
            .bind(node.as_str())
            .fetch_optional(&mut *transaction)
            .await
            .during("looking up a collection")?;
        let id = match existing {
            Some(id) => id,
            None => {
                // Another writer may create the same collection at the same moment (PostgreSQL
                // runs writers side by side): the insert then does nothing and its row is read.
                let id = Uuid::now_v7().to_string();
                let created = query(
                    "INSERT INTO collections (id, path, name, parent_id, created_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (path) DO NOTHING",
                )
                .bind(&id)
                .bind(node.as_str())
                .bind(node.leaf())
                .bind(&parent_id)
                .bind(now)
                .execute(&mut *transaction)
                .await
                .during("creating a collection")?
                .rows_affected()
                    == 1;
                if created {
                    id
                } else {
                    query_scalar("SELECT id FROM collections WHERE path = $1")
                        .bind(node.as_str())
                        .fetch_one(&mut *transaction)
                        .await
                        .during("looking up a collection")?
                }
            }
        };
        parent_id = Some(id);
    }
    Ok(parent_id.expect("a collection path has at least one segment"))
}

impl Database {
    /// Every collection, ordered so that each parent comes before its children.
    pub async fn list_collections(&self) -> Result<Vec<CollectionRecord>, DbError> {
        let rows = query(
            "SELECT c.path, c.name, p.path AS parent_path,
                    (SELECT COUNT(*) FROM assets a WHERE a.collection_id = c.id AND a.trashed_at IS NULL) AS asset_count
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
