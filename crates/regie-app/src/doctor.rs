//! `regie doctor`: what is wrong with a configuration, in words. Each check runs on its own, so
//! an unreachable database does not hide a missing ffmpeg; nothing is changed (a new catalogue is
//! still created and migrated, as any command would).

use std::time::Duration;

use regie_db::Database;
use regie_media::ToolRunner;
use serde::Serialize;

use crate::Settings;
use crate::uploads::free_bytes;

/// Clocks further apart than this make lease expiries and audit times disagree between machines.
const MAX_CLOCK_SKEW_S: f64 = 2.0;

/// The data folder's disk should keep at least this much free.
const LOW_DISK_BYTES: u64 = 1 << 30;

/// The outcome of one check.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorCheck {
    pub name: &'static str,
    pub ok: bool,
    pub message: String,
}

/// Every check, in order; `healthy` when all passed.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub healthy: bool,
    pub checks: Vec<DoctorCheck>,
}

fn check(name: &'static str, outcome: Result<String, String>) -> DoctorCheck {
    match outcome {
        Ok(message) => DoctorCheck { name, ok: true, message },
        Err(message) => DoctorCheck { name, ok: false, message },
    }
}

/// Runs every check against `settings`.
pub async fn doctor(settings: &Settings) -> DoctorReport {
    let mut checks = vec![check("data-folder", data_folder(settings))];
    let opened = match &settings.database_url {
        Some(url) => tokio::time::timeout(Duration::from_secs(15), Database::open_url(url)).await,
        None => Ok(Database::open_sqlite(&settings.data_dir.join("catalogue.sqlite")).await),
    };
    match opened {
        Err(_) => checks.push(check("database", Err(unreachable(settings)))),
        Ok(Err(error)) => checks.push(check("database", Err(explain_database(settings, &error)))),
        Ok(Ok(database)) => {
            checks.push(check("database", Ok(format!("{} answers", describe(settings)))));
            checks.push(check("schema", schema(&database).await));
            checks.push(check("clock", clock(&database).await));
            database.close().await;
        }
    }
    checks.push(check("store", store(settings).await));
    let tools = ToolRunner::new(1, Duration::from_secs(20)).tool_versions().await;
    checks.push(check("ffmpeg", tools.map(|versions| versions.join("; ")).map_err(|error| error.to_string())));
    checks.push(check("embedding-engine", embedding_engine(settings).await));
    DoctorReport { healthy: checks.iter().all(|check| check.ok), checks }
}

/// Semantic search is optional: off is fine, on with an engine that does not answer is not.
async fn embedding_engine(settings: &Settings) -> Result<String, String> {
    let intelligence = &settings.intelligence;
    if !intelligence.semantic_search {
        return Ok("semantic search is off: `scripts/install-embed.sh` installs its engine".to_owned());
    }
    let engine = regie_media::EmbeddingEngine::new(intelligence.embed_engine.clone(), 1, Duration::from_secs(60));
    match engine.embed(regie_media::TextKind::Query, &["regie doctor".to_owned()]).await {
        Ok(_) => Ok(format!("{} answers: semantic search is on", intelligence.embed_engine.display())),
        Err(error) => Err(error.to_string()),
    }
}

fn describe(settings: &Settings) -> String {
    match &settings.database_url {
        Some(url) => format!("PostgreSQL at {}", regie_db::redact_url(url)),
        None => format!("SQLite at {}", settings.data_dir.join("catalogue.sqlite").display()),
    }
}

fn unreachable(settings: &Settings) -> String {
    format!("{} did not answer within 15 s: is the server running, and is the address right?", describe(settings))
}

/// The database error in the words an operator acts on.
fn explain_database(settings: &Settings, error: &regie_db::DbError) -> String {
    let text = error.to_string();
    let hint = if text.contains("password authentication failed") || text.contains("28P01") {
        "wrong user name or password in the database URL"
    } else if text.contains("does not exist") && text.contains("database") {
        "the database does not exist: create it (createdb NAME) or fix its name in the URL"
    } else if text.contains("Connection refused") || text.contains("connection refused") {
        "nothing listens at that host and port: start PostgreSQL or fix the URL"
    } else if text.contains("failed to lookup address") || text.contains("Name or service not known") {
        "the host name of the database URL does not resolve"
    } else if text.contains("pool timed out") {
        "the server did not answer in time (a firewall, or a server refusing connections)"
    } else {
        "see the message"
    };
    format!("cannot use {}: {hint} ({text})", describe(settings))
}

fn data_folder(settings: &Settings) -> Result<String, String> {
    let folder = &settings.data_dir;
    std::fs::create_dir_all(folder).map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    let probe = folder.join(format!(".doctor-{}", std::process::id()));
    std::fs::write(&probe, b"probe").map_err(|error| format!("cannot write in {}: {error}", folder.display()))?;
    let _ = std::fs::remove_file(&probe);
    let free = free_bytes(folder).map_err(|error| error.to_string())?;
    if free < LOW_DISK_BYTES {
        return Err(format!("{} has only {free} bytes free: ingest and jobs will be refused", folder.display()));
    }
    Ok(format!("{} is writable, {} GiB free", folder.display(), free >> 30))
}

async fn store(settings: &Settings) -> Result<String, String> {
    let local = regie_storage::BlobStore::open(settings.data_dir.join("store")).map_err(|error| error.to_string())?;
    let store = match &settings.store_url {
        Some(url) => local.with_remote(regie_storage::S3Blobs::open(url).map_err(|error| error.to_string())?),
        None => local,
    };
    match tokio::time::timeout(Duration::from_secs(15), store.check()).await {
        Err(_) => {
            Err(format!("{} did not answer within 15 s: check AWS_ENDPOINT_URL and the network", store.location()))
        }
        Ok(Err(error)) => {
            let text = error.to_string();
            let hint = if text.contains("NoSuchBucket") || text.contains("does not exist") {
                "the bucket does not exist: create it, or fix its name"
            } else if text.contains("InvalidAccessKeyId")
                || text.contains("SignatureDoesNotMatch")
                || text.contains("AccessDenied")
                || text.contains("403")
            {
                "the credentials are refused: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            } else if text.contains("onnect") {
                "nothing answers at the endpoint: check AWS_ENDPOINT_URL (and AWS_ALLOW_HTTP for http://)"
            } else {
                "see the message"
            };
            Err(format!("cannot use {}: {hint} ({text})", store.location()))
        }
        Ok(Ok(())) => Ok(format!("{} answers", store.location())),
    }
}

async fn schema(database: &Database) -> Result<String, String> {
    let state = database.schema_state().await.map_err(|error| error.to_string())?;
    if state.version < state.expected {
        return Err(format!(
            "schema at version {} but this regie needs {}: run `regie migrate`",
            state.version, state.expected
        ));
    }
    if state.version > state.expected {
        return Err(format!(
            "schema at version {} is newer than this regie knows ({}): upgrade regie on this machine",
            state.version, state.expected
        ));
    }
    Ok(format!("schema at version {} ({} migrations)", state.version, state.applied.len()))
}

async fn clock(database: &Database) -> Result<String, String> {
    let Some(server) = database.server_clock().await.map_err(|error| error.to_string())? else {
        return Ok("SQLite shares this machine's clock".to_owned());
    };
    let here = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    let skew = here - server;
    if skew.abs() > MAX_CLOCK_SKEW_S {
        return Err(format!(
            "this machine's clock is {skew:+.1} s off the database server's: leases and audit times will disagree; synchronise the clocks (NTP)"
        ));
    }
    Ok(format!("clocks agree within {:.2} s", skew.abs()))
}
