//! Watch folders and workflow rules: a file written slowly is ingested once, complete; rules on
//! a watched collection check, transcode and deliver exactly once even when the worker is killed
//! in between; webhooks are signed and retried; `rules test` says what would happen.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::fixtures;
use crate::harness::TestRegie;

fn md5sum(path: &Path) -> String {
    let output = Command::new("md5sum").arg(path).output().unwrap();
    String::from_utf8(output.stdout).unwrap().split_whitespace().next().unwrap().to_owned()
}

fn write_config(regie: &TestRegie, text: &str) {
    std::fs::create_dir_all(regie.data()).unwrap();
    std::fs::write(regie.data().join("regie.toml"), text).unwrap();
}

fn start_watch(regie: &TestRegie) -> Child {
    regie
        .command()
        .env("REGIE_JOBS_PREVIEWS_AT_INGEST", "0")
        .args(["watch", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_file_written_slowly_is_ingested_once_after_it_is_complete() {
    let regie = TestRegie::new();
    let hot = regie.scratch("hot");
    write_config(
        &regie,
        &format!(
            "[[watch]]\nname = \"hot\"\npath = \"{}\"\ncollection = \"news\"\nstability_s = 1.5\nrescan_s = 0.2\nafter = \"move\"\n",
            hot.display()
        ),
    );
    let source = fixtures::media().join("pcm24.wav");
    let bytes = std::fs::read(&source).unwrap();
    let mut watcher = start_watch(&regie);
    let mut lines = BufReader::new(watcher.stdout.take().unwrap()).lines();

    // Written in eight parts over about 3.5 s, longer than the stability period between none.
    let target = hot.join("interview.wav");
    let started = Instant::now();
    let mut written = Duration::ZERO;
    {
        let mut file = std::fs::File::create(&target).unwrap();
        for chunk in bytes.chunks(bytes.len().div_ceil(8)) {
            file.write_all(chunk).unwrap();
            file.flush().unwrap();
            written = started.elapsed();
            std::thread::sleep(Duration::from_millis(500));
            assert_eq!(regie.asset_count(), 0, "nothing is ingested while the file grows");
        }
    }
    let outcome: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let waited = started.elapsed();
    assert_eq!(outcome["status"], "ingested", "{outcome:#}");
    assert!(
        waited >= written + Duration::from_millis(1400),
        "taken {waited:?} after the start, written in {written:?}"
    );
    assert_eq!(outcome["moved_to"], "done/interview.wav");
    assert!(hot.join("done/interview.wav").exists() && !target.exists());
    let assets = regie.assets();
    assert_eq!(assets.len(), 1);
    let original = &assets[0]["files"][0];
    assert_eq!(original["size"].as_u64().unwrap(), bytes.len() as u64, "the complete file");
    assert_eq!(original["md5"].as_str().unwrap(), md5sum(&source));
    assert_eq!(assets[0]["collection"], "news");
    watcher.kill().unwrap();
    watcher.wait().unwrap();

    // A restart handles nothing twice; a file that is not media goes to failed/.
    std::fs::write(hot.join("notes.pdf"), b"%PDF-1.4 not media").unwrap();
    let once =
        regie.command().args(["watch", "--once", "--json"]).env("REGIE_JOBS_PREVIEWS_AT_INGEST", "0").output().unwrap();
    assert!(once.status.success(), "{}", String::from_utf8_lossy(&once.stderr));
    let outcomes = crate::harness::json_lines(&once.stdout);
    assert_eq!(outcomes.len(), 1, "{outcomes:#?}");
    assert_eq!(outcomes[0]["status"], "failed");
    assert_eq!(outcomes[0]["moved_to"], "failed/notes.pdf");
    assert_eq!(regie.asset_count(), 1);
}

#[test]
fn files_left_in_place_are_not_taken_again_after_a_restart() {
    let regie = TestRegie::new();
    let hot = regie.scratch("drop");
    write_config(
        &regie,
        &format!(
            "[[watch]]\npath = \"{}\"\ncollection = \"promos\"\nstability_s = 0.3\nrescan_s = 0.1\n",
            hot.display()
        ),
    );
    fixtures::copy_into(&hot, &["h264_aac.mp4"]);
    std::fs::write(hot.join("h264_aac.json"), r#"{"title": "Agency feed", "series": "Promos"}"#).unwrap();
    // A sidecar without media waits without keeping `--once` from finishing.
    std::fs::write(hot.join("orphan.xml"), "<note/>").unwrap();
    let run = || {
        let output = regie
            .command()
            .args(["watch", "--once", "--json"])
            .env("REGIE_JOBS_PREVIEWS_AT_INGEST", "0")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        crate::harness::json_lines(&output.stdout)
    };
    let first = run();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["status"], "ingested");
    assert!(first[0]["moved_to"].is_null());
    assert!(hot.join("h264_aac.mp4").exists(), "left in place");
    assert!(run().is_empty(), "the journal keeps it from being taken again");
    assert_eq!(regie.asset_count(), 1);
    let asset = &regie.assets()[0];
    assert_eq!(asset["metadata"]["title"], "Agency feed", "the sidecar came with it");
}

/// A request as received: its headers (names in lower case) and body.
type Received = (Vec<(String, String)>, Vec<u8>);

/// A webhook receiver on loopback: answers 500 to the first request, 200 after; keeps what came.
struct Receiver {
    url: String,
    requests: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/regie", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<Received>>> = Arc::default();
        let kept = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut headers = Vec::new();
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                loop {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    let trimmed = line.trim_end();
                    if trimmed.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = trimmed.split_once(':') {
                        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                    }
                }
                let length: usize = headers
                    .iter()
                    .find(|(name, _)| name == "content-length")
                    .map_or(0, |(_, value)| value.parse().unwrap());
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let first = kept.lock().unwrap().is_empty();
                kept.lock().unwrap().push((headers, body));
                let status = if first { "500 Internal Server Error" } else { "200 OK" };
                let mut stream = reader.into_inner();
                let _ = stream.write_all(
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes(),
                );
            }
        });
        Self { url, requests }
    }
}

