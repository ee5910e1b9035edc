//! Keeping media safe: copies in a second folder and in a real S3 bucket made by jobs, bit flips
//! injected into copies found by `fixity run` and repaired from a good copy, missing and
//! unreadable copies, a blob bad everywhere reported and never "repaired", copies and repairs
//! killed with SIGKILL and resumed, the fixity schedule run by a worker.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixtures;
use crate::harness::{TestRegie, blob_in, files_under};
use crate::s3::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};

fn write_config(regie: &TestRegie, text: &str) {
    std::fs::create_dir_all(regie.data()).unwrap();
    std::fs::write(regie.data().join("regie.toml"), format!("[jobs]\npreviews_at_ingest = false\n{text}")).unwrap();
}

fn ingest_into_news(regie: &TestRegie, files: &[PathBuf]) -> Vec<String> {
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (code, lines) = regie.ingest(&inputs, &["--collection", "news"]);
    assert_eq!(code, 0, "{lines:?}");
    lines.iter().map(|line| line["asset_id"].as_str().unwrap().to_owned()).collect()
}

fn run_worker(regie: &TestRegie) {
    let output = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// `fixity run` with `--json`: its exit code and report.
fn fixity(regie: &TestRegie, extra: &[&str]) -> (i32, Value) {
    let mut arguments = vec!["fixity", "run", "--json"];
    arguments.extend_from_slice(extra);
    let output = regie.run(&arguments);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code().unwrap_or(-1), report)
}

fn flip_a_bit(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(path, bytes).unwrap();
}

/// Where a bucket kept in a folder by the S3 server holds the object of `blake3` (buckets keep
/// two levels: `blobs/ab/cd/<blake3>`).
fn object_in(root: &Path, blake3: &str) -> PathBuf {
    root.join("blobs").join(&blake3[0..2]).join(&blake3[2..4]).join(blake3)
}

fn blake3_of(path: &Path) -> String {
    blake3::hash(&std::fs::read(path).unwrap()).to_hex().to_string()
}

