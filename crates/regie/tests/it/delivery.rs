//! Delivery end to end: destinations on a folder, a real sshd and a real S3 server; receipts
//! checked against `md5sum` of the delivered bytes; rights and policies refusing before any byte
//! moves; a corrupted byte found by `deliveries verify`; a killed transfer resumed without a
//! partial file ever under its final name.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixtures;
use crate::harness::TestRegie;
use crate::s3::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use crate::sshd::SshServer;

fn md5sum(path: &Path) -> String {
    let output = Command::new("md5sum").arg(path).output().unwrap();
    String::from_utf8(output.stdout).unwrap().split_whitespace().next().unwrap().to_owned()
}

fn files_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An asset ingested from `fixture`, with a contract for FR and BE on linear and svod.
fn licensed_asset(regie: &TestRegie, fixture: &str) -> String {
    let asset = regie.ingest_without_previews(fixture);
    regie.json(&[
        "rights",
        "add",
        "--asset",
        &asset,
        "--holder",
        "Arte",
        "--territories",
        "FR BE",
        "--platforms",
        "linear svod",
        "--start",
        "2020-01-01",
        "--end",
        "2099-12-31",
        "--json",
    ]);
    asset
}

fn deliver(regie: &TestRegie, arguments: &[&str]) -> Value {
    let mut all = vec!["deliver"];
    all.extend_from_slice(arguments);
    all.push("--json");
    regie.json(&all)
}

