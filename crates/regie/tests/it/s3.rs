//! The blob store in a bucket of a real S3-protocol server (s3s-fs, which verifies checksums):
//! ingest uploads before the row, jobs work on fetched copies, downloads (with Range) and gc work,
//! nothing of the data folder's own store is used; an unreachable bucket fails each file cleanly.

use serde_json::json;

#[path = "../../../regie-storage/tests/support/s3_server.rs"]
pub mod s3_server;

use crate::fixtures;
use crate::harness::TestRegie;
use crate::served::Served;
use s3_server::S3Server;

/// A bucket on a running S3 server, for tests elsewhere that need a shared store.
pub struct S3Bucket {
    server: S3Server,
}

impl S3Bucket {
    pub fn start() -> Self {
        Self { server: S3Server::start("media") }
    }

    /// A data folder whose blobs live in the bucket.
    pub fn regie(&self) -> TestRegie {
        on_bucket(&self.server, "s3://media/shared")
    }
}

fn on_bucket(server: &S3Server, url: &str) -> TestRegie {
    let mut regie = TestRegie::new();
    regie.environment = server.environment().into_iter().map(|(name, value)| (name.to_owned(), value)).collect();
    regie.environment.push(("REGIE_STORE".to_owned(), url.to_owned()));
    regie
}

fn files_under(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            found.extend(files_under(&entry.path()));
        } else {
            found.push(entry.path());
        }
    }
    found
}

#[test]
fn ingest_jobs_downloads_and_gc_work_on_a_bucket() {
    let server = S3Server::start("media");
    let regie = on_bucket(&server, "s3://media/house");
    let inbox = regie.scratch("inbox");
    let paths = fixtures::copy_into(&inbox, &["h264_aac.mp4"]);
    let inputs: Vec<&std::path::Path> = paths.iter().map(std::path::PathBuf::as_path).collect();
    let (code, lines) = regie.ingest(&inputs, &[]);
    assert_eq!(code, 0, "{lines:?}");
    let asset = lines[0]["asset_id"].as_str().unwrap().to_owned();
    let original_blake3 = lines[0]["blake3"].as_str().map(str::to_owned);
    let objects = server.objects("media");
    assert_eq!(objects.len(), 1, "the original is in the bucket: {objects:?}");
    if let Some(blake3) = original_blake3 {
        assert!(objects[0].ends_with(&blake3), "{objects:?}");
    }

    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let shown = regie.json(&["assets", "show", &asset, "--json"]);
    let roles: Vec<&str> =
        shown["files"].as_array().unwrap().iter().map(|file| file["role"].as_str().unwrap()).collect();
    assert!(roles.contains(&"proxy") && roles.contains(&"poster"), "previews made from a fetched copy: {roles:?}");
    let rendition_files: u64 =
        shown["renditions"].as_array().unwrap().iter().map(|rendition| rendition["file_count"].as_u64().unwrap()).sum();
    assert!(rendition_files > 0, "the shots' keyframes: {shown:#}");
    assert_eq!(
        server.objects("media").len() as u64,
        shown["files"].as_array().unwrap().len() as u64 + rendition_files,
        "every file is an object"
    );
    let local = files_under(&regie.data().join("store"));
    assert!(
        local.is_empty(),
        "nothing stays in the data folder's store (staged and fetched copies removed): {local:?}"
    );

    let gc = regie.json(&["gc", "--json"]);
    assert_eq!(gc["removed_blobs"], json!([]), "referenced (and fresh) blobs are kept");

    let served = Served::start(regie);
    served.add_user("ada", "admin");
    let token = served.login("ada");
    let original = std::fs::read(&paths[0]).unwrap();
    let ranged = served.raw(
        "GET",
        &format!("/api/v1/assets/{asset}/files/original"),
        &[("authorization".to_owned(), format!("Bearer {token}")), ("range".to_owned(), "bytes=100-1123".to_owned())],
        None,
    );
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.body, original[100..1124].to_vec());
    assert_eq!(ranged.header("content-range"), Some(format!("bytes 100-1123/{}", original.len())));
    let whole = served.get(&format!("/api/v1/assets/{asset}/files/original"), &token);
    assert!(whole.body == original, "the whole original, read from the bucket as it is sent");
    let auth = ("authorization".to_owned(), format!("Bearer {token}"));
    let tail = served.raw(
        "GET",
        &format!("/api/v1/assets/{asset}/files/original"),
        &[auth.clone(), ("range".to_owned(), "bytes=-10".to_owned())],
        None,
    );
    assert_eq!((tail.status, tail.body.clone()), (206, original[original.len() - 10..].to_vec()));
    let past = served.raw(
        "GET",
        &format!("/api/v1/assets/{asset}/files/original"),
        &[auth, ("range".to_owned(), format!("bytes={}-", original.len()))],
        None,
    );
    assert_eq!(past.status, 416);
    assert!(files_under(&served.regie.data().join("store")).is_empty(), "downloads from a bucket leave nothing behind");
    assert_eq!(served.raw("GET", "/readyz", &[], None).status, 200);
}