fn originals(regie: &TestRegie) -> Vec<String> {
    regie
        .assets()
        .iter()
        .map(|asset| {
            let files = asset["files"].as_array().unwrap();
            files.iter().find(|file| file["role"] == "original").unwrap()["blake3"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn copies_at(status: &Value, location: &str) -> u64 {
    status["locations"].as_array().unwrap().iter().find(|entry| entry["name"] == location).unwrap()["copies"]
        .as_u64()
        .unwrap()
}

#[test]
fn bit_flips_in_a_folder_and_a_bucket_are_all_found_and_repaired_from_a_good_copy() {
    let server = S3Server::start("vault");
    let mut regie = TestRegie::new();
    regie.environment.push(("VAULT_KEY".to_owned(), ACCESS_KEY.to_owned()));
    regie.environment.push(("VAULT_SECRET".to_owned(), SECRET_KEY.to_owned()));
    write_config(&regie, "[[copies]]\ncollection = \"news\"\ncopies = 3\nlocations = [\"vault\"]\n");
    let second = regie.scratch("second");
    let second_url = format!("file://{}", second.display());
    regie.json(&["storage", "add", "second", "--url", &second_url, "--tier", "nearline", "--json"]);
    let added = regie.json(&[
        "storage",
        "add",
        "vault",
        "--url",
        "s3://vault/regie",
        "--tier",
        "archive",
        "--endpoint",
        &server.endpoint,
        "--access-key-env",
        "VAULT_KEY",
        "--secret-key-env",
        "VAULT_SECRET",
        "--json",
    ]);
    assert_eq!(added["tier"], "archive");
    assert!(!added.to_string().contains(SECRET_KEY), "keys are named, never stored");

    let inbox = regie.scratch("inbox");
    let files = fixtures::copy_into(&inbox, &["h264_aac.mp4", "prores_tc.mov", "mpeg2.ts"]);
    ingest_into_news(&regie, &files);
    let before = regie.json(&["storage", "status", "--json"]);
    assert_eq!(before["assets_below_copy_count"], 3, "{before:#}");
    run_worker(&regie);
    let after = regie.json(&["storage", "status", "--json"]);
    assert_eq!(after["assets_below_copy_count"], 0, "replication jobs made every copy: {after:#}");
    for location in ["primary", "second", "vault"] {
        assert_eq!(copies_at(&after, location), 3, "{location}: {after:#}");
    }
    let tiers: Vec<&str> =
        after["tiers"].as_array().unwrap().iter().map(|tier| tier["tier"].as_str().unwrap()).collect();
    assert_eq!(tiers, ["online", "nearline", "archive"]);
    assert_eq!(regie.audit_entries("storage.copy").len(), 6, "each copy is a preservation event");

    let (code, clean) = fixity(&regie, &[]);
    assert_eq!(code, 0, "{clean:#}");
    assert_eq!(clean["copies_checked"], 9);

    // A bit flipped in every copy outside the primary store: three in the folder, three in the bucket.
    let digests = originals(&regie);
    let bucket_root = server.root.join("vault").join("regie");
    for digest in &digests {
        flip_a_bit(&blob_in(&second, digest));
        flip_a_bit(&object_in(&bucket_root, digest));
    }
    let (code, found) = fixity(&regie, &[]);
    assert_eq!(code, 1, "a bad copy makes the run fail: {found:#}");
    let bad: Vec<&Value> = found["checked"].as_array().unwrap().iter().filter(|copy| copy["state"] != "ok").collect();
    assert_eq!(bad.len(), 6, "every flipped copy is found: {found:#}");
    for copy in &bad {
        assert_eq!(copy["state"], "mismatch");
        assert_ne!(copy["location"], "primary");
        assert_ne!(copy["actual"], copy["expected"]);
        assert_eq!(copy["repaired"], true, "{copy:#}");
        assert!(copy["quarantined_to"].as_str().unwrap().contains("quarantine/"), "{copy:#}");
        for field in ["asset_id", "location", "expected", "actual", "state"] {
            assert!(!copy[field].is_null(), "{field} in {copy:#}");
        }
    }
    assert_eq!(found["repaired"], 6);
    for digest in &digests {
        assert_eq!(&blake3_of(&blob_in(&second, digest)), digest, "the repaired bytes are the original's");
        assert_eq!(&blake3_of(&object_in(&bucket_root, digest)), digest);
    }
    assert_eq!(files_under(&second.join("quarantine")).len(), 3, "bad copies are kept aside, not deleted");

    let (code, again) = fixity(&regie, &["--md5"]);
    assert_eq!(code, 0, "{again:#}");
    let with_md5 = &again["checked"][0];
    assert_eq!(with_md5["md5_actual"], with_md5["md5_expected"]);

    let repairs = regie.audit_entries("fixity.repair");
    assert_eq!(repairs.len(), 6);
    let event: Value = serde_json::from_str(repairs[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(event["event_type"], "repair");
    assert_eq!(event["outcome"], "success");
    assert!(event["agent"].as_str().unwrap().starts_with("regie "), "{event}");
    let failures: Vec<Value> =
        regie.audit_entries("fixity.check").into_iter().filter(|entry| entry["outcome"] == "failed").collect();
    assert_eq!(failures.len(), 6);
    let verified = regie.json(&["audit", "verify", "--json"]);
    assert_eq!(verified["intact"], true, "{verified:#}");
    let shown = regie.json(&["assets", "show", bad[0]["asset_id"].as_str().unwrap(), "--json"]);
    assert!(shown.to_string().contains("fixity-mismatch"), "the bad copy is a finding on its asset: {shown:#}");
}

#[test]
fn missing_unreadable_and_everywhere_bad_copies_are_told_apart_and_never_repaired_from_a_bad_copy() {
    let regie = TestRegie::new();
    write_config(&regie, "[[copies]]\ncollection = \"news\"\ncopies = 2\n");
    let second = regie.scratch("second");
    regie.json(&["storage", "add", "second", "--url", &format!("file://{}", second.display()), "--json"]);
    let files = fixtures::distinct_wavs(&regie.scratch("inbox"), 3);
    ingest_into_news(&regie, &files);
    run_worker(&regie);
    let digests = originals(&regie);
    let (missing, unreadable, everywhere) = (&digests[0], &digests[1], &digests[2]);
    std::fs::remove_file(blob_in(&second, missing)).unwrap();
    let unreadable_path = blob_in(&second, unreadable);
    std::fs::remove_file(&unreadable_path).unwrap();
    std::fs::create_dir(&unreadable_path).unwrap();
    flip_a_bit(&blob_in(&second, everywhere));
    flip_a_bit(&blob_in(&regie.data().join("store"), everywhere));

    let (code, report) = fixity(&regie, &[]);
    assert_eq!(code, 1);
    let state_of = |digest: &str, location: &str| {
        report["checked"]
            .as_array()
            .unwrap()
            .iter()
            .find(|copy| copy["blake3"] == digest && copy["location"] == location)
            .cloned()
            .unwrap()
    };
    let gone = state_of(missing, "second");
    assert_eq!((gone["state"].as_str(), gone["repaired"].as_bool()), (Some("missing"), Some(true)), "{gone:#}");
    let broken = state_of(unreadable, "second");
    assert_eq!((broken["state"].as_str(), broken["repaired"].as_bool()), (Some("unreadable"), Some(true)));
    for location in ["primary", "second"] {
        let bad = state_of(everywhere, location);
        assert_eq!(bad["state"], "mismatch");
        assert_eq!(bad["repaired"], false, "never repaired from a bad copy: {bad:#}");
        assert!(bad["repair"].as_str().unwrap().contains("no healthy copy"), "{bad:#}");
    }
    assert_eq!(report["bad"], 4);
    assert_eq!(report["unrepaired"], 2);
    assert_eq!(&blake3_of(&blob_in(&second, missing)), missing);
    assert_eq!(&blake3_of(&blob_in(&second, unreadable)), unreadable);
    assert!(!blob_in(&second, everywhere).exists(), "a bad copy is not served under its address");

    let repair = regie.run(&["fixity", "repair", "--json"]);
    assert_eq!(repair.status.code(), Some(1), "still bad");
    let repair: Value = serde_json::from_slice(&repair.stdout).unwrap();
    assert_eq!(repair["unrepaired"], 2, "{repair:#}");
    let status = regie.json(&["storage", "status", "--json"]);
    assert_eq!(status["assets_below_copy_count"], 1, "{status:#}");
}

/// Waits until a temporary file appears under `folder` (a copy in progress), or fails.
fn wait_for_temporary(folder: &Path, child: &mut std::process::Child) {
    let started = Instant::now();
    while files_under(folder).is_empty() {
        assert!(child.try_wait().unwrap().is_none(), "the command ended before it could be killed");
        assert!(started.elapsed() < Duration::from_secs(60), "no copy started");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_copy_and_a_repair_killed_with_sigkill_resume_and_lose_nothing() {
    let regie = TestRegie::new();
    write_config(&regie, "[[copies]]\ncollection = \"news\"\ncopies = 2\n");
    let second = regie.scratch("second");
    regie.json(&["storage", "add", "second", "--url", &format!("file://{}", second.display()), "--json"]);
    let big = regie.scratch("inbox").join("long.wav");
    fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=d=400:r=48000",
        "-ac",
        "2",
        "-c:a",
        "pcm_s24le",
        &big.to_string_lossy(),
    ]);
    ingest_into_news(&regie, std::slice::from_ref(&big));
    let digest = originals(&regie)[0].clone();

    let mut copying = regie
        .command()
        .args(["storage", "replicate", "--now", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_temporary(&second.join("tmp"), &mut copying);
    copying.kill().unwrap();
    copying.wait().unwrap();
    assert!(!blob_in(&second, &digest).exists(), "no partial copy under the blob's address");
    let status = regie.json(&["storage", "status", "--json"]);
    assert_eq!(status["assets_below_copy_count"], 1, "the killed copy is not recorded");
    let resumed = regie.json(&["storage", "replicate", "--now", "--json"]);
    assert_eq!(resumed[0]["copies"][0]["outcome"], "made", "{resumed:#}");
    assert_eq!(blake3_of(&blob_in(&second, &digest)), digest);

    flip_a_bit(&blob_in(&second, &digest));
    let (code, _) = fixity(&regie, &["--no-repair"]);
    assert_eq!(code, 1);
    let mut repairing = regie
        .command()
        .args(["fixity", "repair", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_temporary(&second.join("tmp"), &mut repairing);
    repairing.kill().unwrap();
    repairing.wait().unwrap();
    let (code, _) = fixity(&regie, &["--location", "primary"]);
    assert_eq!(code, 0, "the primary copy is untouched by the killed repair");
    let repaired = regie.run(&["fixity", "repair", "--json"]);
    assert!(repaired.status.success(), "{}", String::from_utf8_lossy(&repaired.stderr));
    assert_eq!(blake3_of(&blob_in(&second, &digest)), digest);
    let (code, report) = fixity(&regie, &[]);
    assert_eq!((code, report["bad"].as_u64()), (0, Some(0)), "{report:#}");

    // What the killed runs left in the location's temporary folder goes with gc once it is old.
    let leftovers = files_under(&second.join("tmp"));
    assert!(!leftovers.is_empty(), "{:?}", files_under(&second));
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    for leftover in &leftovers {
        std::fs::File::options().write(true).open(leftover).unwrap().set_modified(two_hours_ago).unwrap();
    }
    regie.json(&["gc", "--json"]);
    assert!(files_under(&second.join("tmp")).is_empty());
}

#[test]
fn the_fixity_schedule_is_run_by_a_worker_and_locations_are_checked_before_use() {
    let regie = TestRegie::new();
    write_config(
        &regie,
        "[[fixity]]\nlocation = \"primary\"\nevery = \"1s\"\nbytes_per_second = 100000000\n[audit]\ncheckpoint_every = \"1h\"\n",
    );
    let files = fixtures::distinct_wavs(&regie.scratch("inbox"), 2);
    ingest_into_news(&regie, &files);
    std::thread::sleep(Duration::from_millis(1100));
    run_worker(&regie);
    let jobs = regie.json(&["jobs", "list", "--json"]);
    let fixity_job = jobs.as_array().unwrap().iter().find(|job| job["kind"] == "fixity").cloned();
    let fixity_job = fixity_job.unwrap_or_else(|| panic!("a fixity job ran: {jobs:#}"));
    assert_eq!(fixity_job["state"], "succeeded", "{fixity_job:#}");
    let checks = regie.audit_entries("fixity.check");
    assert_eq!(checks.len(), 2, "both copies checked by the schedule");
    assert!(checks[0]["actor"].as_str().unwrap().starts_with("worker:"), "{:#}", checks[0]);
    let checkpoints = files_under(&regie.data().join("checkpoints"));
    assert_eq!(checkpoints.len(), 2, "the worker signed a checkpoint (and wrote its key): {checkpoints:?}");

    let refused = |arguments: &[&str], expected: &str| {
        let output = regie.run(arguments);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{arguments:?}: {stderr}");
    };
    refused(&["storage", "add", "primary", "--url", "file:///tmp/x"], "primary");
    refused(&["storage", "add", "rel", "--url", "file://relative/path"], "ABSOLUTE");
    refused(&["storage", "add", "../x", "--url", "file:///tmp/x"], "not a location name");
    refused(&["storage", "add", "cold", "--url", "file:///tmp/x", "--tier", "glacier"], "online, nearline or archive");
    let inside = format!("file://{}", regie.data().join("store/blobs").display());
    refused(&["storage", "add", "inside", "--url", &inside], "inside the primary store");
    let second = regie.scratch("second");
    regie.json(&["storage", "add", "second", "--url", &format!("file://{}", second.display()), "--json"]);
    refused(&["storage", "add", "second", "--url", "file:///tmp/y"], "already exists");
    regie.json(&["storage", "replicate", "--now", "--json"]);
    write_config(&regie, "[[copies]]\ncollection = \"news\"\ncopies = 2\n");
    let made = regie.json(&["storage", "replicate", "--now", "--json"]);
    assert_eq!(made.as_array().unwrap().len(), 2, "{made:#}");
    refused(&["storage", "remove", "second"], "still holds 2 copies");
    let unknown = regie.run(&["fixity", "run", "--location", "nowhere"]);
    assert_eq!(unknown.status.code(), Some(3));
}

/// Rewrites the trail as someone who can write the data folder would: `detail` of entry `seq`
/// changed, every later entry sealed again, `audit.head` rewritten, so the chain alone verifies.
fn rewrite_history(regie: &TestRegie, seq: u64, detail: &str) {
    let listed = regie.json(&["audit", "list", "--limit", "100000", "--json"]);
    let mut entries: Vec<regie_core::audit::AuditEntry> = serde_json::from_value(listed).unwrap();
    let mut previous = None;
    for entry in entries.iter_mut() {
        if entry.seq == seq {
            entry.detail = detail.to_owned();
        }
        if let Some(previous) = previous.take() {
            entry.prev_hash = previous;
        }
        if entry.seq >= seq {
            *entry = entry.clone().seal();
            let quote = |text: &str| text.replace('\'', "''");
            regie.execute(&format!(
                "UPDATE audit_log SET detail = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
                quote(&entry.detail),
                entry.prev_hash,
                entry.hash,
                entry.seq
            ));
        }
        previous = Some(entry.hash.clone());
    }
    let last = entries.last().unwrap();
    std::fs::write(regie.data().join("audit.head"), format!("{{\"seq\":{},\"hash\":\"{}\"}}", last.seq, last.hash))
        .unwrap();
}

#[test]
fn a_signed_checkpoint_catches_history_rewritten_with_its_head() {
    let regie = TestRegie::new();
    let files = fixtures::distinct_wavs(&regie.scratch("inbox"), 3);
    ingest_into_news(&regie, &files);
    regie.json(&["fixity", "run", "--json"]);
    let outside = regie.scratch("worm-share");
    let signed = regie.json(&["audit", "checkpoint", "--out", &outside.to_string_lossy(), "--json"]);
    let size = signed["size"].as_u64().unwrap();
    assert!(size >= 4, "{signed:#}");
    assert!(outside.join("audit-key.pub").is_file());
    assert!(regie.data().join("checkpoints").read_dir().unwrap().count() >= 2, "a copy in the data folder too");
    regie.json(&["storage", "list", "--json"]);
    regie.json(&["fixity", "run", "--json"]);
    let later = regie.json(&["audit", "checkpoint", "--out", &outside.to_string_lossy(), "--json"]);
    assert!(later["size"].as_u64().unwrap() > size);

    let intact = regie.json(&["audit", "verify", "--checkpoints", &outside.to_string_lossy(), "--json"]);
    assert_eq!(intact["intact"], true, "{intact:#}");
    assert_eq!(intact["checkpoints"].as_array().unwrap().len(), 2);

    rewrite_history(&regie, 2, "nothing happened here");
    let chain_only = regie.json(&["audit", "verify", "--json"]);
    assert_eq!(chain_only["intact"], true, "the rewrite fools the chain and its head: {chain_only:#}");
    let caught = regie.run(&["audit", "verify", "--checkpoints", &outside.to_string_lossy(), "--json"]);
    assert_eq!(caught.status.code(), Some(1));
    let caught: Value = serde_json::from_slice(&caught.stdout).unwrap();
    assert_eq!(caught["intact"], false);
    let states: Vec<&str> = caught["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|checkpoint| checkpoint["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["root-mismatch", "root-mismatch"], "{caught:#}");

    // Re-signing with a key of one's own does not help: the key kept outside says who signs.
    std::fs::remove_dir_all(regie.data().join("checkpoints")).unwrap();
    let forged_key = regie.scratch("forger").join("key");
    std::fs::write(&forged_key, "11".repeat(32)).unwrap();
    let forger_folder = regie.scratch("forged-checkpoints");
    let mut forger = regie.command();
    forger.env("REGIE_CONFIG", regie.scratch("forger").join("regie.toml"));
    std::fs::write(
        regie.scratch("forger").join("regie.toml"),
        format!("[audit]\nsigning_key = \"{}\"\n", forged_key.display()),
    )
    .unwrap();
    let made = forger.args(["audit", "checkpoint", "--out", &forger_folder.to_string_lossy()]).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    for entry in std::fs::read_dir(&forger_folder).unwrap().flatten() {
        if entry.path().extension().is_some_and(|extension| extension == "checkpoint") {
            std::fs::copy(entry.path(), outside.join(format!("forged-{}", entry.file_name().to_string_lossy())))
                .unwrap();
        }
    }
    let still = regie.run(&["audit", "verify", "--checkpoints", &outside.to_string_lossy(), "--json"]);
    let still: Value = serde_json::from_slice(&still.stdout).unwrap();
    assert!(
        still["checkpoints"].as_array().unwrap().iter().any(|checkpoint| checkpoint["state"] == "bad-signature"),
        "{still:#}"
    );
}

#[test]
fn the_footprint_adds_up_copies_tiers_collections_duplicates_and_compute() {
    let regie = TestRegie::new();
    write_config(
        &regie,
        "[[copies]]\ncollection = \"news\"\ncopies = 2\n[footprint]\ngrid_g_co2e_per_kwh = 50\nsource = \"our supplier's 2026 figure\"\n",
    );
    let second = regie.scratch("second");
    regie.json(&[
        "storage",
        "add",
        "tape",
        "--url",
        &format!("file://{}", second.display()),
        "--tier",
        "archive",
        "--json",
    ]);
    let inbox = regie.scratch("inbox");
    let files = fixtures::distinct_wavs(&inbox, 2);
    ingest_into_news(&regie, &files);
    let again = regie.scratch("again");
    std::fs::copy(&files[0], again.join("same_content.wav")).unwrap();
    let (code, _) = regie.ingest(&[&again.join("same_content.wav")], &["--collection", "sport"]);
    assert_eq!(code, 0);
    run_worker(&regie);

    let footprint = regie.json(&["footprint", "--json"]);
    let size: u64 = files.iter().map(|file| std::fs::metadata(file).unwrap().len()).sum();
    let tier =
        |name: &str| footprint["tiers"].as_array().unwrap().iter().find(|tier| tier["tier"] == name).cloned().unwrap();
    assert_eq!(tier("online")["bytes"], size, "{footprint:#}");
    assert_eq!(tier("archive")["bytes"], size, "the second copies are on tape");
    let news = footprint["collections"].as_array().unwrap().iter().find(|entry| entry["collection"] == "news").unwrap();
    assert_eq!(
        (news["assets"].as_u64(), news["bytes"].as_u64(), news["stored_bytes"].as_u64()),
        (Some(2), Some(size), Some(2 * size))
    );
    let saved = &footprint["deduplication"];
    assert_eq!(saved["duplicate_paths"], 1);
    assert_eq!(saved["duplicate_bytes"], std::fs::metadata(&files[0]).unwrap().len());
    let replicate = footprint["compute"].as_array().unwrap().iter().find(|kind| kind["kind"] == "replicate").unwrap();
    assert_eq!(replicate["jobs"], 2, "{footprint:#}");
    let factors = &footprint["factors"];
    assert_eq!(factors["grid_g_co2e_per_kwh"], 50.0);
    assert_eq!(factors["sources"]["grid_g_co2e_per_kwh"], "our supplier's 2026 figure");
    assert!(factors["sources"]["online_wh_per_tb_month"].as_str().unwrap().starts_with("assumption"));
    let kwh = tier("online")["kwh_per_year"].as_f64().unwrap();
    let expected = size as f64 / 1e12 * factors["online_wh_per_tb_month"].as_f64().unwrap() * 12.0 / 1000.0;
    assert!((kwh - expected).abs() < 1e-12, "{kwh} {expected}");
    let text = regie.run(&["footprint"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("grid_g_co2e_per_kwh = 50: our supplier's 2026 figure"), "{text}");
}
