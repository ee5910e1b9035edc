//! Several processes on one catalogue: CLIs appending to one audit chain, two servers on one
//! PostgreSQL database seeing each other's changes (records and search), and a PostgreSQL server
//! going down and coming back under a running regie.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fixtures;
use crate::harness::{TestRegie, on_postgres};
use crate::served::{Served, ingest_into};

#[test]
fn processes_appending_at_once_keep_one_audit_chain() {
    let regie = TestRegie::new();
    let fixture = fixtures::media().join("pcm24.wav");
    let asset = ingest_into(&regie, &fixture, "news");
    std::thread::scope(|scope| {
        for process in 0..4 {
            let regie = &regie;
            let asset = &asset;
            scope.spawn(move || {
                for round in 0..6 {
                    let tag = format!("p{process}r{round}");
                    let output = regie.run(&["assets", "tag", asset, &tag]);
                    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
                }
            });
        }
    });
    let verified = regie.run(&["audit", "verify", "--json"]);
    let report: Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert!(verified.status.success(), "{report}");
    assert_eq!(report["intact"], json!(true));
    let entries = regie.json(&["audit", "list", "--limit", "100000", "--json"]);
    let numbers: Vec<u64> = entries.as_array().unwrap().iter().map(|entry| entry["seq"].as_u64().unwrap()).collect();
    assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>(), "no number repeats or is skipped");
    assert!(numbers.len() >= 25, "one ingest and 24 tag changes at least: {}", numbers.len());
    let shown = regie.json(&["assets", "show", &asset, "--json"]);
    assert_eq!(shown["tags"].as_array().unwrap().len(), 24, "{shown}");
}

