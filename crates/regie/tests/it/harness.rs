//! Running the binary against a temporary data folder, and reading its catalogue directly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// A data folder of its own and the commands to drive regie on it. Under
/// `REGIE_TEST_BACKEND=postgres` its catalogue is a new database on the server named by
/// `REGIE_TEST_POSTGRES`, so the same tests run on both backends.
pub struct TestRegie {
    pub folder: TempDir,
    /// The PostgreSQL catalogue of this test, when the suite runs on PostgreSQL.
    pub database_url: Option<String>,
    /// Variables every command of this test gets (an S3 store's address and credentials).
    pub environment: Vec<(String, String)>,
}

/// The URL of a new, empty database on the PostgreSQL test server.
pub fn new_postgres_database() -> String {
    let admin = std::env::var("REGIE_TEST_POSTGRES")
        .expect("REGIE_TEST_BACKEND=postgres needs REGIE_TEST_POSTGRES (scripts/postgres.sh prints it)");
    let name = format!("regie_it_{}", uuid_like());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut connection = sqlx::PgConnection::connect(&admin).await.expect("the PostgreSQL test server answers");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut connection).await.unwrap();
    });
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}

/// A name no other test of this run takes.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{}_{}", std::process::id(), nanos, NEXT.fetch_add(1, Ordering::Relaxed))
}

pub fn on_postgres() -> bool {
    std::env::var("REGIE_TEST_BACKEND").as_deref() == Ok("postgres")
}

impl TestRegie {
    pub fn new() -> Self {
        let database_url = on_postgres().then(new_postgres_database);
        Self { folder: tempfile::tempdir().expect("a temporary folder"), database_url, environment: Vec::new() }
    }

    /// Another data folder (another node) on the same PostgreSQL catalogue as `other`.
    pub fn sharing_database(other: &TestRegie) -> Self {
        Self {
            folder: tempfile::tempdir().expect("a temporary folder"),
            database_url: other.database_url.clone(),
            environment: other.environment.clone(),
        }
    }

    pub fn data(&self) -> PathBuf {
        self.folder.path().join("data")
    }

    /// A scratch folder beside the data folder, for inputs.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let path = self.folder.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_regie"));
        command.arg("--data").arg(self.data());
        command.env_remove("REGIE_DATA").env_remove("REGIE_CONFIG").env_remove("REGIE_DATABASE_URL");
        if let Some(url) = &self.database_url {
            command.env("REGIE_DATABASE_URL", url);
        }
        command.envs(self.environment.iter().map(|(name, value)| (name.as_str(), value.as_str())));
        command
    }

    pub fn run(&self, arguments: &[&str]) -> Output {
        self.command().args(arguments).output().expect("regie runs")
    }

    /// Runs and parses stdout as one JSON document, asserting success.
    pub fn json(&self, arguments: &[&str]) -> Value {
        let output = self.run(arguments);
        assert!(output.status.success(), "regie {arguments:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stdout)))
    }

    /// Ingests with `--json` and returns the exit code and one JSON value per line.
    pub fn ingest(&self, paths: &[&Path], extra: &[&str]) -> (i32, Vec<Value>) {
        let mut command = self.command();
        command.arg("ingest").arg("--json").args(extra).args(paths);
        let output = command.output().expect("regie runs");
        (output.status.code().unwrap_or(-1), json_lines(&output.stdout))
    }

    /// Runs SQL against the catalogue and returns the rows as strings. Assertions go through the
    /// CLI or the API (`assets`, `audit_entries`...); this is for what no command shows on
    /// purpose: how secrets are stored, or the job logs of thousands of jobs at once.
    pub fn query(&self, sql: &'static str) -> Vec<Vec<String>> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            use sqlx::Connection;
            match &self.database_url {
                Some(url) => {
                    let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
                    rows_as_text(sqlx::query(sql).fetch_all(&mut connection).await.unwrap())
                }
                None => {
                    let url = format!("sqlite://{}", self.data().join("catalogue.sqlite").display());
                    let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
                    rows_as_text(sqlx::query(sql).fetch_all(&mut connection).await.unwrap())
                }
            }
        })
    }

    /// Runs one SQL statement against the catalogue: to tamper with it as an attacker would, to
    /// age a token, or to queue jobs as a scheduler would where no command does yet.
    pub fn execute(&self, sql: &str) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            use sqlx::Connection;
            let statement = sqlx::AssertSqlSafe(sql.to_owned());
            match &self.database_url {
                Some(url) => {
                    let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
                    sqlx::query(statement).execute(&mut connection).await.unwrap();
                }
                None => {
                    let url = format!("sqlite://{}", self.data().join("catalogue.sqlite").display());
                    let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
                    sqlx::query(statement).execute(&mut connection).await.unwrap();
                }
            }
        });
    }

    /// Ingests one fixture without queuing its previews (nor its fingerprinting: no job at all)
    /// and returns the asset id.
    pub fn ingest_without_previews(&self, fixture: &str) -> String {
        let paths = crate::fixtures::copy_into(&self.scratch("inbox"), &[fixture]);
        let output = self
            .command()
            .env("REGIE_JOBS_PREVIEWS_AT_INGEST", "0")
            .env("REGIE_INTELLIGENCE_FINGERPRINT_AT_INGEST", "0")
            .arg("ingest")
            .arg("--json")
            .arg(&paths[0])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let line: Value = serde_json::from_slice(&output.stdout).unwrap();
        line["asset_id"].as_str().unwrap().to_owned()
    }

    /// How many assets the catalogue lists (`assets list`, whichever backend).
    pub fn asset_count(&self) -> usize {
        self.json(&["assets", "list", "--json"]).as_array().map_or(0, Vec::len)
    }

    /// Every asset as `assets show --json` gives it, in listing order.
    pub fn assets(&self) -> Vec<Value> {
        let listed = self.json(&["assets", "list", "--json"]);
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|asset| self.json(&["assets", "show", asset["id"].as_str().unwrap(), "--json"]))
            .collect()
    }

    /// Renditions of every asset (`assets show`).
    pub fn rendition_count(&self) -> usize {
        self.assets().iter().map(|asset| asset["renditions"].as_array().map_or(0, Vec::len)).sum()
    }

    /// The BLAKE3 of the original file of the only asset.
    pub fn original_blake3(&self) -> String {
        let assets = self.assets();
        assert_eq!(assets.len(), 1, "one asset expected");
        let files = assets[0]["files"].as_array().unwrap();
        let original = files.iter().find(|file| file["role"] == "original").unwrap();
        original["blake3"].as_str().unwrap().to_owned()
    }

    /// The audit entries of `action`, oldest first (`audit list`).
    pub fn audit_entries(&self, action: &str) -> Vec<Value> {
        let entries = self.json(&["audit", "list", "--limit", "100000", "--json"]);
        entries.as_array().unwrap().iter().filter(|entry| entry["action"] == action).cloned().collect()
    }

    /// Where the data folder's store keeps the blob of `blake3`.
    pub fn blob(&self, blake3: &str) -> PathBuf {
        blob_in(&self.data().join("store"), blake3)
    }

    /// Every blob file in the store.
    pub fn blobs(&self) -> Vec<PathBuf> {
        files_under(&self.data().join("store/blobs"))
    }

    pub fn temporaries(&self) -> Vec<PathBuf> {
        files_under(&self.data().join("store/tmp"))
    }
}

