//! Assets and their files, findings, tags and duplicates: written in one transaction, read back
//! as whole records.

use std::collections::BTreeSet;

use crate::sql::{Row, Tx, query, query_scalar};
use chrono::{SecondsFormat, Utc};
use regie_core::access::Visibility;
use regie_core::sidecar::DescriptiveMetadata;
use regie_core::{AssetId, Blake3Hex, CollectionPath, Finding, MediaDescription, Severity};
use uuid::Uuid;

use crate::changes::note_changes;
use crate::error::QueryContext;
use crate::{AssetRecord, AssetSummary, Database, DbError, FileRecord, NewAsset, NewFile, SubtitleSummary, Verdict};

/// The asset that already holds some content, and where that content came from.
#[derive(Debug, Clone)]
pub struct ExistingContent {
    pub asset_id: AssetId,
    pub source_path: String,
}

/// Digests looked up in one query (well under both databases' limits on bound values).
const CONTENTS_PER_QUERY: usize = 500;

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Database {
    /// The asset whose original file has this BLAKE3, if any.
    pub async fn find_by_content(&self, blake3: &Blake3Hex) -> Result<Option<ExistingContent>, DbError> {
        let row = query(
            "SELECT a.id, a.source_path FROM asset_files f JOIN assets a ON a.id = f.asset_id
             WHERE f.blake3 = $1 AND f.role = 'original' ORDER BY a.id LIMIT 1",
        )
        .bind(blake3.as_str())
        .fetch_optional(&self.pool)
        .await
        .during("looking up content")?;
        row.map(|row| {
            Ok(ExistingContent { asset_id: parse_asset_id(row.get("id"))?, source_path: row.get("source_path") })
        })
        .transpose()
    }

    /// For each BLAKE3 already held as an original, the asset that holds it: one query for a batch.
    pub async fn find_by_contents(
        &self,
        digests: &[&Blake3Hex],
    ) -> Result<std::collections::HashMap<String, ExistingContent>, DbError> {
        let mut found = std::collections::HashMap::new();
        for chunk in digests.chunks(CONTENTS_PER_QUERY) {
            let mut next = crate::sql::Placeholders::new(self.backend());
            let placeholders: Vec<String> = chunk.iter().map(|_| next.next_one()).collect();
            // Safe: the text holds only fixed SQL and numbered placeholders; every digest is bound.
            let sql = format!(
                "SELECT f.blake3, a.id, a.source_path FROM asset_files f JOIN assets a ON a.id = f.asset_id
                 WHERE f.role = 'original' AND f.blake3 IN ({}) ORDER BY a.id",
                placeholders.join(", ")
            );
            let mut lookup = query(sql);
            for digest in chunk {
                lookup = lookup.bind(digest.as_str());
            }
            for row in lookup.fetch_all(&self.pool).await.during("looking up content")? {
                let blake3: String = row.get("blake3");
                // Rows come in id order: the first asset holding the content is kept.
                if let std::collections::hash_map::Entry::Vacant(slot) = found.entry(blake3) {
                    let asset_id = parse_asset_id(row.get("id"))?;
                    slot.insert(ExistingContent { asset_id, source_path: row.get("source_path") });
                }
            }
        }
        Ok(found)
    }

    /// Records the asset, its file, findings and tags, and gives it the next house id; all or nothing.
    pub async fn insert_asset(&self, asset: NewAsset<'_>) -> Result<String, DbError> {
        let mut house_ids = self.insert_assets(vec![asset]).await?;
        Ok(house_ids.remove(0))
    }

    /// Records that `source_path` offered content already held by `asset_id`; false when it was
    /// recorded before (so re-running an ingest changes nothing).
    pub async fn record_duplicate(&self, asset_id: AssetId, source_path: &str) -> Result<bool, DbError> {
        let mut transaction = self.begin_write().await?;
        let inserted = query(
            "INSERT INTO duplicates (id, asset_id, source_path, detected_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (asset_id, source_path) DO NOTHING",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(asset_id.to_string())
        .bind(source_path)
        .bind(now())
        .execute(&mut transaction)
        .await
        .during("recording a duplicate")?
        .rows_affected()
            == 1;
        transaction.commit().await.during("committing a duplicate")?;
        Ok(inserted)
    }

    /// Adds tags to an asset; tags already there are kept once.
    pub async fn add_tags(&self, asset_id: AssetId, tags: &[String]) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        ensure_exists(&mut transaction, asset_id).await?;
        insert_tags(&mut transaction, asset_id, tags).await?;
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing tags")
    }

    pub async fn remove_tags(&self, asset_id: AssetId, tags: &[String]) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        ensure_exists(&mut transaction, asset_id).await?;
        for tag in tags {
            query("DELETE FROM asset_tags WHERE asset_id = $1 AND tag = $2")
                .bind(asset_id.to_string())
                .bind(tag)
                .execute(&mut transaction)
                .await
                .during("removing a tag")?;
        }
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing tags")
    }

    /// Finds an asset by its id or its house id.
    pub async fn resolve_asset(&self, reference: &str) -> Result<AssetId, DbError> {
        let id: Option<String> =
            query_scalar("SELECT id FROM assets WHERE (id = $1 OR house_id = $1) AND trashed_at IS NULL")
                .bind(reference.trim())
                .fetch_optional(&self.pool)
                .await
                .during("looking up an asset")?;
        id.map(parse_asset_id).transpose()?.ok_or_else(|| DbError::AssetNotFound(reference.to_owned()))
    }

    /// The whole record of one asset.
    pub async fn get_asset(&self, asset_id: AssetId) -> Result<AssetRecord, DbError> {
        let id = asset_id.to_string();
        let row = query(
            "SELECT a.id, a.house_id, a.name, c.path AS collection, a.source_path, a.metadata, a.created_at,
                    u.name AS owner, a.owner_id
             FROM assets a JOIN collections c ON c.id = a.collection_id LEFT JOIN users u ON u.id = a.owner_id
             WHERE a.id = $1",
        )
        .bind(&id)
        .fetch_optional(&self.pool)
        .await
        .during("reading an asset")?
        .ok_or_else(|| DbError::AssetNotFound(id.clone()))?;
        let metadata: DescriptiveMetadata =
            serde_json::from_str(row.get::<&str, _>("metadata")).map_err(corrupt("metadata"))?;
        Ok(AssetRecord {
            id: asset_id,
            house_id: row.get("house_id"),
            name: row.get("name"),
            collection: row.get("collection"),
            source_path: row.get("source_path"),
            created_at: row.get("created_at"),
            owner: row.get("owner"),
            owner_id: row.get("owner_id"),
            tags: self.tags_of(&id).await?,
            metadata,
            findings: self.findings_of(&id).await?,
            files: self.files_of(&id).await?,
            verdicts: self.verdicts_of(&id).await?,
            renditions: self.renditions_of(asset_id).await?,
            duplicates: query_scalar("SELECT source_path FROM duplicates WHERE asset_id = $1 ORDER BY source_path")
                .bind(&id)
                .fetch_all(&self.pool)
                .await
                .during("reading duplicates")?,
            subtitles: query(self.backend().pick(
                "SELECT source, language, json_array_length(cues) AS cues, origin, engine, language_probability
                 FROM subtitles WHERE asset_id = $1 ORDER BY source",
                "SELECT source, language, CAST(json_array_length(CAST(cues AS json)) AS BIGINT) AS cues, origin,
                 engine, language_probability FROM subtitles WHERE asset_id = $1 ORDER BY source",
            ))
            .bind(&id)
            .fetch_all(&self.pool)
            .await
            .during("reading subtitles")?
            .iter()
            .map(|row| SubtitleSummary {
                source: row.get("source"),
                language: row.get("language"),
                cues: row.get::<i64, _>("cues") as u64,
                machine: row.get::<&str, _>("origin") != "sidecar",
                origin: row.get("origin"),
                engine: row.get("engine"),
                language_probability: row.get("language_probability"),
            })
            .collect(),
        })
    }

    /// One page of assets ordered by id (creation time), after the `after` cursor, among those
    /// `visible`; a collection filter includes its sub-collections.
    pub async fn list_assets(
        &self,
        collection: Option<&CollectionPath>,
        tag: Option<&str>,
        after: Option<AssetId>,
        limit: u32,
        visible: &Visibility,
    ) -> Result<Vec<AssetSummary>, DbError> {
        let duration = self.backend().pick(
            "json_extract(f.media, '$.duration_s')",
            "CAST(CAST(f.media AS json) ->> 'duration_s' AS DOUBLE PRECISION)",
        );
        let mut sql = format!(
            "SELECT a.id, a.house_id, a.name, c.path AS collection, a.created_at, f.size, f.format,
                    {duration} AS duration_s,
                    (SELECT COUNT(*) FROM findings x WHERE x.asset_id = a.id) AS finding_count,
                    (SELECT COUNT(*) FROM verdicts v WHERE v.asset_id = a.id AND v.passed = 0) AS failed_verdicts
             FROM assets a
             JOIN collections c ON c.id = a.collection_id
             LEFT JOIN asset_files f ON f.asset_id = a.id AND f.role = 'original'
             WHERE a.trashed_at IS NULL
               AND ($1 IS NULL OR c.path = $1 OR substr(c.path, 1, length($1) + 1) = $1 || '/')
               AND ($2 IS NULL OR EXISTS (SELECT 1 FROM asset_tags t WHERE t.asset_id = a.id AND t.tag = $2))
               AND ($3 IS NULL OR a.id > $3)",
        );
        let mut binds: Vec<String> = Vec::new();
        if let Visibility::Limited { collections, owner_id } = visible {
            // One bound parameter per readable collection tree: the SQL text never holds a value.
            let mut alternatives: Vec<String> = vec!["a.owner_id = $5".to_owned()];
            binds.push(owner_id.clone().unwrap_or_default());
            for readable in collections {
                binds.push(readable.clone());
                let n = 4 + binds.len();
                alternatives.push(format!("c.path = ${n} OR substr(c.path, 1, length(${n}) + 1) = ${n} || '/'"));
            }
            sql += &format!(" AND ({})", alternatives.join(" OR "));
        }
        sql += " ORDER BY a.id LIMIT $4";
        // Safe: the text holds only fixed SQL and numbered placeholders; every value is bound.
        let mut query = query(sql)
            .bind(collection.map(CollectionPath::as_str))
            .bind(tag)
            .bind(after.map(|id| id.to_string()))
            .bind(i64::from(limit));
        for value in &binds {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await.during("listing assets")?;
        rows.iter().map(summary_from_row).collect()
    }

    /// The asset an id or house id names, with its collection and owner (who may touch it).
    pub async fn asset_access(&self, reference: &str) -> Result<(AssetId, String, Option<String>), DbError> {
        let row = query(
            "SELECT a.id, c.path, a.owner_id FROM assets a JOIN collections c ON c.id = a.collection_id
             WHERE (a.id = $1 OR a.house_id = $1) AND a.trashed_at IS NULL",
        )
        .bind(reference.trim())
        .fetch_optional(&self.pool)
        .await
        .during("reading an asset's access")?
        .ok_or_else(|| DbError::AssetNotFound(reference.to_owned()))?;
        Ok((parse_asset_id(row.get("id"))?, row.get("path"), row.get("owner_id")))
    }

    /// The content address of every file the catalogue refers to.
    pub async fn referenced_blobs(&self) -> Result<BTreeSet<String>, DbError> {
        let digests: Vec<String> =
            query_scalar("SELECT blake3 FROM asset_files UNION SELECT blake3 FROM rendition_files")
                .fetch_all(&self.pool)
                .await
                .during("listing referenced content")?;
        Ok(digests.into_iter().collect())
    }

    async fn tags_of(&self, id: &str) -> Result<Vec<String>, DbError> {
        query_scalar("SELECT tag FROM asset_tags WHERE asset_id = $1 ORDER BY tag")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .during("reading tags")
    }

    async fn findings_of(&self, id: &str) -> Result<Vec<Finding>, DbError> {
        let rows = query("SELECT code, severity, message FROM findings WHERE asset_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .during("reading findings")?;
        rows.into_iter()
            .map(|row| {
                let severity: &str = row.get("severity");
                Ok(Finding {
                    code: row.get("code"),
                    severity: Severity::parse(severity)
                        .ok_or_else(|| DbError::Corrupt { what: "severity", reason: severity.to_owned() })?,
                    message: row.get("message"),
                })
            })
            .collect()
    }

    async fn verdicts_of(&self, id: &str) -> Result<Vec<Verdict>, DbError> {
        let rows =
            query("SELECT policy, passed, errors, warnings, report FROM verdicts WHERE asset_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&self.pool)
                .await
                .during("reading verdicts")?;
        Ok(rows
            .into_iter()
            .map(|row| Verdict {
                policy: row.get("policy"),
                passed: row.get::<i64, _>("passed") != 0,
                errors: row.get::<i64, _>("errors") as u64,
                warnings: row.get::<i64, _>("warnings") as u64,
                report: row.get("report"),
            })
            .collect())
    }

    async fn files_of(&self, id: &str) -> Result<Vec<FileRecord>, DbError> {
        let rows = query(
            "SELECT role, size, md5, blake3, sha256, format, media FROM asset_files
             WHERE asset_id = $1 AND role NOT LIKE 'frame:%' ORDER BY role",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .during("reading files")?;
        rows.into_iter()
            .map(|row| {
                let media: Option<&str> = row.get("media");
                Ok(FileRecord {
                    role: row.get("role"),
                    size: row.get::<i64, _>("size") as u64,
                    md5: row.get("md5"),
                    blake3: row.get("blake3"),
                    sha256: row.get("sha256"),
                    format: row.get("format"),
                    media: media.map(serde_json::from_str::<MediaDescription>).transpose().map_err(corrupt("media"))?,
                })
            })
            .collect()
    }
}

pub(crate) async fn next_in_sequence(transaction: &mut Tx, scope: &str) -> Result<u64, DbError> {
    let value: i64 = query_scalar(
        "INSERT INTO house_id_counters (scope, last_value) VALUES ($1, 1)
         ON CONFLICT (scope) DO UPDATE SET last_value = house_id_counters.last_value + 1
         RETURNING last_value",
    )
    .bind(scope)
    .fetch_one(&mut *transaction)
    .await
    .during("taking the next house id")?;
    Ok(value as u64)
}

/// Binds the ten values of one `asset_files` row (id, asset, role, digests, size, format, media,
/// time), in the order of its columns.
pub(crate) fn bind_file_row(
    statement: crate::sql::Statement,
    asset_id: AssetId,
    file: &NewFile,
    now: &str,
) -> Result<crate::sql::Statement, DbError> {
    let media = file.media.as_ref().map(serde_json::to_string).transpose().map_err(corrupt("media"))?;
    Ok(statement
        .bind(Uuid::now_v7().to_string())
        .bind(asset_id.to_string())
        .bind(&file.role)
        .bind(file.checksums.blake3.as_str())
        .bind(file.checksums.md5.as_str())
        .bind(file.checksums.sha256.as_ref().map(|digest| digest.as_str()))
        .bind(file.checksums.size as i64)
        .bind(file.format.as_str())
        .bind(media)
        .bind(now))
}

/// Records a file of an asset; a file already there under the same role is replaced (a job
/// making a proxy again). The same original content twice is `ContentAlreadyCatalogued`.
pub(crate) async fn upsert_file(
    transaction: &mut Tx,
    asset_id: AssetId,
    file: &NewFile,
    now: &str,
) -> Result<(), DbError> {
    let statement = query(
        "INSERT INTO asset_files (id, asset_id, role, blake3, md5, sha256, size, format, media, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (asset_id, role) DO UPDATE SET blake3 = excluded.blake3, md5 = excluded.md5,
             sha256 = excluded.sha256, size = excluded.size, format = excluded.format,
             media = excluded.media, created_at = excluded.created_at",
    );
    bind_file_row(statement, asset_id, file, now)?.execute(&mut *transaction).await.map_err(|error| match &error {
        sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
            DbError::ContentAlreadyCatalogued(file.checksums.blake3.to_string())
        }
        _ => DbError::Query { step: "recording a file", source: error },
    })?;
    crate::keeping::record_primary_copy(transaction, file.checksums.blake3.as_str(), file.checksums.size, now).await?;
    Ok(())
}

pub(crate) async fn insert_findings(
    transaction: &mut Tx,
    asset_id: AssetId,
    findings: &[Finding],
    now: &str,
) -> Result<(), DbError> {
    for finding in findings {
        query(
            "INSERT INTO findings (id, asset_id, code, severity, message, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(asset_id.to_string())
        .bind(&finding.code)
        .bind(finding.severity.as_str())
        .bind(&finding.message)
        .bind(now)
        .execute(&mut *transaction)
        .await
        .during("recording a finding")?;
    }
    Ok(())
}

pub(crate) async fn insert_verdicts(
    transaction: &mut Tx,
    asset_id: AssetId,
    verdicts: &[Verdict],
    now: &str,
) -> Result<(), DbError> {
    for verdict in verdicts {
        query(
            "INSERT INTO verdicts (id, asset_id, policy, passed, errors, warnings, report, checked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(asset_id.to_string())
        .bind(&verdict.policy)
        .bind(i64::from(verdict.passed))
        .bind(verdict.errors as i64)
        .bind(verdict.warnings as i64)
        .bind(&verdict.report)
        .bind(now)
        .execute(&mut *transaction)
        .await
        .during("recording a verdict")?;
    }
    Ok(())
}

pub(crate) async fn insert_tags(transaction: &mut Tx, asset_id: AssetId, tags: &[String]) -> Result<(), DbError> {
    for tag in tags {
        query("INSERT INTO asset_tags (asset_id, tag) VALUES ($1, $2) ON CONFLICT (asset_id, tag) DO NOTHING")
            .bind(asset_id.to_string())
            .bind(tag)
            .execute(&mut *transaction)
            .await
            .during("recording a tag")?;
    }
    Ok(())
}

async fn ensure_exists(transaction: &mut Tx, asset_id: AssetId) -> Result<(), DbError> {
    let found: Option<String> = query_scalar("SELECT id FROM assets WHERE id = $1")
        .bind(asset_id.to_string())
        .fetch_optional(&mut *transaction)
        .await
        .during("looking up an asset")?;
    found.map(|_| ()).ok_or_else(|| DbError::AssetNotFound(asset_id.to_string()))
}

fn summary_from_row(row: &Row) -> Result<AssetSummary, DbError> {
    Ok(AssetSummary {
        id: parse_asset_id(row.get("id"))?,
        house_id: row.get("house_id"),
        name: row.get("name"),
        collection: row.get("collection"),
        created_at: row.get("created_at"),
        size: row.get::<Option<i64>, _>("size").unwrap_or(0) as u64,
        format: row.get::<Option<String>, _>("format").unwrap_or_default(),
        finding_count: row.get::<i64, _>("finding_count") as u64,
        duration_s: row.try_get::<Option<f64>, _>("duration_s").ok().flatten(),
        failed_verdicts: row.get::<i64, _>("failed_verdicts") as u64,
    })
}

pub(crate) fn parse_asset_id(text: String) -> Result<AssetId, DbError> {
    text.parse().map_err(|_| DbError::Corrupt { what: "asset id", reason: text })
}

pub(crate) fn corrupt(what: &'static str) -> impl Fn(serde_json::Error) -> DbError {
    move |error| DbError::Corrupt { what, reason: error.to_string() }
}

impl Database {
    /// Replaces an asset's descriptive metadata.
    pub async fn set_metadata(
        &self,
        asset_id: AssetId,
        metadata: &regie_core::sidecar::DescriptiveMetadata,
    ) -> Result<(), DbError> {
        let text = serde_json::to_string(metadata)
            .map_err(|error| DbError::Corrupt { what: "metadata", reason: error.to_string() })?;
        let mut transaction = self.begin_write().await?;
        ensure_exists(&mut transaction, asset_id).await?;
        query("UPDATE assets SET metadata = $1 WHERE id = $2")
            .bind(text)
            .bind(asset_id.to_string())
            .execute(&mut transaction)
            .await
            .during("updating metadata")?;
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing metadata")
    }

    /// Files an asset in `collection` (created with its ancestors when missing).
    pub async fn move_asset(&self, asset_id: AssetId, collection: &regie_core::CollectionPath) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        ensure_exists(&mut transaction, asset_id).await?;
        let collection_id = crate::collections::ensure_collection(&mut transaction, collection, &now()).await?;
        query("UPDATE assets SET collection_id = $1 WHERE id = $2")
            .bind(collection_id)
            .bind(asset_id.to_string())
            .execute(&mut transaction)
            .await
            .during("moving an asset")?;
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing a move")
    }
}
