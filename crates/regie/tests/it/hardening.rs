//! Issue 12: the server and the worker under attack and under faults. Each test reproduces what
//! was observed against the real binary (over loopback for the server) and checks the fix.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixtures::distinct_wavs;
use crate::harness::TestRegie;
use crate::served::{Served, ingest_into};

/// A server with an admin `anne` and an editor `eve` granted `news`, and one asset in news.
fn newsroom() -> (Served, String) {
    let regie = TestRegie::new();
    let wavs = distinct_wavs(&regie.scratch("inbox"), 1);
    let news = ingest_into(&regie, &wavs[0], "news");
    let served = Served::start(regie);
    served.add_user("anne", "admin");
    served.add_user("eve", "editor");
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:eve", "--role", "editor", "--json"]);
    (served, news)
}

#[test]
fn profile_names_over_the_api_are_never_paths_and_errors_never_quote_files() {
    let (served, news) = newsroom();
    let eve = served.login("eve");
    let transcode = format!("/api/v1/assets/{news}/transcode");
    // An existing file, the server's environment, a missing file and a way out of the house
    // folder all get the same answer: the name is refused before any file is looked at.
    for profile in ["/etc/passwd", "/proc/self/environ", "/proc/self/cmdline", "/no/such/file", "../uploads/x.part"] {
        let answer = served.send("POST", &transcode, Some(&eve), Some(json!({ "profile": profile })));
        assert_eq!((answer.status, answer.code()), (400, "invalid-name".to_owned()), "{profile}");
        let body = String::from_utf8_lossy(&answer.body).into_owned();
        assert!(!body.contains("root:") && !body.contains("PATH=") && !body.contains("--data"), "{body}");
    }
    let unknown = served.send("POST", &transcode, Some(&eve), Some(json!({ "profile": "vhs" })));
    assert_eq!((unknown.status, unknown.code()), (404, "not-found".to_owned()));
    let built_in = served.send("POST", &transcode, Some(&eve), Some(json!({ "profile": "mobile-540p" })));
    assert_eq!(built_in.status, 202, "{}", String::from_utf8_lossy(&built_in.body));
}

#[test]
fn a_crafted_profile_cannot_inject_filters_or_options() {
    let (served, news) = newsroom();
    let anne = served.login("anne");
    let profiles = served.regie.data().join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    let evil = "name = \"evil\"\ncontainer = \"mp4\"\n[video]\ncodec = \"h264\"\n\
                pixel_format = \"yuv420p,drawtext=textfile=/etc/shadow[x];[x]null\"\n";
    std::fs::write(profiles.join("evil.toml"), evil).unwrap();
    let preset = "name = \"preset\"\ncontainer = \"mp4\"\n[video]\ncodec = \"h264\"\npreset = \"fast -y /tmp/x\"\n";
    std::fs::write(profiles.join("preset.toml"), preset).unwrap();
    let transcode = format!("/api/v1/assets/{news}/transcode");
    for profile in ["evil", "preset"] {
        let answer = served.send("POST", &transcode, Some(&anne), Some(json!({ "profile": profile })));
        assert_eq!((answer.status, answer.code()), (400, "invalid-profile".to_owned()), "{profile}");
        assert!(!String::from_utf8_lossy(&answer.body).contains("/etc/shadow"));
    }
    // The CLI refuses it the same way, so no job carrying it is ever queued.
    let cli = served.regie.run(&["transcode", &news, "--profile", "evil"]);
    assert_eq!(cli.status.code(), Some(2), "{}", String::from_utf8_lossy(&cli.stderr));
    assert_eq!(served.regie.query("SELECT COUNT(*) FROM jobs WHERE kind = 'transcode'")[0][0], "0");
}

#[test]
fn job_priorities_are_bounded_by_role() {
    let (served, news) = newsroom();
    let eve = served.login("eve");
    let transcode = format!("/api/v1/assets/{news}/transcode");
    let greedy =
        served.send("POST", &transcode, Some(&eve), Some(json!({ "profile": "mobile-540p", "priority": i64::MAX })));
    assert_eq!((greedy.status, greedy.code()), (400, "invalid-value".to_owned()));
    let ahead = served.send("POST", &transcode, Some(&eve), Some(json!({ "profile": "mobile-540p", "priority": 5 })));
    assert_eq!(ahead.status, 400, "an editor may not jump ahead of the previews of new arrivals");
    let modest = served.send("POST", &transcode, Some(&eve), Some(json!({ "profile": "mobile-540p", "priority": -5 })));
    assert_eq!(modest.status, 202);
    let anne = served.login("anne");
    let urgent = served.send("POST", &transcode, Some(&anne), Some(json!({ "profile": "audio-bwf", "priority": 500 })));
    assert_eq!(urgent.status, 202);
}

/// Runs regie and fails the test if it has not finished within `limit`.
fn run_bounded(regie: &TestRegie, arguments: &[&str], limit: Duration) -> std::process::Output {
    let mut child = regie.command().args(arguments).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("regie {arguments:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn named_pipes_are_refused_at_once_by_every_command_that_reads_a_file() {
    let regie = TestRegie::new();
    let scratch = regie.scratch("pipes");
    let pipe = scratch.join("programme.wav");
    let records = scratch.join("records.jsonl");
    for fifo in [&pipe, &records] {
        let made = std::process::Command::new("mkfifo").arg(fifo).status().unwrap();
        assert!(made.success());
    }
    let pipe = pipe.to_str().unwrap();
    let fixed = scratch.join("fixed.wav");
    let commands: Vec<Vec<&str>> = vec![
        vec!["probe", pipe],
        vec!["check", pipe, "--policy", "ebu-r128"],
        vec!["normalize", pipe, "--policy", "ebu-r128", "--output", fixed.to_str().unwrap()],
        vec!["import-metadata", records.to_str().unwrap()],
    ];
    for command in commands {
        let output = run_bounded(&regie, &command, Duration::from_secs(20));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{command:?}: {stderr}");
    }
    assert!(!fixed.exists());
}

#[test]
fn a_job_whose_work_folder_cannot_be_made_does_not_run() {
    let regie = TestRegie::new();
    let wav = &distinct_wavs(&regie.scratch("inbox"), 1)[0];
    let ingested =
        regie.command().env("REGIE_JOBS_MAX_ATTEMPTS", "1").args(["ingest", "--json"]).arg(wav).output().unwrap();
    assert!(ingested.status.success());
    // `DATA/work` is a file: no job folder can be made under it.
    std::fs::write(regie.data().join("work"), b"not a folder").unwrap();
    let worker = regie.command().args(["worker", "--until-idle", "--json"]).output().unwrap();
    assert!(!worker.status.success() || !worker.stdout.is_empty(), "{}", String::from_utf8_lossy(&worker.stderr));
    let jobs = regie.json(&["jobs", "list", "--json"]);
    let job = &jobs.as_array().unwrap()[0];
    assert_eq!(job["state"], "failed", "{job:#}");
    let details = regie.json(&["jobs", "show", job["id"].as_str().unwrap(), "--json"]);
    let log = details["log"].to_string();
    assert!(!log.contains("file:"), "ffmpeg ran although its work folder was never made: {log}");
    assert!(details["error"].to_string().contains("work"), "{details:#}");
}