pub fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect()
}

/// Where the store folder at `root` keeps the blob of `blake3`, by the layout it declares
/// (`blobs/ab/<blake3>`; `blobs/ab/cd/<blake3>` in stores made before that layout).
pub fn blob_in(root: &Path, blake3: &str) -> PathBuf {
    let layout = std::fs::read_to_string(root.join("layout")).unwrap_or_default();
    let blobs = root.join("blobs").join(&blake3[0..2]);
    if layout.trim() == "blobs/ab/cd/<blake3>" { blobs.join(&blake3[2..4]).join(blake3) } else { blobs.join(blake3) }
}

pub fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The outcome line for a path ending in `name`.
pub fn outcome_for<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|line| line["path"].as_str().is_some_and(|path| path.ends_with(name)))
        .unwrap_or_else(|| panic!("no outcome for {name} in {lines:#?}"))
}

/// A small tmpfs mounted on a folder, unmounted when dropped: a disk that fills up.
pub struct SmallDisk {
    folder: PathBuf,
}

impl SmallDisk {
    /// Mounts `size` (`3m`) on `folder`. Mounting needs root: under `CI=true` a refusal fails the
    /// test; elsewhere the test is reported as skipped (on stderr and in the file named by
    /// `REGIE_SKIPPED_LOG`, which `scripts/test.sh` counts in its closing line) and `None` is
    /// returned.
    pub fn mount(folder: &Path, size: &str, test: &str) -> Option<Self> {
        std::fs::create_dir_all(folder).unwrap();
        let mounted =
            Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(folder).status();
        if mounted.is_ok_and(|status| status.success()) {
            return Some(Self { folder: folder.to_owned() });
        }
        skip(test, "mounting a small tmpfs needs root");
        None
    }
}

/// Reports a test that cannot run here as skipped (on stderr and in the file named by
/// `REGIE_SKIPPED_LOG`, counted by `scripts/test.sh`); under `CI=true` it fails instead.
pub fn skip(test: &str, reason: &str) {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{test}: {reason}, and CI must run it");
    eprintln!("skipped: {test}: {reason}");
    if let Ok(log) = std::env::var("REGIE_SKIPPED_LOG") {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        writeln!(file, "{test}: {reason}").unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.folder).status();
    }
}

/// Rows of either backend as strings (integers printed, NULL as "NULL").
fn rows_as_text<R>(rows: Vec<R>) -> Vec<Vec<String>>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    use sqlx::ValueRef;
    rows.iter()
        .map(|row| {
            (0..row.columns().len())
                .map(|index| {
                    if row.try_get_raw(index).unwrap().is_null() {
                        return "NULL".to_owned();
                    }
                    row.try_get::<String, _>(index)
                        .or_else(|_| row.try_get::<i64, _>(index).map(|value| value.to_string()))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect()
}