/// HMAC-SHA256 as the receiver computes it.
fn hmac(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let inner = Sha256::new().chain_update(block.map(|byte| byte ^ 0x36)).chain_update(message).finalize();
    hex::encode(Sha256::new().chain_update(block.map(|byte| byte ^ 0x5c)).chain_update(inner).finalize())
}

#[test]
fn a_rule_on_a_watched_collection_checks_transcodes_and_delivers_exactly_once_despite_a_killed_worker() {
    let mut regie = TestRegie::new();
    regie.environment.push(("HOOK_SECRET".to_owned(), "s3cret-for-the-test".to_owned()));
    regie.environment.push(("REGIE_JOBS_RETRY_BACKOFF_S".to_owned(), "0".to_owned()));
    regie.environment.push(("REGIE_JOBS_PREVIEWS_AT_INGEST".to_owned(), "0".to_owned()));
    let receiver = Receiver::start();
    let out = regie.scratch("playout");
    let rules = regie.data().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("news-to-playout.toml"),
        format!(
            "on = \"ingested\"\n[when]\ncollection = \"news\"\nchecks = [\"video.height >= 240\"]\n\
             [[do]]\naction = \"check\"\npolicy = \"ebu-r128\"\n\
             [[do]]\naction = \"transcode\"\nprofile = \"mobile-540p\"\n\
             [[do]]\naction = \"deliver\"\ndestination = \"playout\"\nprofile = \"mobile-540p\"\n\
             [[do]]\naction = \"webhook\"\nurl = \"{}\"\nsecret_env = \"HOOK_SECRET\"\n",
            receiver.url
        ),
    )
    .unwrap();
    std::fs::write(
        rules.join("sport-only.toml"),
        "on = \"ingested\"\n[when]\ncollection = \"sport\"\n[[do]]\naction = \"tag\"\ntags = [\"sport\"]\n",
    )
    .unwrap();
    let listed = regie.json(&["rules", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    regie.json(&[
        "destinations",
        "add",
        "playout",
        "--url",
        &format!("file://{}", out.display()),
        "--sidecar",
        "none",
        "--json",
    ]);
    let inbox = regie.scratch("inbox");
    let paths = fixtures::copy_into(&inbox, &["h264_aac.mp4"]);
    let (code, lines) = regie.ingest(&[&paths[0]], &["--collection", "news"]);
    assert_eq!(code, 0, "{lines:?}");
    let asset = lines[0]["asset_id"].as_str().unwrap().to_owned();

    let test = regie.json(&["rules", "test", "news-to-playout", "--asset", &asset, "--json"]);
    assert_eq!(test["applies"], true, "{test:#}");
    assert_eq!(test["would"].as_array().unwrap().len(), 4);
    let other = regie.json(&["rules", "test", "sport-only", "--asset", &asset, "--json"]);
    assert_eq!(other["applies"], false);
    assert!(other["reason"].as_str().unwrap().contains("not in sport"), "{other:#}");
    assert!(std::fs::read_dir(&out).unwrap().next().is_none(), "rules test does nothing");

    // A worker killed as soon as the transcode runs; another finishes the work.
    let mut worker = regie
        .command()
        .env("REGIE_JOBS_LEASE_S", "2")
        .args(["worker", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let running = regie.json(&["jobs", "list", "--state", "running", "--json"]);
        if running.as_array().unwrap().iter().any(|job| job["kind"] == "transcode" || job["kind"] == "deliver") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no transcode ever ran");
        std::thread::sleep(Duration::from_millis(50));
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
    for _ in 0..2 {
        let output =
            regie.command().env("REGIE_JOBS_LEASE_S", "2").args(["worker", "--until-idle", "--json"]).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }

    let deliveries = regie.json(&["deliveries", "list", "--json"]);
    assert_eq!(deliveries.as_array().unwrap().len(), 1, "delivered once: {deliveries:#}");
    assert_eq!(deliveries[0]["state"], "delivered", "{deliveries:#}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2, "media and manifest, once");
    let jobs = regie.json(&["jobs", "list", "--limit", "200", "--json"]);
    let transcodes = jobs.as_array().unwrap().iter().filter(|job| job["kind"] == "transcode").count();
    assert_eq!(transcodes, 1, "{jobs:#}");
    let rule_runs = regie.audit_entries("rule.run");
    assert_eq!(rule_runs.len(), 1, "{rule_runs:#?}");
    assert_eq!(rule_runs[0]["actor"], "rule:news-to-playout");
    assert!(!regie.audit_entries("rule.check").is_empty());

    let requests = receiver.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "a failed call is retried, a succeeded one is not repeated");
    for (headers, body) in &requests {
        let header = |name: &str| headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
        let signature = header("x-regie-signature").expect("signed");
        assert_eq!(signature, format!("sha256={}", hmac(b"s3cret-for-the-test", body)), "the signature verifies");
        let event: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(event["event"], "ingested");
        assert_eq!(event["asset_id"], asset.as_str());
        assert_eq!(event["rule"], "news-to-playout");
    }
    let keys: Vec<String> = requests
        .iter()
        .map(|(headers, _)| headers.iter().find(|(key, _)| key == "x-regie-delivery").unwrap().1.clone())
        .collect();
    assert_eq!(keys[0], keys[1], "a retry carries the same delivery key");
}

#[test]
fn a_scheduled_rule_sweeps_the_matching_assets_once_per_time() {
    let mut regie = TestRegie::new();
    regie.environment.push(("REGIE_JOBS_PREVIEWS_AT_INGEST".to_owned(), "0".to_owned()));
    let inbox = regie.scratch("sweep");
    let paths = fixtures::copy_into(&inbox, &["h264_aac.mp4", "pcm24.wav", "prores_tc.mov"]);
    for (path, collection) in paths.iter().zip(["inbox", "inbox/agency", "other"]) {
        let (code, lines) = regie.ingest(&[path.as_path()], &["--collection", collection]);
        assert_eq!(code, 0, "{lines:?}");
    }
    let rules = regie.data().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("sweep.toml"),
        "on = \"schedule\"\ncron = \"* * * * *\"\n[when]\ncollection = \"inbox\"\n\
         [[do]]\naction = \"move\"\ncollection = \"archive/2026\"\n[[do]]\naction = \"tag\"\ntags = [\"swept\"]\n",
    )
    .unwrap();
    std::fs::write(rules.join("broken-cron.toml.off"), "not a rule").unwrap();
    for _ in 0..2 {
        let output = regie.run(&["worker", "--until-idle", "--json"]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let mut by_collection: Vec<(String, Vec<Value>)> = regie
        .assets()
        .iter()
        .map(|asset| (asset["collection"].as_str().unwrap().to_owned(), asset["tags"].as_array().unwrap().clone()))
        .collect();
    by_collection.sort_by(|left, right| left.0.cmp(&right.0));
    assert_eq!(by_collection[0].0, "archive/2026");
    assert_eq!(by_collection[1].0, "archive/2026");
    assert_eq!(by_collection[2].0, "other");
    assert_eq!(by_collection[0].1, vec![Value::from("swept")]);
    assert!(by_collection[2].1.is_empty());
    let runs = regie.audit_entries("rule.run");
    assert_eq!(runs.len(), 2, "one run per matching asset: {runs:#?}");
    let bad = regie.data().join("rules").join("bad.toml");
    std::fs::write(&bad, "on = \"schedule\"\ncron = \"61 * * * *\"\n[[do]]\naction = \"tag\"\ntags = [\"x\"]\n")
        .unwrap();
    let refused = regie.run(&["rules", "list"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("minute"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn a_watch_folder_runs_only_the_rules_it_names_and_rules_are_managed_over_the_api() {
    let mut regie = TestRegie::new();
    regie.environment.push(("REGIE_JOBS_PREVIEWS_AT_INGEST".to_owned(), "0".to_owned()));
    let hot = regie.scratch("named");
    write_config(
        &regie,
        &format!(
            "[[watch]]\nname = \"agency\"\npath = \"{}\"\ncollection = \"news\"\nrules = [\"tag-hot\"]\nstability_s = 0.3\nrescan_s = 0.1\n",
            hot.display()
        ),
    );
    let rules = regie.data().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    for (name, tag) in [("tag-hot", "hot"), ("tag-other", "other")] {
        std::fs::write(
            rules.join(format!("{name}.toml")),
            format!("on = \"watch-folder\"\n[[do]]\naction = \"tag\"\ntags = [\"{tag}\"]\n"),
        )
        .unwrap();
    }
    fixtures::copy_into(&hot, &["h264_aac.mp4"]);
    let watched = regie.run(&["watch", "--once", "--json"]);
    assert!(watched.status.success(), "{}", String::from_utf8_lossy(&watched.stderr));
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success());
    let assets = regie.assets();
    assert_eq!(assets[0]["tags"], serde_json::json!(["hot"]), "only the folder's rule ran");
    let asset = assets[0]["id"].as_str().unwrap().to_owned();

    let served = crate::served::Served::start(regie);
    served.add_user("ada", "admin");
    served.add_user("eve", "editor");
    let (ada, eve) = (served.login("ada"), served.login("eve"));
    let listed = served.get("/api/v1/rules", &ada).json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(served.get("/api/v1/rules", &eve).status, 403);
    let body = serde_json::json!({ "toml": "on = \"tagged\"\n[[do]]\naction = \"webhook\"\nurl = \"ftp://x\"\n" });
    let refused = served.send("PUT", "/api/v1/rules/bad", Some(&ada), Some(body));
    assert_eq!(refused.status, 400, "{}", String::from_utf8_lossy(&refused.body));
    let good = serde_json::json!({ "toml": "on = \"tagged\"\n[when]\ntags = [\"hot\"]\n[[do]]\naction = \"tag\"\ntags = [\"seen\"]\n" });
    assert_eq!(served.send("PUT", "/api/v1/rules/seen", Some(&eve), Some(good.clone())).status, 403);
    assert_eq!(served.send("PUT", "/api/v1/rules/seen", Some(&ada), Some(good)).status, 200);
    assert!(served.regie.data().join("rules/seen.toml").exists());
    let test = served.get(&format!("/api/v1/rules/seen/test?asset={asset}"), &ada).json();
    assert_eq!(test["applies"], true, "{test:#}");
    assert_eq!(
        served.send("PUT", "/api/v1/rules/..%2Fescape", Some(&ada), Some(serde_json::json!({"toml": ""}))).status,
        400
    );
    assert_eq!(served.send("DELETE", "/api/v1/rules/seen", Some(&ada), None).status, 204);
    assert_eq!(served.send("DELETE", "/api/v1/rules/seen", Some(&ada), None).status, 404);
    let saved = served.regie.audit_entries("rule.save");
    assert_eq!(saved.len(), 1);
}

/// CPU time (user + system, clock ticks) a process has used, from /proc.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn an_idle_watcher_sleeps_between_scans() {
    let regie = TestRegie::new();
    let hot = regie.scratch("idle");
    std::fs::write(hot.join("waiting.xml"), "<sidecar without media/>").unwrap();
    write_config(
        &regie,
        &format!("[[watch]]\npath = \"{}\"\ncollection = \"news\"\nstability_s = 0.2\nrescan_s = 0.2\n", hot.display()),
    );
    let mut watcher = start_watch(&regie);
    std::thread::sleep(Duration::from_secs(1));
    let before = cpu_ticks(watcher.id());
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_ticks(watcher.id()) - before;
    watcher.kill().unwrap();
    watcher.wait().unwrap();
    // A loop woken by its own scans would burn most of the 300 ticks.
    assert!(used < 60, "the watcher used {used} ticks of CPU in 3 s while nothing changed");
}