#[test]
fn two_servers_on_one_database_see_each_others_changes() {
    if !on_postgres() {
        return; // two servers share one catalogue only on PostgreSQL; this runs in the PostgreSQL pass
    }
    let first = Served::start(TestRegie::new());
    let second = Served::start(TestRegie::sharing_database(&first.regie));
    first.add_user("ada", "admin");
    let asset = ingest_into(&first.regie, &fixtures::media().join("pcm24.wav"), "news");
    let on_first = first.login("ada");
    let on_second = second.login("ada");

    // Read through the second server first, so its caches hold the asset before the change.
    let before = second.get(&format!("/api/v1/assets/{asset}"), &on_second).json();
    assert_eq!(before["tags"], json!([]));
    assert_eq!(second.get("/api/v1/search?q=tag:exclusive", &on_second).json()["total"], json!(0));

    let changed = first.send(
        "POST",
        &format!("/api/v1/assets/{asset}/tags"),
        Some(&on_first),
        Some(json!({"add": ["exclusive"]})),
    );
    assert_eq!(changed.status, 200);
    let record = second.get(&format!("/api/v1/assets/{asset}"), &on_second).json();
    assert_eq!(record["tags"], json!(["exclusive"]), "the next request on the other server sees the change");
    let started = Instant::now();
    loop {
        let found = second.get("/api/v1/search?q=tag:exclusive", &on_second).json();
        if found["total"] == json!(1) {
            assert_eq!(found["hits"][0]["asset_id"], json!(asset));
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "found through the other server within a second");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_postgres_restart_fails_requests_cleanly_and_regie_recovers() {
    if !on_postgres() {
        return; // the PostgreSQL pass runs it
    }
    let cluster = tempfile::tempdir().unwrap();
    let folder = cluster.path().join("pg");
    let port = free_port();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/postgres.sh");
    let postgres = |action: &str| {
        let status = std::process::Command::new("bash")
            .arg(script)
            .arg(action)
            .arg(&folder)
            .arg(port.to_string())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "scripts/postgres.sh {action}");
    };
    postgres("start");
    let mut regie = TestRegie::new();
    regie.database_url = Some(format!("postgres://postgres@127.0.0.1:{port}/postgres"));
    let served = Served::start(regie);
    served.add_user("ada", "admin");
    let token = served.login("ada");
    assert_eq!(served.get("/api/v1/assets", &token).status, 200);

    // Load: four clients asking all along, through the halt and the restart.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let statuses = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let asked = Instant::now();
                    let status = served.get("/api/v1/assets", &token).status;
                    statuses.lock().unwrap().push((status, asked.elapsed()));
                    std::thread::sleep(Duration::from_millis(20));
                }
            });
        }
        std::thread::sleep(Duration::from_millis(500));
        postgres("halt");
        std::thread::sleep(Duration::from_secs(2));
        postgres("resume");
        std::thread::sleep(Duration::from_secs(3));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let statuses = statuses.into_inner().unwrap();
    assert!(
        statuses.iter().all(|(status, _)| matches!(status, 200 | 503)),
        "only answers or clean refusals: {statuses:?}"
    );
    assert!(statuses.iter().all(|(_, took)| *took < Duration::from_secs(15)), "no request hangs: {statuses:?}");
    // Whether a request of the load was in flight at the instant of the halt (refused with 503)
    // or waited for the restart (200) is timing; the refusal of an outage longer than the pool's
    // wait is asserted below, without a race.

    postgres("halt");
    let started = Instant::now();
    let down = served.get("/api/v1/assets", &token);
    assert_eq!(down.status, 503, "{}", String::from_utf8_lossy(&down.body));
    assert!(matches!(down.code().as_str(), "database-unavailable" | "database-busy"), "{}", down.code());
    assert!(started.elapsed() < Duration::from_secs(15), "an unreachable database answers within the pool's timeout");
    assert_eq!(served.raw("GET", "/readyz", &[], None).status, 503);

    postgres("resume");
    let started = Instant::now();
    loop {
        let answer = served.get("/api/v1/assets", &token);
        if answer.status == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "regie recovers without a restart: {}", answer.status);
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(served.raw("GET", "/readyz", &[], None).status, 200);
    postgres("stop");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn render_farm_workers_take_jobs_through_the_lease_api() {
    let bucket = crate::s3::S3Bucket::start();
    let node = bucket.regie();
    let served = Served::start(node);
    served.add_user("farm", "media-manager");
    served.add_user("eddie", "editor");
    let created = served.regie.json(&["tokens", "create", "--user", "farm", "--scope", "worker", "--json"]);
    let token = created["token"].as_str().unwrap().to_owned();
    let inbox = served.regie.scratch("inbox");
    let paths = fixtures::copy_into(&inbox, &["h264_aac.mp4"]);
    let output = served.regie.command().args(["ingest", "--json"]).arg(&paths[0]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    let asset = line["asset_id"].as_str().unwrap().to_owned();

    // The farm node: its own data folder, the shared bucket, no database of the server's.
    let mut farm = bucket.regie();
    farm.database_url = None;
    let worker = farm
        .command()
        .env("REGIE_WORKER_TOKEN", &token)
        .args(["worker", "--server", &served.base, "--until-idle", "--json"])
        .output()
        .unwrap();
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let shown = served.regie.json(&["assets", "show", &asset, "--json"]);
    let roles: Vec<&str> =
        shown["files"].as_array().unwrap().iter().map(|file| file["role"].as_str().unwrap()).collect();
    assert!(roles.contains(&"proxy") && roles.contains(&"poster"), "made by the farm node: {roles:?}");
    let jobs = served.regie.json(&["jobs", "list", "--json"]);
    let job = jobs.as_array().unwrap().iter().find(|job| job["kind"] == "previews").unwrap();
    assert_eq!(job["state"], json!("succeeded"), "{job}");
    let shots = jobs.as_array().unwrap().iter().find(|job| job["kind"] == "shots").unwrap();
    assert_eq!(shots["state"], json!("queued"), "shots are left to a worker on the catalogue: {shots}");
    let log = served.regie.json(&["jobs", "show", job["id"].as_str().unwrap(), "--json"]);
    let text = log.to_string();
    assert!(text.contains("farm/"), "the lease is held under the account's name: {text}");

    // Without the worker scope, or with a name that is not plain: refused.
    let editor = served.login("eddie");
    let refused =
        served.send("POST", "/api/v1/worker/claim", Some(&editor), Some(json!({"worker": "w1", "lease_s": 30})));
    assert_eq!(refused.status, 403, "{}", String::from_utf8_lossy(&refused.body));
    let bad_name =
        served.send("POST", "/api/v1/worker/claim", Some(&token), Some(json!({"worker": "../w 1", "lease_s": 30})));
    assert_eq!(bad_name.status, 400);
    let idle = served.send("POST", "/api/v1/worker/claim", Some(&token), Some(json!({"worker": "w1", "lease_s": 30})));
    assert_eq!(idle.json(), json!({"job": null, "live_jobs": 0}));
    // Outputs that are not in the store are not recorded.
    let fake = json!({"outcome": "succeeded", "worker": "w1", "result": {}, "outputs": {"asset_id": null, "files": [], "rendition": null}});
    let not_held = served.send("POST", "/api/v1/worker/jobs/nope/complete", Some(&token), Some(fake));
    assert!(matches!(not_held.status, 403 | 404), "{}", not_held.status);

    // A worker cannot attach files to an asset other than its job's.
    let other = ingest_into(&served.regie, &fixtures::media().join("pcm24.wav"), "news");
    let queued = served.regie.json(&["previews", &other, "--json"]);
    let claimed =
        served.send("POST", "/api/v1/worker/claim", Some(&token), Some(json!({"worker": "w2", "lease_s": 30})));
    let job_id = claimed.json()["job"]["id"].as_str().unwrap().to_owned();
    assert_eq!(job_id, queued["job_id"].as_str().unwrap());
    let original = shown["files"].as_array().unwrap().iter().find(|file| file["role"] == "original").unwrap().clone();
    let forged = json!({"outcome": "succeeded", "worker": "w2", "result": {}, "outputs": {
        "asset_id": asset,
        "files": [{"role": "proxy-forged", "format": "mp4", "media": null,
                   "checksums": {"md5": original["md5"], "blake3": original["blake3"], "sha256": null, "size": original["size"]}}],
        "rendition": null}});
    let completed = served.send("POST", &format!("/api/v1/worker/jobs/{job_id}/complete"), Some(&token), Some(forged));
    assert_eq!(completed.status, 200, "{}", String::from_utf8_lossy(&completed.body));
    let roles = |id: &str| -> Vec<String> {
        let shown = served.regie.json(&["assets", "show", id, "--json"]);
        shown["files"].as_array().unwrap().iter().map(|file| file["role"].as_str().unwrap().to_owned()).collect()
    };
    assert!(!roles(&asset).contains(&"proxy-forged".to_owned()), "the asset named by the worker is untouched");
    assert!(roles(&other).contains(&"proxy-forged".to_owned()), "the file went to the job's own asset");
}

#[test]
fn eight_worker_processes_run_each_of_2000_jobs_exactly_once() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let paths = fixtures::distinct_wavs(&inbox, 4);
    let inputs: Vec<&std::path::Path> = paths.iter().map(std::path::PathBuf::as_path).collect();
    let (code, lines) = regie.ingest(&inputs, &[]);
    assert_eq!(code, 0, "{lines:?}");
    let assets: Vec<String> = lines.iter().map(|line| line["asset_id"].as_str().unwrap().to_owned()).collect();
    regie.execute("DELETE FROM job_log");
    regie.execute("DELETE FROM jobs");
    // Fixity checks queued as a scheduler would, 400 rows per statement.
    for batch in 0..5 {
        let rows: Vec<String> = (0..400)
            .map(|n| {
                let number = batch * 400 + n;
                let asset = &assets[number % assets.len()];
                format!(
                    "('job-{number:04}', 'verify', '{asset}', '{{}}', 'queued', 0, 3, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')"
                )
            })
            .collect();
        regie.execute(&format!(
            "INSERT INTO jobs (id, kind, asset_id, payload, state, priority, max_attempts, run_after, created_at) VALUES {}",
            rows.join(", ")
        ));
    }
    let workers: Vec<_> = (0..8)
        .map(|_| {
            regie
                .command()
                .env("REGIE_JOBS_CONCURRENCY", "1")
                .args(["worker", "--until-idle", "--json"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for worker in workers {
        let output = worker.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let jobs = regie.json(&["jobs", "list", "--limit", "5000", "--json"]);
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 2000);
    assert!(jobs.iter().all(|job| job["state"] == "succeeded"), "every job ran");
    assert!(jobs.iter().all(|job| job["attempts"] == 1), "no job was run twice");
    // Who ran each job is in the job logs; read in one query rather than 2,000 `jobs show`.
    let started = regie.query("SELECT COUNT(*) FROM job_log WHERE message LIKE 'attempt % started by worker %'");
    assert_eq!(started, [["2000".to_owned()]], "each job was started once");
    let holders =
        regie.query("SELECT COUNT(DISTINCT message) FROM job_log WHERE message LIKE 'attempt 1 started by worker %'");
    let holders: usize = holders[0][0].parse().unwrap();
    assert!(holders >= 2, "the work was shared between processes: {holders} distinct workers");
}

#[test]
fn doctor_and_config_show_name_the_database_without_its_password() {
    let regie = TestRegie::new();
    let unreachable = "postgres://regie:s3cret-pw@127.0.0.1:1/catalogue";
    let shown =
        regie.command().env("REGIE_DATABASE_URL", unreachable).args(["config", "show", "--json"]).output().unwrap();
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("postgres://regie:***@127.0.0.1:1/catalogue"), "{text}");
    assert!(!text.contains("s3cret-pw"), "{text}");

    let doctor = regie.command().env("REGIE_DATABASE_URL", unreachable).args(["doctor", "--json"]).output().unwrap();
    assert_eq!(doctor.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let database = report["checks"].as_array().unwrap().iter().find(|check| check["name"] == "database").unwrap();
    assert_eq!(database["ok"], json!(false));
    let message = database["message"].as_str().unwrap();
    assert!(message.contains("nothing listens"), "the fault in words: {message}");
    assert!(!report.to_string().contains("s3cret-pw"), "{report}");

    let healthy = regie.run(&["doctor", "--json"]);
    let report: Value = serde_json::from_slice(&healthy.stdout).unwrap();
    assert_eq!(healthy.status.code(), Some(0), "{report}");
    let names: Vec<&str> =
        report["checks"].as_array().unwrap().iter().map(|check| check["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["data-folder", "database", "schema", "clock", "store", "ffmpeg", "embedding-engine"]);
}

#[test]
fn migrate_brings_the_schema_up_to_date_and_says_where() {
    let regie = TestRegie::new();
    let migrated = regie.json(&["migrate", "--json"]);
    let expected = if on_postgres() { "postgres" } else { "sqlite" };
    assert_eq!(migrated["backend"], json!(expected), "{migrated}");
    let applied = migrated["applied"].as_array().unwrap();
    assert_eq!(migrated["schema_version"], json!(applied.len()), "{migrated}");
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../regie-db/migrations/sqlite");
    let mut newest: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    newest.sort();
    let newest = newest.last().unwrap().trim_end_matches(".sql").replace('_', " ");
    assert_eq!(applied.len(), newest[..4].parse::<usize>().unwrap(), "every migration applied: {migrated}");
    assert_eq!(applied.last().unwrap(), &json!(newest), "{migrated}");
    let again = regie.json(&["migrate", "--json"]);
    assert_eq!(again["applied"], migrated["applied"], "a second run changes nothing");
}
