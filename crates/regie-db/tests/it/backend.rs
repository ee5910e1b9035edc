//! A fresh catalogue of either backend for each test: SQLite in a temporary folder, or a new
//! database on the PostgreSQL server named by `REGIE_TEST_POSTGRES` (a superuser URL, as
//! `scripts/postgres.sh` prints it). Without that variable the PostgreSQL cases are listed as
//! skipped (in `REGIE_SKIPPED_LOG`), and under `CI=true` they fail instead.

use regie_db::Database;

/// What must live as long as the test's catalogue.
pub enum Scratch {
    Folder(#[allow(dead_code)] tempfile::TempDir),
    Postgres,
}

pub async fn sqlite() -> (Scratch, Database) {
    let folder = tempfile::tempdir().unwrap();
    let database = Database::open_sqlite(&folder.path().join("catalogue.sqlite")).await.unwrap();
    (Scratch::Folder(folder), database)
}

/// The URL of a new, empty database on the test server, or `None` when there is no server.
pub async fn postgres_url(test: &str) -> Option<String> {
    let Ok(admin) = std::env::var("REGIE_TEST_POSTGRES") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "REGIE_TEST_POSTGRES is not set: under CI the PostgreSQL tests must run (scripts/test.sh starts a server)"
        );
        if let Ok(log) = std::env::var("REGIE_SKIPPED_LOG") {
            use std::io::Write;
            let mut file = std::fs::File::options().append(true).create(true).open(log).unwrap();
            writeln!(file, "regie-db {test} on PostgreSQL (REGIE_TEST_POSTGRES not set)").unwrap();
        }
        return None;
    };
    let name = format!("regie_{}", uuid::Uuid::now_v7().simple());
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(&admin).await.expect("the PostgreSQL test server answers");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut connection).await.unwrap();
    connection.close().await.unwrap();
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    Some(format!("{base}/{name}"))
}

pub async fn postgres(test: &str) -> Option<(Scratch, Database)> {
    let url = postgres_url(test).await?;
    Some((Scratch::Postgres, Database::open_postgres(&url).await.unwrap()))
}

/// Runs each named `async fn(Database)` of the calling module as two tests, one per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (_scratch, database) = $crate::backend::sqlite().await;
                    super::$case(database).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some((_scratch, database)) = $crate::backend::postgres(stringify!($case)).await else { return };
                    super::$case(database).await;
                }
            )*
        }
    };
}