fn run_worker(regie: &TestRegie) {
    let output = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

fn delivery(regie: &TestRegie, id: &str) -> Value {
    regie.json(&["deliveries", "show", id, "--json"])
}

/// Each receipt file's MD5 is what `md5sum` reads at the far end, and it is verified.
fn assert_receipt_matches(record: &Value, root: &Path, prefix: &str) {
    let files = record["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "media, sidecar, manifest: {record:#}");
    for file in files {
        let path = file["path"].as_str().unwrap();
        let local = root.join(path.strip_prefix(prefix).unwrap_or(path).trim_start_matches('/'));
        assert_eq!(md5sum(&local), file["md5"].as_str().unwrap(), "{path}");
        assert_eq!(std::fs::metadata(&local).unwrap().len(), file["size"].as_u64().unwrap());
        assert_eq!(file["verified"], true);
    }
}

#[test]
fn a_folder_destination_gets_verified_files_a_sidecar_and_a_manifest_md5sum_accepts() {
    let regie = TestRegie::new();
    let asset = licensed_asset(&regie, "h264_aac.mp4");
    regie.run(&["assets", "edit", &asset, "--title", "Le Journal: édition spéciale"]);
    let out = regie.scratch("playout");
    let added = regie.json(&[
        "destinations",
        "add",
        "playout",
        "--url",
        &format!("file://{}", out.display()),
        "--territory",
        "fr",
        "--platform",
        "linear",
        "--sidecar",
        "ebucore",
        "--template",
        "{house_id}_{title}",
        "--json",
    ]);
    assert_eq!(added["territories"], serde_json::json!(["FR"]));
    let tested = regie.json(&["destinations", "test", "playout", "--json"]);
    assert_eq!(tested["bytes"], 65536);
    assert!(files_in(&out).is_empty(), "the probe is removed");

    let queued = deliver(&regie, &[&asset, "--to", "playout"]);
    assert_eq!(queued["state"], "queued");
    assert_eq!(queued["asset_id"], asset.as_str());
    assert_eq!(queued["destination"], "playout");
    run_worker(&regie);
    let record = delivery(&regie, queued["id"].as_str().unwrap());
    assert_eq!(record["state"], "delivered", "{record:#}");
    assert!(record["error"].is_null());
    assert_receipt_matches(&record, Path::new("/"), "");

    let names = files_in(&out);
    let house_id = regie.assets()[0]["house_id"].as_str().unwrap().to_owned();
    let stem = format!("{house_id}_Le_Journal_edition_speciale");
    assert_eq!(names, vec![format!("{stem}.md5"), format!("{stem}.mp4"), format!("{stem}.xml")]);
    let check = Command::new("md5sum").arg("-c").arg(format!("{stem}.md5")).current_dir(&out).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let xml = std::fs::read_to_string(out.join(format!("{stem}.xml"))).unwrap();
    assert!(xml.contains("<dc:title>Le Journal: édition spéciale</dc:title>"), "{xml}");
    assert!(
        xml.contains(&format!("<ebucore:hashValue>{}</ebucore:hashValue>", md5sum(&out.join(format!("{stem}.mp4")))))
    );

    let listed = regie.json(&["deliveries", "list", "--asset", &asset, "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let audit = regie.audit_entries("deliver");
    let outcomes: Vec<&str> = audit.iter().map(|entry| entry["outcome"].as_str().unwrap()).collect();
    assert!(outcomes.contains(&"queued") && outcomes.contains(&"ok"), "{audit:#?}");
}

#[test]
fn rights_refuse_outside_territory_window_or_platform_before_any_byte_moves() {
    let regie = TestRegie::new();
    let asset = regie.ingest_without_previews("h264_aac.mp4");
    let out = regie.scratch("partner");
    let url = format!("file://{}", out.display());
    regie.json(&["destinations", "add", "de-svod", "--url", &url, "--territory", "DE", "--platform", "svod", "--json"]);
    regie.json(&[
        "destinations",
        "add",
        "fr-linear",
        "--url",
        &url,
        "--territory",
        "FR",
        "--platform",
        "linear",
        "--json",
    ]);
    regie.json(&["destinations", "add", "fr-svod", "--url", &url, "--territory", "FR", "--platform", "svod", "--json"]);

    let refused = |destination: &str, expected: &str| {
        let output = regie.run(&["deliver", &asset, "--to", destination, "--json"]);
        assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
        let record: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(record["state"], "refused");
        assert_eq!(record["code"], "rights-denied");
        assert_eq!(record["error_code"], "rights-denied");
        let error = record["error"].as_str().unwrap();
        assert!(error.contains(expected), "{destination}: {error}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("rights-denied"));
    };
    refused("fr-svod", "no contract covers this asset");

    regie.json(&[
        "rights",
        "add",
        "--asset",
        &asset,
        "--holder",
        "Arte",
        "--territories",
        "WORLD -DE",
        "--platforms",
        "svod",
        "--start",
        "2020-01-01",
        "--end",
        "2099-12-31",
        "--json",
    ]);
    regie.json(&[
        "rights",
        "add",
        "--asset",
        &asset,
        "--holder",
        "TF1",
        "--territories",
        "FR",
        "--platforms",
        "linear",
        "--start",
        "2020-01-01",
        "--end",
        "2020-12-31",
        "--json",
    ]);
    refused("de-svod", "territory clause excludes DE");
    refused("fr-linear", "window closed on 2020-12-31");
    let answer = regie.run(&["rights", "check", &asset, "--territory", "FR", "--platform", "avod", "--json"]);
    assert_eq!(answer.status.code(), Some(1));
    let answer: Value = serde_json::from_slice(&answer.stdout).unwrap();
    assert_eq!(answer["allowed"], false);
    assert!(answer["reasons"].to_string().contains("platform clause covers svod only, not avod"), "{answer}");
    let past = regie.json(&[
        "rights",
        "check",
        &asset,
        "--territory",
        "FR",
        "--platform",
        "linear",
        "--at",
        "2020-06-01",
        "--json",
    ]);
    assert_eq!(past["allowed"], true, "{past}");
    assert!(past["reasons"][0].as_str().unwrap().contains("(TF1) licenses FR on linear"));

    assert!(files_in(&out).is_empty(), "nothing moved");
    let refusals = regie.json(&["deliveries", "list", "--state", "refused", "--json"]);
    assert_eq!(refusals.as_array().unwrap().len(), 3);
    let audited = regie.audit_entries("deliver");
    assert_eq!(audited.iter().filter(|entry| entry["outcome"] == "refused").count(), 3, "{audited:#?}");

    let allowed = deliver(&regie, &[&asset, "--to", "fr-svod"]);
    assert_eq!(allowed["state"], "queued");
    run_worker(&regie);
    assert_eq!(delivery(&regie, allowed["id"].as_str().unwrap())["state"], "delivered");
}

#[test]
fn exclusivity_conflicts_runs_csv_import_and_expiring_windows() {
    let regie = TestRegie::new();
    let asset = regie.ingest_without_previews("h264_aac.mp4");
    let house_id = regie.assets()[0]["house_id"].as_str().unwrap().to_owned();
    regie.run(&["assets", "edit", &asset, "--series", "Les Mystères"]);
    // These windows lie far ahead, so that "expiring within 30 days" below never counts them,
    // whatever the date the test runs on.
    let exclusive = regie.json(&[
        "rights",
        "add",
        "--series",
        "Les Mystères",
        "--holder",
        "Canal",
        "--territories",
        "FR BE",
        "--platforms",
        "svod",
        "--start",
        "2096-01-01",
        "--end",
        "2096-06-30",
        "--exclusive",
        "--json",
    ]);
    assert!(exclusive["conflicts"].as_array().unwrap().is_empty());
    let clash = regie.json(&[
        "rights",
        "add",
        "--asset",
        &asset,
        "--holder",
        "Netflix",
        "--territories",
        "WORLD",
        "--platforms",
        "svod avod",
        "--start",
        "2096-06-01",
        "--end",
        "2096-12-31",
        "--json",
    ]);
    let conflicts = clash["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{clash:#}");
    assert_eq!(conflicts[0]["holder"], "Canal");
    assert!(conflicts[0]["reason"].as_str().unwrap().contains("between 2096-06-01 and 2096-06-30"));

    let inbox = regie.scratch("csv");
    let bad = inbox.join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "asset,holder,territories,platforms,start,end,exclusive,max_runs\n\
             {house_id},Arte,FR,linear,2026-01-01,2026-12-31,false,3\n\
             {house_id},Arte,FX,linear,2026-01-01,2026-12-31,false,\n\
             {house_id},Arte,FR,linear,2026-13-01,2026-12-31,maybe,\n"
        ),
    )
    .unwrap();
    let output = regie.run(&["rights", "import", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3") && stderr.contains("FX") && stderr.contains("line 4"), "{stderr}");
    assert!(!stderr.contains("line 2"), "{stderr}");
    assert_eq!(regie.json(&["rights", "list", "--json"]).as_array().unwrap().len(), 2, "nothing half-imported");

    let today = chrono::Utc::now().date_naive();
    let soon = (today + chrono::Duration::days(10)).to_string();
    let good = inbox.join("good.csv");
    std::fs::write(
        &good,
        format!(
            "asset,holder,territories,platforms,start,end,exclusive,max_runs\n\
             {house_id},Arte,FR,linear,2020-01-01,{soon},false,1\n"
        ),
    )
    .unwrap();
    let imported = regie.json(&["rights", "import", good.to_str().unwrap(), "--json"]);
    assert_eq!(imported["added"].as_array().unwrap().len(), 1);
    let expiring = regie.json(&["rights", "expiring", "--within", "30d", "--json"]);
    assert_eq!(expiring.as_array().unwrap().len(), 1, "{expiring:#}");
    assert_eq!(expiring[0]["ends_on"], soon.as_str());
    assert!(regie.json(&["rights", "expiring", "--within", "5d", "--json"]).as_array().unwrap().is_empty());

    // One run allowed: the second delivery is refused once the first has been made.
    let out = regie.scratch("out");
    let url = format!("file://{}", out.display());
    regie.json(&["destinations", "add", "tnt", "--url", &url, "--territory", "FR", "--platform", "linear", "--json"]);
    let first = deliver(&regie, &[&asset, "--to", "tnt"]);
    run_worker(&regie);
    assert_eq!(delivery(&regie, first["id"].as_str().unwrap())["state"], "delivered");
    let second = regie.run(&["deliver", &asset, "--to", "tnt", "--json"]);
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stdout).contains("all 1 runs are used"));
}

#[test]
fn a_delivery_failing_the_destinations_policy_is_refused_with_policy_failed() {
    let regie = TestRegie::new();
    let asset = licensed_asset(&regie, "h264_aac.mp4");
    let out = regie.scratch("playout");
    regie.json(&[
        "destinations",
        "add",
        "playout",
        "--url",
        &format!("file://{}", out.display()),
        "--territory",
        "FR",
        "--platform",
        "linear",
        "--policy",
        "xdcamhd50-playout",
        "--json",
    ]);
    let output = regie.run(&["deliver", &asset, "--to", "playout", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let record: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["code"], "policy-failed");
    assert_eq!(record["state"], "refused");
    assert!(record["error"].as_str().unwrap().contains("xdcamhd50-playout"));
    assert!(files_in(&out).is_empty());
}

#[test]
fn a_corrupted_byte_at_the_destination_fails_verification() {
    let regie = TestRegie::new();
    let asset = licensed_asset(&regie, "pcm24.wav");
    let out = regie.scratch("archive");
    regie.json(&[
        "destinations",
        "add",
        "archive",
        "--url",
        &format!("file://{}", out.display()),
        "--territory",
        "FR",
        "--platform",
        "linear",
        "--sidecar",
        "csv",
        "--json",
    ]);
    let id = deliver(&regie, &[&asset, "--to", "archive"])["id"].as_str().unwrap().to_owned();
    run_worker(&regie);
    let record = regie.json(&["deliveries", "verify", &id, "--json"]);
    assert_eq!(record["state"], "delivered");
    let media = record["files"][0]["path"].as_str().unwrap().to_owned();
    let mut bytes = std::fs::read(&media).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&media, &bytes).unwrap();
    let output = regie.run(&["deliveries", "verify", &id, "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let record: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["state"], "failed");
    assert_eq!(record["error_code"], "verification-failed");
    assert!(record["error"].as_str().unwrap().contains("the bytes changed"), "{record:#}");
    assert_eq!(record["files"][0]["verified"], false);
    assert_eq!(record["files"][1]["verified"], true);
    let audited = regie.audit_entries("deliver.verify");
    assert_eq!(audited.last().unwrap()["outcome"], "failed");
}

/// A programme of about 7.7 MB (40 s of stereo PCM).
fn long_wav(regie: &TestRegie) -> PathBuf {
    let path = regie.scratch("long").join("long.wav");
    fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=d=40:c=pink:r=48000:a=0.2",
        "-ac",
        "2",
        "-c:a",
        "pcm_s16le",
        path.to_str().unwrap(),
    ]);
    path
}

#[test]
fn a_killed_transfer_resumes_and_never_leaves_a_partial_file_under_its_final_name() {
    let regie = TestRegie::new();
    let source = long_wav(&regie);
    let output = regie
        .command()
        .env("REGIE_JOBS_PREVIEWS_AT_INGEST", "0")
        .arg("ingest")
        .arg("--json")
        .arg(&source)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    let asset = line["asset_id"].as_str().unwrap().to_owned();
    regie.json(&[
        "rights",
        "add",
        "--asset",
        &asset,
        "--holder",
        "Arte",
        "--territories",
        "FR",
        "--platforms",
        "linear",
        "--start",
        "2020-01-01",
        "--end",
        "2099-12-31",
        "--json",
    ]);
    let out = regie.scratch("slow-share");
    // 16 Mbit/s: the 7.7 MB file takes about 4 s.
    regie.json(&[
        "destinations",
        "add",
        "slow",
        "--url",
        &format!("file://{}", out.display()),
        "--territory",
        "FR",
        "--platform",
        "linear",
        "--limit-kbps",
        "16000",
        "--sidecar",
        "none",
        "--json",
    ]);
    let id = deliver(&regie, &[&asset, "--to", "slow"])["id"].as_str().unwrap().to_owned();
    let mut worker = regie
        .command()
        .env("REGIE_JOBS_LEASE_S", "2")
        .args(["worker", "--until-idle", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let partial = loop {
        let found = files_in(&out).into_iter().find(|name| name.ends_with(".part"));
        if let Some(name) = found {
            let size = std::fs::metadata(out.join(&name)).map(|meta| meta.len()).unwrap_or(0);
            if size > 1_000_000 {
                break name;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the transfer never started: {:?}", files_in(&out));
        std::thread::sleep(Duration::from_millis(50));
    };
    worker.kill().unwrap();
    worker.wait().unwrap();
    let held = std::fs::metadata(out.join(&partial)).unwrap().len();
    let total = std::fs::metadata(&source).unwrap().len();
    assert!(held < total, "killed halfway ({held} of {total})");
    assert_eq!(files_in(&out), vec![partial.clone()], "only the hidden partial file, nothing under a final name");
    assert_eq!(delivery(&regie, &id)["state"], "running");

    let output =
        regie.command().env("REGIE_JOBS_LEASE_S", "2").args(["worker", "--until-idle", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record = delivery(&regie, &id);
    assert_eq!(record["state"], "delivered", "{record:#}");
    let media = &record["files"][0];
    assert!(media["resumed_from"].as_u64().unwrap() >= held.min(1_000_000), "{record:#}");
    assert_eq!(media["md5"].as_str().unwrap(), md5sum(&source));
    assert_eq!(md5sum(Path::new(media["path"].as_str().unwrap())), md5sum(&source));
    assert!(files_in(&out).iter().all(|name| !name.ends_with(".part")), "{:?}", files_in(&out));
}

#[test]
fn an_sftp_destination_pins_the_host_key_delivers_verified_and_refuses_a_changed_key() {
    let Some(server) = SshServer::start("delivery::an_sftp_destination_pins_the_host_key") else { return };
    let regie = TestRegie::new();
    let asset = licensed_asset(&regie, "h264_aac.mp4");
    let identity = server.identity.to_str().unwrap();
    regie.json(&[
        "destinations",
        "add",
        "partner",
        "--url",
        &server.url(),
        "--identity",
        identity,
        "--territory",
        "BE",
        "--platform",
        "svod",
        "--sidecar",
        "json",
        "--template",
        "{house_id}{_profile}",
        "--json",
    ]);
    let tested = regie.json(&["destinations", "test", "partner", "--json"]);
    assert_eq!(tested["host_key_pinned"], server.host_key.as_str(), "{tested:#}");
    assert_eq!(regie.json(&["destinations", "show", "partner", "--json"])["host_key"], server.host_key.as_str());

    let id =
        deliver(&regie, &[&asset, "--to", "partner", "--profile", "mobile-540p"])["id"].as_str().unwrap().to_owned();
    run_worker(&regie);
    let record = delivery(&regie, &id);
    assert_eq!(record["state"], "delivered", "{record:#}");
    assert_receipt_matches(&record, Path::new("/"), "");
    let names = files_in(&server.inbox);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|name| name.contains("_mobile-540p.")), "{names:?}");
    assert_eq!(regie.rendition_count(), 1, "the missing rendition was made first and kept");

    // A server whose key is not the pinned one is refused, and nothing is sent.
    regie.json(&[
        "destinations",
        "add",
        "impostor",
        "--url",
        &server.url(),
        "--identity",
        identity,
        "--territory",
        "BE",
        "--platform",
        "svod",
        "--host-key",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "--json",
    ]);
    let output = regie.run(&["destinations", "test", "impostor"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("host key"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(files_in(&server.inbox).len(), 3);
}

#[test]
fn an_s3_destination_gets_verified_objects_with_keys_taken_from_named_variables() {
    let server = S3Server::start("partner-drop");
    let mut regie = TestRegie::new();
    regie.environment.push(("DROP_KEY".to_owned(), ACCESS_KEY.to_owned()));
    regie.environment.push(("DROP_SECRET".to_owned(), SECRET_KEY.to_owned()));
    let asset = licensed_asset(&regie, "h264_aac.mp4");
    let added = regie.json(&[
        "destinations",
        "add",
        "drop",
        "--url",
        "s3://partner-drop/arte/in",
        "--endpoint",
        &server.endpoint,
        "--access-key-env",
        "DROP_KEY",
        "--secret-key-env",
        "DROP_SECRET",
        "--territory",
        "FR",
        "--platform",
        "svod",
        "--sidecar",
        "csv",
        "--json",
    ]);
    assert!(!added.to_string().contains(SECRET_KEY), "the secret is never stored or printed");
    regie.json(&["destinations", "test", "drop", "--json"]);
    let id = deliver(&regie, &[&asset, "--to", "drop"])["id"].as_str().unwrap().to_owned();
    run_worker(&regie);
    let record = delivery(&regie, &id);
    assert_eq!(record["state"], "delivered", "{record:#}");
    let root = server.root.join("partner-drop");
    assert_receipt_matches(&record, &root, "");
    assert!(record["files"][0]["path"].as_str().unwrap().starts_with("arte/in/"));
    assert_eq!(server.objects("partner-drop").len(), 3);
}

#[test]
fn the_api_queues_deliveries_for_those_who_may_deliver_and_checks_partner_downloads() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("api-inbox");
    let paths = fixtures::copy_into(&inbox, &["h264_aac.mp4"]);
    let asset = crate::served::ingest_into(&regie, &paths[0], "news");
    regie.json(&[
        "rights",
        "add",
        "--asset",
        &asset,
        "--holder",
        "Arte",
        "--territories",
        "FR",
        "--platforms",
        "linear download",
        "--start",
        "2020-01-01",
        "--end",
        "2099-12-31",
        "--json",
    ]);
    let out = regie.scratch("api-out");
    regie.json(&[
        "destinations",
        "add",
        "playout",
        "--url",
        &format!("file://{}", out.display()),
        "--territory",
        "FR",
        "--platform",
        "linear",
        "--json",
    ]);
    regie.json(&[
        "destinations",
        "add",
        "germany",
        "--url",
        &format!("file://{}", out.display()),
        "--territory",
        "DE",
        "--platform",
        "linear",
        "--json",
    ]);
    let served = crate::served::Served::start_with_workers(regie, 1);
    for (name, role) in [("mia", "media-manager"), ("eve", "editor"), ("paul", "partner"), ("pia", "partner")] {
        served.add_user(name, role);
        served.regie.json(&[
            "grants",
            "add",
            "--collection",
            "news",
            "--to",
            &format!("user:{name}"),
            "--role",
            role,
            "--json",
        ]);
    }
    let (mia, eve, paul, pia) = (served.login("mia"), served.login("eve"), served.login("paul"), served.login("pia"));

    let body = serde_json::json!({ "asset": asset, "destination": "playout" });
    let refused = served.send("POST", "/api/v1/deliveries", Some(&eve), Some(body.clone()));
    assert_eq!(refused.status, 403, "an editor may not deliver: {}", String::from_utf8_lossy(&refused.body));
    let queued = served.send("POST", "/api/v1/deliveries", Some(&mia), Some(body));
    assert_eq!(queued.status, 202, "{}", String::from_utf8_lossy(&queued.body));
    let id = queued.json()["id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    let record = loop {
        let record = served.get(&format!("/api/v1/deliveries/{id}"), &mia).json();
        if record["state"] == "delivered" {
            break record;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "never delivered: {record:#}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(record["files"].as_array().unwrap().len(), 3);
    let denied = served.send(
        "POST",
        "/api/v1/deliveries",
        Some(&mia),
        Some(serde_json::json!({ "asset": asset, "destination": "germany" })),
    );
    assert_eq!(denied.status, 422);
    assert_eq!(denied.code(), "rights-denied");
    let listed = served.get("/api/v1/deliveries", &mia).json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed:#}");
    let check = served.get(&format!("/api/v1/assets/{asset}/rights/check?territory=DE&platform=linear"), &eve).json();
    assert_eq!(check["allowed"], false);
    assert_eq!(served.get(&format!("/api/v1/assets/{asset}/rights"), &eve).json().as_array().unwrap().len(), 1);

    // Partners download only where their territory is licensed for downloads.
    let download = format!("/api/v1/assets/{asset}/files/original");
    let unset = served.get(&download, &paul);
    assert_eq!(unset.status, 403, "a partner without a territory is refused");
    assert_eq!(unset.code(), "rights-denied");
    served.regie.json(&["rights", "partner", "paul", "--territory", "FR", "--json"]);
    served.regie.json(&["rights", "partner", "pia", "--territory", "DE", "--json"]);
    let allowed = served.get(&download, &paul);
    assert_eq!(allowed.status, 200, "{}", String::from_utf8_lossy(&allowed.body));
    let outside = served.get(&download, &pia);
    assert_eq!(outside.status, 403);
    assert!(
        String::from_utf8_lossy(&outside.body).contains("DE on download"),
        "{}",
        String::from_utf8_lossy(&outside.body)
    );
    let denials = served.regie.audit_entries("asset.download");
    assert!(denials.iter().any(|entry| entry["outcome"] == "denied" && entry["actor"] == "pia"), "{denials:#?}");
}

#[test]
fn deadlines_order_deliveries_by_slack_and_one_that_cannot_make_it_is_flagged_at_once() {
    let regie = TestRegie::new();
    let asset = licensed_asset(&regie, "h264_aac.mp4");
    let out = regie.scratch("air");
    regie.json(&[
        "destinations",
        "add",
        "air",
        "--url",
        &format!("file://{}", out.display()),
        "--territory",
        "FR",
        "--platform",
        "linear",
        "--sidecar",
        "none",
        "--json",
    ]);
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let later = (chrono::Utc::now() + chrono::Duration::hours(20)).to_rfc3339();
    let relaxed = deliver(&regie, &[&asset, "--to", "air", "--deadline", &later]);
    assert_eq!(relaxed["deadline_at_risk"], false, "{relaxed:#}");
    let output =
        regie.run(&["deliver", &asset, "--to", "air", "--profile", "prores-hq", "--deadline", &soon, "--json"]);
    assert!(output.status.success());
    let urgent: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(urgent["deadline_at_risk"], true, "{urgent:#}");
    assert!(urgent["deadline_note"].as_str().unwrap().contains("cannot make its deadline"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot make its deadline"));
    let bad = regie.run(&["deliver", &asset, "--to", "air", "--deadline", "tomorrow"]);
    assert_eq!(bad.status.code(), Some(2));
    let priority = |delivery: &Value| {
        regie.json(&["jobs", "show", delivery["job_id"].as_str().unwrap(), "--json"])["priority"].as_i64().unwrap()
    };
    assert!(priority(&urgent) > priority(&relaxed), "less slack goes first");
    let plain = deliver(&regie, &[&asset, "--to", "air", "--profile", "mobile-540p"]);
    assert!(priority(&relaxed) > priority(&plain), "a deadline goes before none");
}

#[test]
fn a_deadline_picks_the_best_preset_whose_speed_makes_it_and_says_so() {
    let regie = TestRegie::new();
    let first = licensed_asset(&regie, "h264_aac.mp4");
    let second = licensed_asset(&regie, "late_picture_1080p25.mp4");
    let profiles = regie.data().join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    let mobile =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../regie-app/profiles/mobile-540p.toml"))
            .unwrap();
    let house = mobile
        .replace("name = \"mobile-540p\"", "name = \"house-mobile\"")
        .replace("speed = \"balanced\"", "speed = \"balanced\"\npresets = [\"quality\", \"balanced\", \"fast\"]");
    std::fs::write(profiles.join("house-mobile.toml"), house).unwrap();
    let out = regie.scratch("air");
    regie.json(&[
        "destinations",
        "add",
        "air",
        "--url",
        &format!("file://{}", out.display()),
        "--territory",
        "FR",
        "--platform",
        "linear",
        "--sidecar",
        "none",
        "--json",
    ]);
    let log_of = |delivery: &Value| -> Vec<String> {
        let job = regie.json(&["jobs", "show", delivery["job_id"].as_str().unwrap(), "--json"]);
        job["log"].as_array().unwrap().iter().map(|line| line["message"].as_str().unwrap().to_owned()).collect()
    };
    let later = (chrono::Utc::now() + chrono::Duration::hours(20)).to_rfc3339();
    let relaxed = deliver(&regie, &[&first, "--to", "air", "--profile", "house-mobile", "--deadline", &later]);
    run_worker(&regie);
    assert_eq!(delivery(&regie, relaxed["id"].as_str().unwrap())["state"], "delivered");
    let log = log_of(&relaxed);
    assert!(
        log.iter().any(|line| line.contains("preset quality") && line.contains("assumed") && line.contains("makes it")),
        "{log:#?}"
    );
    let speeds: Value = serde_json::from_slice(&std::fs::read(regie.data().join("speeds.json")).unwrap()).unwrap();
    assert!(speeds["house-mobile/quality"].as_f64().unwrap() > 0.0, "{speeds}");

    let gone = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let late = deliver(&regie, &[&second, "--to", "air", "--profile", "house-mobile", "--deadline", &gone]);
    assert_eq!(late["deadline_at_risk"], true);
    run_worker(&regie);
    let log = log_of(&late);
    assert!(log.iter().any(|line| line.contains("no preset makes it; the fastest, fast")), "{log:#?}");
    assert_eq!(delivery(&regie, late["id"].as_str().unwrap())["state"], "delivered", "late, but delivered");
}

#[test]
fn a_killed_upload_to_a_bucket_continues_its_multipart_upload() {
    let server = S3Server::start("slow-drop");
    let mut regie = TestRegie::new();
    regie.environment.push(("DROP_KEY".to_owned(), ACCESS_KEY.to_owned()));
    regie.environment.push(("DROP_SECRET".to_owned(), SECRET_KEY.to_owned()));
    // About 52 MB: four parts of 16 MiB.
    let source = regie.scratch("big").join("long.wav");
    fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=d=270:c=white:r=48000:a=0.3",
        "-ac",
        "2",
        "-c:a",
        "pcm_s16le",
        source.to_str().unwrap(),
    ]);
    let output = regie
        .command()
        .env("REGIE_JOBS_PREVIEWS_AT_INGEST", "0")
        .arg("ingest")
        .arg("--json")
        .arg(&source)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let asset = serde_json::from_slice::<Value>(&output.stdout).unwrap()["asset_id"].as_str().unwrap().to_owned();
    // 64 Mbit/s: a part every two seconds.
    regie.json(&[
        "destinations",
        "add",
        "drop",
        "--url",
        "s3://slow-drop/in",
        "--endpoint",
        &server.endpoint,
        "--access-key-env",
        "DROP_KEY",
        "--secret-key-env",
        "DROP_SECRET",
        "--limit-kbps",
        "64000",
        "--sidecar",
        "none",
        "--json",
    ]);
    let id = deliver(&regie, &[&asset, "--to", "drop"])["id"].as_str().unwrap().to_owned();
    let mut worker = regie
        .command()
        .env("REGIE_JOBS_LEASE_S", "2")
        .args(["worker", "--until-idle", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let transfers = regie.data().join("transfers");
    let started = Instant::now();
    loop {
        let recorded = std::fs::read_dir(&transfers)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| std::fs::read(entry.path()).ok())
            .filter_map(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .any(|state| state["parts"].as_array().is_some_and(|parts| !parts.is_empty()));
        if recorded {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no part was ever recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert!(server.objects("slow-drop").iter().all(|path| !path.ends_with("long.wav")), "no object before completion");

    let output =
        regie.command().env("REGIE_JOBS_LEASE_S", "2").args(["worker", "--until-idle", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record = delivery(&regie, &id);
    assert_eq!(record["state"], "delivered", "{record:#}");
    let media = &record["files"][0];
    assert!(media["resumed_from"].as_u64().unwrap() >= 16 * 1024 * 1024, "{record:#}");
    assert_receipt_matches_media(media, &server.root.join("slow-drop"), &source);
    assert!(std::fs::read_dir(&transfers).unwrap().next().is_none(), "the upload's state is gone once complete");
}

fn assert_receipt_matches_media(media: &Value, root: &Path, source: &Path) {
    let delivered = root.join(media["path"].as_str().unwrap());
    assert_eq!(md5sum(&delivered), md5sum(source));
    assert_eq!(media["md5"].as_str().unwrap(), md5sum(source));
}
