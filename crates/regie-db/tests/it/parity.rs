//! The two migration folders must describe the same schema: every table with the same columns,
//! the same nullability and the same kind of value (text, integer, real), so the portable SQL of
//! `regie-db` means the same thing on both.

use std::collections::BTreeMap;

use sqlx::{Connection, Row};

/// table -> column -> (kind, nullable)
type Schema = BTreeMap<String, BTreeMap<String, (String, bool)>>;

fn kind(declared: &str) -> String {
    let declared = declared.to_ascii_lowercase();
    if declared.contains("int") {
        "integer"
    } else if declared.contains("double") || declared.contains("real") {
        "real"
    } else if declared.contains("text") || declared.contains("char") {
        "text"
    } else {
        return declared;
    }
    .to_owned()
}

async fn sqlite_schema() -> Schema {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("catalogue.sqlite");
    regie_db::Database::open_sqlite(&path).await.unwrap().close().await;
    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let rows = sqlx::query(
        "SELECT m.name AS table_name, p.name AS column_name, p.type AS declared, p.\"notnull\" AS not_null, p.pk AS pk
         FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for row in rows {
        // A primary key column is never null on either side, whether or not SQLite says NOT NULL.
        let nullable = row.get::<i64, _>("not_null") == 0 && row.get::<i64, _>("pk") == 0;
        schema
            .entry(row.get("table_name"))
            .or_default()
            .insert(row.get("column_name"), (kind(row.get("declared")), nullable));
    }
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    regie_db::Database::open_postgres(url).await.unwrap().close().await;
    let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS declared,
                is_nullable::text AS nullable
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for row in rows {
        let nullable = row.get::<String, _>("nullable") == "YES";
        schema
            .entry(row.get("table_name"))
            .or_default()
            .insert(row.get("column_name"), (kind(row.get("declared")), nullable));
    }
    schema
}

#[tokio::test]
async fn both_migration_folders_give_the_same_schema() {
    let Some(url) = crate::backend::postgres_url("both_migration_folders_give_the_same_schema").await else {
        return;
    };
    let sqlite = sqlite_schema().await;
    assert!(sqlite.contains_key("assets") && sqlite.contains_key("audit_log"), "{sqlite:?}");
    let postgres = postgres_schema(&url).await;
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "the same tables in migrations/sqlite and migrations/postgres"
    );
    for (table, columns) in &sqlite {
        assert_eq!(columns, &postgres[table], "table {table}: columns, kinds and nullability");
    }
}

#[test]
fn both_migration_folders_hold_the_same_versions() {
    let names = |backend: &str| -> Vec<String> {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"), "each migration has its twin, under the same name");
}
