//! Moving a catalogue into another database (a SQLite installation into PostgreSQL): every table
//! in an order that satisfies its references, in pages, each row inserted unless already there,
//! so an interrupted move resumes where it stopped and a finished one changes nothing when run
//! again. Values keep their kind (integer, real, text) as the SQLite schema declares it.

use crate::error::QueryContext;
use crate::sql::{Backend, Pool, query};
use crate::{Database, DbError};

/// Every table of the catalogue, parents before children.
pub const TABLES_IN_ORDER: [&str; 38] = [
    "collections",
    "users",
    "api_tokens",
    "partner_territories",
    "user_groups",
    "group_members",
    "grants",
    "assets",
    "asset_files",
    "duplicates",
    "findings",
    "asset_tags",
    "house_id_counters",
    "verdicts",
    "jobs",
    "job_log",
    "renditions",
    "rendition_files",
    "sessions",
    "audit_log",
    "subtitles",
    "destinations",
    "deliveries",
    "contracts",
    "asset_changes",
    "storage_locations",
    "blob_copies",
    "holds",
    "segments",
    "approvals",
    "fingerprints",
    "fingerprint_runs",
    "viewing_events",
    "asset_trends",
    "passages",
    "passage_generation",
    "screener_marks",
    "content_keys",
];

/// Rows read and written per statement (well under both backends' limits on bound values).
const ROWS_PER_PAGE: usize = 400;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Integer,
    Real,
    Text,
}

impl Database {
    /// Copies `table` into `target`, rows already there kept; returns the rows read. The source
    /// must be SQLite (pages follow its rowid).
    pub async fn copy_table_into(
        &self,
        target: &Database,
        table: &'static str,
        on_page: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<u64, DbError> {
        if self.backend() != Backend::Sqlite {
            return Err(DbError::MoveSource);
        }
        let columns = self.columns_of(table).await?;
        let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
        let select = format!(
            "SELECT rowid AS regie_rowid, {} FROM {table} WHERE rowid > $1 ORDER BY rowid LIMIT $2",
            names.join(", ")
        );
        let mut after = 0i64;
        let mut copied = 0u64;
        loop {
            let rows = query(select.clone())
                .bind(after)
                .bind(ROWS_PER_PAGE as i64)
                .fetch_all(&self.pool)
                .await
                .during("reading rows to move")?;
            let Some(last) = rows.last() else { break };
            after = last.get::<i64, _>(0);
            let mut placeholders = Vec::with_capacity(rows.len());
            for row in 0..rows.len() {
                let first = row * columns.len();
                let values: Vec<String> = (1..=columns.len()).map(|n| format!("${}", first + n)).collect();
                placeholders.push(format!("({})", values.join(", ")));
            }
            let insert = format!(
                "INSERT INTO {table} ({}) VALUES {} ON CONFLICT DO NOTHING",
                names.join(", "),
                placeholders.join(", ")
            );
            let mut statement = query(insert);
            for row in &rows {
                for (index, (_, kind)) in columns.iter().enumerate() {
                    statement = match kind {
                        Kind::Integer => statement
                            .bind(row.try_get::<Option<i64>, _>(index + 1).during("reading an integer to move")?),
                        Kind::Real => {
                            statement.bind(row.try_get::<Option<f64>, _>(index + 1).during("reading a number to move")?)
                        }
                        Kind::Text => statement
                            .bind(row.try_get::<Option<String>, _>(index + 1).during("reading a text to move")?),
                    };
                }
            }
            statement.execute(&target.pool).await.during("writing moved rows")?;
            copied += rows.len() as u64;
            on_page(rows.len() as u64);
        }
        Ok(copied)
    }

    /// How many rows `table` holds.
    pub async fn row_count(&self, table: &'static str) -> Result<u64, DbError> {
        let count: i64 = crate::sql::query_scalar(format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
            .during("counting rows")?;
        Ok(count as u64)
    }

    /// The columns of a table of this SQLite catalogue with the kind of value each holds.
    async fn columns_of(&self, table: &'static str) -> Result<Vec<(String, Kind)>, DbError> {
        let Pool::Sqlite(_) = &self.pool else { return Err(DbError::MoveSource) };
        let rows = query("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
            .bind(table)
            .fetch_all(&self.pool)
            .await
            .during("reading a table's columns")?;
        Ok(rows
            .iter()
            .map(|row| {
                let declared = row.get::<String, _>("type").to_ascii_uppercase();
                let kind = if declared.contains("INT") {
                    Kind::Integer
                } else if declared.contains("DOUBLE") || declared.contains("REAL") {
                    Kind::Real
                } else {
                    Kind::Text
                };
                (row.get::<String, _>("name"), kind)
            })
            .collect())
    }
}