#[test]
fn an_unreachable_bucket_fails_each_file_and_writes_no_row() {
    let server = S3Server::start("media");
    let regie = on_bucket(&server, "s3://media");
    drop(server);
    let inbox = regie.scratch("inbox");
    let paths = fixtures::copy_into(&inbox, &["pcm24.wav", "h264_aac.mp4"]);
    let inputs: Vec<&std::path::Path> = paths.iter().map(std::path::PathBuf::as_path).collect();
    let (code, lines) = regie.ingest(&inputs, &[]);
    assert_eq!(code, 1, "{lines:?}");
    let failed: Vec<_> = lines.iter().filter(|line| line["status"] == "failed").collect();
    assert_eq!(failed.len(), 2, "{lines:?}");
    for line in failed {
        assert!(line["error"].as_str().unwrap().contains("s3://media"), "the error names the store: {line}");
    }
    let listed = regie.json(&["assets", "list", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len).unwrap_or(0), 0, "no row without its object: {listed}");
    let doctor = regie.run(&["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let store = report["checks"].as_array().unwrap().iter().find(|check| check["name"] == "store").unwrap().clone();
    assert_eq!(store["ok"], json!(false), "{report}");
}

#[test]
fn an_installation_moves_to_postgres_and_s3_verified_and_resumable() {
    if crate::harness::on_postgres() {
        return; // the source of a move is a SQLite installation: the SQLite pass runs it
    }
    let Some(_) = postgres_server() else { return };
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let paths = fixtures::copy_into(&inbox, &["h264_aac.mp4", "pcm24.wav"]);
    let inputs: Vec<&std::path::Path> = paths.iter().map(std::path::PathBuf::as_path).collect();
    let (code, lines) = regie.ingest(&inputs, &["--collection", "news/2026"]);
    assert_eq!(code, 0, "{lines:?}");
    let worker = regie.run(&["worker", "--until-idle"]);
    assert!(worker.status.success());
    let video = lines.iter().find(|line| line["path"].as_str().unwrap().ends_with("h264_aac.mp4")).unwrap();
    let asset = video["asset_id"].as_str().unwrap().to_owned();
    assert!(regie.run(&["assets", "tag", &asset, "moved"]).status.success());
    let local_blobs = regie.blobs().len();
    let before = regie.json(&["assets", "list", "--json"]);

    let server = S3Server::start("media");
    let target = crate::harness::new_postgres_database();
    let move_once = || {
        let mut command = regie.command();
        command.envs(server.environment());
        command.args(["move", "--to-database", &target, "--to-store", "s3://media/moved", "--json"]);
        command.output().unwrap()
    };
    let first = move_once();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["blobs_copied"], json!(local_blobs), "{report}");
    assert!(!report.to_string().contains("postgres@"), "no credentials in the report: {report}");
    let again: serde_json::Value = serde_json::from_slice(&move_once().stdout).unwrap();
    assert_eq!((again["blobs_copied"].clone(), again["blobs_already_there"].clone()), (json!(0), json!(local_blobs)));

    // Another node on the moved catalogue and bucket sees the same installation.
    let mut node = TestRegie::new();
    node.database_url = Some(target.clone());
    node.environment = server.environment().into_iter().map(|(name, value)| (name.to_owned(), value)).collect();
    node.environment.push(("REGIE_STORE".to_owned(), "s3://media/moved".to_owned()));
    assert_eq!(node.json(&["assets", "list", "--json"]), before);
    let verified = node.json(&["audit", "verify", "--json"]);
    assert_eq!(verified["intact"], json!(true), "{verified}");
    let shown = node.json(&["assets", "show", &asset, "--json"]);
    assert_eq!(shown["tags"], json!(["moved"]));
    let served = Served::start(node);
    served.add_user("ada", "admin");
    let token = served.login("ada");
    let original = served.get(&format!("/api/v1/assets/{asset}/files/original"), &token);
    assert!(original.body == std::fs::read(&paths[0]).unwrap(), "the original comes back from the bucket intact");

    // A blob that rotted in the source is not carried over, and no row moves without its blob.
    let rotten = regie.blobs()[0].clone();
    let mut permissions = std::fs::metadata(&rotten).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&rotten, permissions).unwrap();
    let mut bytes = std::fs::read(&rotten).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&rotten, bytes).unwrap();
    let fresh = crate::harness::new_postgres_database();
    let mut command = regie.command();
    command.envs(server.environment());
    let refused =
        command.args(["move", "--to-database", &fresh, "--to-store", "s3://media/second", "--json"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(report["blobs_failed"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["rows"], json!([]), "no row was moved");
}

/// The PostgreSQL test server, when there is one (under CI there must be).
fn postgres_server() -> Option<String> {
    match std::env::var("REGIE_TEST_POSTGRES") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "under CI the PostgreSQL tests must run");
            if let Ok(log) = std::env::var("REGIE_SKIPPED_LOG") {
                use std::io::Write;
                let mut file = std::fs::File::options().append(true).create(true).open(log).unwrap();
                writeln!(file, "s3::an_installation_moves_to_postgres_and_s3 (REGIE_TEST_POSTGRES not set)").unwrap();
            }
            None
        }
    }
}
