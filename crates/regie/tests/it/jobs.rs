//! The job queue driven through the CLI: idempotency, cancel, retry, a killed worker's lease,
//! a source ffmpeg cannot decode.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{SmallDisk, TestRegie};
use crate::previews::blob;

fn job(regie: &TestRegie, id: &str) -> Value {
    regie.json(&["jobs", "show", id, "--json"])
}

fn start_worker(regie: &TestRegie, lease_s: &str) -> Child {
    regie
        .command()
        .env("REGIE_JOBS_LEASE_S", lease_s)
        .args(["worker", "--until-idle", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until the job runs and has reported some progress.
fn wait_for_progress(regie: &TestRegie, id: &str) -> Value {
    let started = Instant::now();
    loop {
        let record = job(regie, id);
        if record["state"] == "running" && record["progress"].as_f64().unwrap_or(0.0) > 0.0 {
            return record;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the job never made progress: {record:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn queuing_the_same_work_twice_gives_the_same_job_and_cancel_then_retry_runs_it_once() {
    let regie = TestRegie::new();
    let asset = regie.ingest_without_previews("h264_aac.mp4");
    let first = regie.json(&["transcode", &asset, "--profile", "mobile-540p", "--json"]);
    let second = regie.json(&["transcode", &asset, "--profile", "mobile-540p", "--json"]);
    assert_eq!(first["job_id"], second["job_id"]);
    assert_eq!((first["created"].as_bool(), second["created"].as_bool()), (Some(true), Some(false)));
    let id = first["job_id"].as_str().unwrap();

    assert_eq!(regie.json(&["jobs", "cancel", id, "--json"])["state"], "cancelled");
    let idle = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(idle.status.success() && idle.stdout.is_empty(), "a cancelled job does not run");
    let again = regie.run(&["jobs", "cancel", id]);
    assert_eq!(again.status.code(), Some(2), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already cancelled"));

    assert_eq!(regie.json(&["jobs", "retry", id, "--json"])["state"], "queued");
    let refused = regie.run(&["jobs", "retry", id]);
    assert_eq!(refused.status.code(), Some(2));
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success());
    let record = job(&regie, id);
    assert_eq!(record["state"], "succeeded");
    assert_eq!(record["attempts"], 1);
    assert_eq!(regie.rendition_count(), 1);
}

#[test]
fn cancelling_a_running_transcode_kills_ffmpeg_and_keeps_nothing() {
    let regie = TestRegie::new();
    let asset = regie.ingest_without_previews("interlaced_1080i25.mxf");
    let id =
        regie.json(&["transcode", &asset, "--profile", "prores-hq", "--json"])["job_id"].as_str().unwrap().to_owned();
    let mut worker = start_worker(&regie, "1");
    let running = wait_for_progress(&regie, &id);
    assert!(running["eta_seconds"].as_f64().is_some(), "{running:#}");
    regie.json(&["jobs", "cancel", &id, "--json"]);
    let status = worker.wait().unwrap();
    assert!(status.success());
    let record = job(&regie, &id);
    assert_eq!(record["state"], "cancelled", "{record:#}");
    assert_eq!(regie.rendition_count(), 0);
    assert!(!regie.data().join("work").join(&id).exists(), "the work folder is removed");
    let ffmpeg_left = std::process::Command::new("pgrep").args(["-f", &id]).output().unwrap();
    assert!(ffmpeg_left.stdout.is_empty(), "no ffmpeg left running for the job");
}

#[test]
fn a_killed_worker_leaves_no_rendition_and_the_job_completes_after_its_lease_runs_out() {
    let regie = TestRegie::new();
    let asset = regie.ingest_without_previews("interlaced_1080i25.mxf");
    let id = regie.json(&["transcode", &asset, "--profile", "broadcast-xdcamhd50", "--json"])["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut worker = start_worker(&regie, "2");
    wait_for_progress(&regie, &id);
    worker.kill().unwrap(); // SIGKILL
    worker.wait().unwrap();
    assert_eq!(regie.rendition_count(), 0, "no partial rendition");
    assert_eq!(job(&regie, &id)["state"], "running", "the queue still believes the dead worker runs it");

    let output =
        regie.command().env("REGIE_JOBS_LEASE_S", "2").args(["worker", "--until-idle", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record = job(&regie, &id);
    assert_eq!(record["state"], "succeeded", "{record:#}");
    assert_eq!(record["attempts"], 2);
    let log: Vec<&str> =
        record["log"].as_array().unwrap().iter().map(|line| line["message"].as_str().unwrap()).collect();
    assert!(log.iter().any(|line| line.contains("ran out")), "{log:#?}");
    let renditions: Vec<Value> =
        regie.assets().iter().flat_map(|asset| asset["renditions"].as_array().unwrap().clone()).collect();
    assert_eq!(renditions.len(), 1);
    let files = renditions[0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let digest = files[0]["blake3"].as_str().unwrap();
    let bytes = std::fs::read(blob(&regie, digest)).unwrap();
    assert_eq!(bytes.len() as u64, files[0]["size"].as_u64().unwrap());
    assert_eq!(blake3::hash(&bytes).to_hex().as_str(), digest);
    assert!(!regie.data().join("work").join(&id).exists());
}

#[test]
fn a_source_ffmpeg_cannot_decode_fails_at_once_with_ffmpegs_words() {
    let regie = TestRegie::new();
    let asset = regie.ingest_without_previews("h264_aac.mp4");
    // The stored original rots: its bytes are no longer media.
    let original = regie.original_blake3();
    let path = blob(&regie, &original);
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&path, permissions).unwrap();
    std::fs::write(&path, vec![0x5a; 4096]).unwrap();

    let id = regie.json(&["previews", &asset, "--json"])["job_id"].as_str().unwrap().to_owned();
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert_eq!(worker.status.code(), Some(1), "a failed job makes the worker's exit code 1");
    let record = job(&regie, &id);
    assert_eq!(record["state"], "failed");
    assert_eq!(record["attempts"], 1, "bad input is not retried");
    let error = record["error"].as_str().unwrap();
    assert!(error.contains("Invalid data found when processing input"), "{error}");
    let files = regie.json(&["assets", "show", &asset, "--json"])["files"].as_array().unwrap().len();
    assert_eq!(files, 1, "nothing but the original");
}

#[test]
fn a_full_disk_fails_the_transcode_cleanly() {
    let regie = TestRegie::new();
    let data = regie.data();
    let Some(disk) = SmallDisk::mount(&data, "12m", "jobs::a_full_disk_fails_the_transcode_cleanly") else { return };
    let asset = regie.ingest_without_previews("h264_aac.mp4");
    let queued = regie
        .command()
        .env("REGIE_JOBS_MAX_ATTEMPTS", "1")
        .args(["transcode", &asset, "--profile", "prores-hq", "--json"])
        .output()
        .unwrap();
    let id = serde_json::from_slice::<Value>(&queued.stdout).unwrap()["job_id"].as_str().unwrap().to_owned();
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    let record = job(&regie, &id);
    let work_left = data.join("work").join(&id).exists();
    let renditions = regie.rendition_count();
    drop(disk);

    assert_eq!(worker.status.code(), Some(1), "{}", String::from_utf8_lossy(&worker.stderr));
    assert_eq!(record["state"], "failed", "{record:#}");
    assert!(record["error"].as_str().unwrap().contains("disk is full"), "{record:#}");
    assert!(!work_left, "the partial output is removed");
    assert_eq!(renditions, 0);
}

#[test]
fn a_partial_output_is_never_reported_as_a_success() {
    let regie = TestRegie::new();
    let asset = regie.ingest_without_previews("interlaced_1080i25.mxf");
    // The stored original loses its second half: ffmpeg decodes what is left and stops early.
    let original = regie.original_blake3();
    let path = blob(&regie, &original);
    let bytes = std::fs::read(&path).unwrap();
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&path, permissions).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();

    let id =
        regie.json(&["transcode", &asset, "--profile", "mobile-540p", "--json"])["job_id"].as_str().unwrap().to_owned();
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert_eq!(worker.status.code(), Some(1));
    let record = job(&regie, &id);
    assert_eq!(record["state"], "failed", "{record:#}");
    let error = record["error"].as_str().unwrap();
    assert!(error.contains("the source lasts 5.000 s"), "{error}");
    assert_eq!(regie.rendition_count(), 0);
}

#[test]
fn a_verify_job_rereads_every_stored_file_and_names_the_one_that_rotted() {
    let regie = TestRegie::new();
    let asset = regie.ingest_without_previews("pcm24.wav");
    let queue = |id: &str| {
        // No command queues fixity checks yet: the job goes into the catalogue as a scheduler would put it.
        let sql = format!(
            "INSERT INTO jobs (id, kind, asset_id, payload, state, priority, max_attempts, run_after, created_at)
             VALUES ('{id}', 'verify', '{asset}', '{{}}', 'queued', 0, 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')"
        );
        regie.execute(&sql);
    };
    queue("verify-1");
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let checked = job(&regie, "verify-1");
    assert_eq!(checked["state"], "succeeded", "{checked}");
    assert_eq!(checked["result"]["files_verified"], 1);

    let stored = regie.blobs();
    assert_eq!(stored.len(), 1);
    let mut permissions = std::fs::metadata(&stored[0]).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&stored[0], permissions).unwrap();
    let mut bytes = std::fs::read(&stored[0]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&stored[0], bytes).unwrap();
    queue("verify-2");
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert_eq!(worker.status.code(), Some(1), "a failed check makes the worker's exit code non-zero");
    let failed = job(&regie, "verify-2");
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(failed["error"].as_str().unwrap().contains("original file"), "{failed}");
}
