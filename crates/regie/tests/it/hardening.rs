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
    let jobs = served.regie.json(&["jobs", "list", "--json"]);
    assert!(jobs.as_array().unwrap().iter().all(|job| job["kind"] != "transcode"), "{jobs}");
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

#[test]
fn a_screener_over_the_api_names_a_plain_recipient_and_the_request_is_audited() {
    let (served, news) = newsroom();
    let eve = served.login("eve");
    let transcode = format!("/api/v1/assets/{news}/transcode");
    for (body, said) in [
        (json!({ "profile": "screener" }), "--recipient"),
        (json!({ "profile": "screener", "recipient": "x:y'%{localtime}" }), "recipient"),
        (json!({ "profile": "mobile-540p", "recipient": "ACME" }), "[watermark]"),
        (json!({ "profile": "mobile-540p", "per_title": true, "target_ssim": 1.5 }), "target"),
    ] {
        let answer = served.send("POST", &transcode, Some(&eve), Some(body.clone()));
        assert_eq!(answer.status, 400, "{body}");
        let message = answer.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains(said), "{body}: {message}");
    }
    let queued =
        served.send("POST", &transcode, Some(&eve), Some(json!({ "profile": "screener", "recipient": "ACME Films" })));
    assert_eq!(queued.status, 202, "{}", String::from_utf8_lossy(&queued.body));
    let job = served.regie.json(&["jobs", "show", queued.json()["job_id"].as_str().unwrap(), "--json"]);
    assert_eq!(job["payload"]["recipient"], "ACME Films", "{job:#}");
    let audited = served.regie.audit_entries("transcode.queue");
    assert!(audited.iter().any(|entry| entry["detail"].as_str().unwrap().contains("for recipient \"ACME Films\"")));
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

/// Sends a JSON POST from `source` (another loopback address) and returns the status.
fn post_from(source: &str, served: &Served, path: &str, body: &serde_json::Value) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
        let mut stream = socket.connect(served.address().parse().unwrap()).await.unwrap();
        let body = body.to_string();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: regie\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.split_whitespace().nth(1).unwrap().parse().unwrap()
    })
}

#[test]
fn login_throttling_counts_addresses_and_accounts_independently() {
    let (served, _) = newsroom();
    served.add_user("mallory", "viewer");
    let guess = |password: &str| {
        served.send("POST", "/api/v1/auth/login", None, Some(json!({"username": "anne", "password": password})))
    };
    // The attacker's own successful logins do not buy guesses on another account.
    let mut evaluated = 0;
    for attempt in 0..40 {
        if guess(&format!("guess number {attempt}")).status == 401 {
            evaluated += 1;
        }
        if attempt % 4 == 3 {
            served.login("mallory");
        }
    }
    // 5 forgiven, then delays of 1, 2, 4, 8... s: a slow machine may see one or two delays run out.
    assert!(evaluated <= 9, "{evaluated} of 40 guesses were evaluated");
    // Anne is not locked out: her correct password from an address without failures gets in.
    let login = json!({"username": "anne", "password": crate::served::PASSWORD});
    // Make sure the attacker's delay has seconds left (a slow run may have let it nearly run out):
    // a guess that is evaluated starts a fresh, longer delay; one refused says how long is left.
    for _ in 0..5 {
        let answer = guess("one more");
        let left: u64 = match answer.status {
            401 => break,
            429 => answer.header("retry-after").and_then(|seconds| seconds.parse().ok()).unwrap_or(0),
            other => panic!("a guess answered {other}"),
        };
        if left > 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(left * 1000 + 200));
    }
    assert_eq!(post_from("127.0.0.1", &served, "/api/v1/auth/login", &login), 429);
    assert_eq!(post_from("127.0.0.2", &served, "/api/v1/auth/login", &login), 200);
}

#[test]
fn refused_tokens_are_audited_once_per_interval_with_a_count_and_rate_limited() {
    let (mut served, _) = newsroom();
    let started = std::time::Instant::now();
    let statuses: Vec<u16> =
        (0..300).map(|attempt| served.get("/api/v1/assets", &format!("rg_{attempt:064}")).status).collect();
    let quick = started.elapsed() < std::time::Duration::from_secs(10);
    let refused = statuses.iter().filter(|status| **status == 401).count();
    let limited = statuses.iter().filter(|status| **status == 429).count();
    assert_eq!((statuses[0], refused + limited), (401, 300));
    // Within one 10-second interval an address gets 100 refusals, then 429 without a lookup.
    assert!(if quick { limited == 199 } else { limited > 0 }, "{refused} refused, {limited} limited");
    let rows = |served: &Served| {
        served
            .regie
            .audit_entries("auth.refused")
            .into_iter()
            .map(|entry| entry["detail"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let during = rows(&served).len();
    assert!(during <= 4, "{during} audit entries for 300 refusals: one per interval, not one per request");
    assert!(served.stop().success());
    // Every refusal is accounted for: one entry each for the first of an interval, the rest summed.
    let entries = rows(&served);
    let counted: usize = entries
        .iter()
        .map(|detail| match detail.split_once(" further refusals") {
            Some((count, _)) => count.parse::<usize>().unwrap(),
            None => 1,
        })
        .sum();
    assert_eq!(counted, refused, "{entries:?}");
}

#[test]
fn tokens_made_with_tokens_never_outlive_them_and_a_new_password_ends_sessions() {
    let (served, _) = newsroom();
    let anne = served.login("anne");
    let create = |token: &str, body: serde_json::Value| served.send("POST", "/api/v1/tokens", Some(token), Some(body));
    let short = create(&anne, json!({"scopes": ["read"], "expires": "1h"})).json();
    let short_token = short["token"].as_str().unwrap().to_owned();
    let child = create(&short_token, json!({"scopes": ["read"]})).json();
    assert!(short["expires_at"].is_string(), "{short}");
    assert_eq!(child["expires_at"], short["expires_at"], "a child expires with its parent");
    let longer = create(&short_token, json!({"scopes": ["read"], "expires": "90d"}));
    assert_eq!((longer.status, longer.code()), (400, "invalid-value".to_owned()));
    let child_token = child["token"].as_str().unwrap();
    assert_eq!(served.get("/api/v1/assets", child_token).status, 200);
    let revoked =
        served.send("DELETE", &format!("/api/v1/tokens/{}", short["id"].as_str().unwrap()), Some(&anne), None);
    assert_eq!(revoked.status, 204);
    assert_eq!(served.get("/api/v1/assets", child_token).status, 401, "a child dies with its parent");

    // eve: a login token, a browser session and a token made on purpose; then a new password.
    let eve = served.login("eve");
    let session = served.send(
        "POST",
        "/api/v1/auth/session",
        None,
        Some(json!({"username": "eve", "password": crate::served::PASSWORD})),
    );
    let cookie = session.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let kept = create(&eve, json!({"scopes": ["read"], "expires": "1h", "label": "script"})).json();
    let with_cookie =
        |served: &Served| served.raw("GET", "/api/v1/auth/me", &[("cookie".to_owned(), cookie.clone())], None).status;
    assert_eq!(with_cookie(&served), 200);
    let mut reset = served
        .regie
        .command()
        .args(["users", "reset", "eve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    reset.stdin.take().unwrap().write_all(b"another long passphrase\n").unwrap();
    assert!(reset.wait().unwrap().success());
    assert_eq!(served.get("/api/v1/assets", &eve).status, 401, "the login token ended");
    assert_eq!(with_cookie(&served), 401, "the session ended");
    assert_eq!(served.get("/api/v1/assets", kept["token"].as_str().unwrap()).status, 200, "a script's token stays");
}

#[test]
fn job_ids_resolve_among_visible_jobs_and_server_paths_are_for_administrators() {
    let regie = TestRegie::new();
    let wavs = distinct_wavs(&regie.scratch("inbox"), 2);
    let news = ingest_into(&regie, &wavs[0], "news");
    let sport = ingest_into(&regie, &wavs[1], "sport");
    let served = Served::start(regie);
    served.add_user("anne", "admin");
    served.add_user("eve", "editor");
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:eve", "--role", "editor", "--json"]);
    let anne = served.login("anne");
    let eve = served.login("eve");
    let queue = |asset: &str| {
        served
            .send(
                "POST",
                &format!("/api/v1/assets/{asset}/transcode"),
                Some(&anne),
                Some(json!({"profile": "audio-bwf"})),
            )
            .json()["job_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let visible = queue(&news);
    let hidden = queue(&sport);
    let common: String = visible.chars().zip(hidden.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect();
    let prefix = &common[..common.len().min(8)];
    let as_eve = served.get(&format!("/api/v1/jobs/{prefix}"), &eve);
    assert_eq!(as_eve.status, 200, "only eve's visible job matches");
    assert_eq!(as_eve.json()["id"], json!(visible));
    assert_eq!(served.get(&format!("/api/v1/jobs/{hidden}"), &eve).status, 404);
    let as_anne = served.get(&format!("/api/v1/jobs/{prefix}"), &anne);
    assert_eq!((as_anne.status, as_anne.code()), (400, "ambiguous-job-id".to_owned()));

    let for_eve = served.get(&format!("/api/v1/assets/{news}"), &eve).json();
    let source = for_eve["source_path"].as_str().unwrap();
    assert!(!source.contains('/'), "an editor sees a file name, not a server path: {source}");
    let for_anne = served.get(&format!("/api/v1/assets/{news}"), &anne).json();
    assert!(for_anne["source_path"].as_str().unwrap().starts_with('/'));

    // An upload that fails to ingest: its error names the file, not the server's folders.
    let junk = b"this is not media at all, only words".repeat(10);
    let metadata = format!("filename {},collection {}", crate::server::b64("junk.wav"), crate::server::b64("news"));
    let tus = |extra: &[(&str, String)]| {
        let mut headers = vec![
            ("authorization".to_owned(), format!("Bearer {eve}")),
            ("tus-resumable".to_owned(), "1.0.0".to_owned()),
        ];
        headers.extend(extra.iter().map(|(name, value)| ((*name).to_owned(), value.clone())));
        headers
    };
    let created = served.raw(
        "POST",
        "/api/v1/uploads",
        &tus(&[("upload-length", junk.len().to_string()), ("upload-metadata", metadata)]),
        None,
    );
    let location = created.header("location").unwrap();
    let failed = served.raw(
        "PATCH",
        &location,
        &tus(&[("content-type", "application/offset+octet-stream".to_owned()), ("upload-offset", "0".to_owned())]),
        Some(junk),
    );
    assert_eq!(failed.status, 422);
    let message = failed.json()["message"].as_str().unwrap().to_owned();
    let data = served.regie.data().display().to_string();
    assert!(message.contains("junk.wav") && !message.contains(&data) && !message.contains("uploads/"), "{message}");
}

#[test]
fn a_full_disk_keeps_reads_working_refuses_writes_with_507_and_readyz_says_so() {
    let regie = TestRegie::new();
    let data = regie.data();
    let test = "hardening::a_full_disk_keeps_reads_working_refuses_writes_with_507_and_readyz_says_so";
    let Some(_disk) = crate::harness::SmallDisk::mount(&data, "48m", test) else { return };
    let wav = distinct_wavs(&regie.scratch("inbox"), 1)[0].clone();
    let asset = ingest_into(&regie, &wav, "news");
    let served = Served::start(regie);
    served.add_user("anne", "admin");
    let anne = served.login("anne");
    let filler = data.join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 1 << 20];
        while file.write_all(&chunk).is_ok() {}
    }
    assert_eq!(served.get(&format!("/api/v1/assets/{asset}"), &anne).status, 200);
    let download = served.get(&format!("/api/v1/assets/{asset}/files/original"), &anne);
    assert_eq!(download.status, 200);
    assert_eq!(download.body, std::fs::read(&wav).unwrap());
    assert_eq!(served.get("/api/v1/assets", &format!("rg_{:064}", 7)).status, 401, "a bad token is refused, not a 500");
    let tag = served.send("POST", &format!("/api/v1/assets/{asset}/tags"), Some(&anne), Some(json!({"add": ["x"]})));
    assert_eq!((tag.status, tag.code()), (507, "disk-full".to_owned()));
    let ready = served.send("GET", "/readyz", None, None);
    assert_eq!((ready.status, ready.code()), (503, "degraded".to_owned()));
    assert!(ready.json()["message"].as_str().unwrap().contains("disk is full"));

    std::fs::remove_file(&filler).unwrap();
    let tag = served.send("POST", &format!("/api/v1/assets/{asset}/tags"), Some(&anne), Some(json!({"add": ["x"]})));
    assert_eq!(tag.status, 200, "writes resume once space is freed");
    assert_eq!(served.regie.json(&["assets", "show", &asset, "--json"])["tags"], json!(["x"]));
}

#[test]
fn truncated_media_is_catalogued_with_an_error_finding() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let media = crate::fixtures::media();
    let faststart = inbox.join("faststart.mp4");
    let source = media.join("h264_aac.mp4");
    crate::fixtures::ffmpeg(&[
        "-i",
        source.to_str().unwrap(),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        faststart.to_str().unwrap(),
    ]);
    let whole: Vec<(std::path::PathBuf, &str)> = vec![
        (media.join("interlaced_1080i25.mxf"), "cut.mxf"),
        (faststart.clone(), "cut.mp4"),
        (media.join("pcm24.wav"), "cut.wav"),
        (media.join("vp9_opus.mkv"), "cut.mkv"),
        (media.join("mpeg2.ts"), "cut.ts"),
    ];
    for (path, cut_name) in &whole {
        let bytes = std::fs::read(path).unwrap();
        // The first 10 % (the first half for the small WAV and TS), never on a packet boundary.
        let keep = if cut_name.ends_with(".mxf") || cut_name.ends_with(".mp4") {
            bytes.len() / 10
        } else {
            bytes.len() / 2 + 1
        };
        std::fs::write(inbox.join(cut_name), &bytes[..keep]).unwrap();
    }
    std::fs::remove_file(&faststart).unwrap();
    let (_, lines) = regie.ingest(&[&inbox], &[]);
    for (_, cut_name) in &whole {
        let outcome = crate::harness::outcome_for(&lines, cut_name);
        assert_eq!(outcome["status"], "ingested", "{outcome}");
        let truncated = outcome["findings"].as_array().unwrap().iter().find(|finding| finding["code"] == "truncated");
        let finding = truncated.unwrap_or_else(|| panic!("{cut_name} was catalogued as complete: {outcome}"));
        assert_eq!(finding["severity"], "error");
        assert!(finding["message"].as_str().unwrap().contains("incomplete"));
    }
    // Complete files carry no such finding.
    let complete = regie.scratch("complete");
    for (path, _) in whole.iter().filter(|(path, _)| path.exists()) {
        std::fs::copy(path, complete.join(path.file_name().unwrap())).unwrap();
    }
    let (_, lines) = regie.ingest(&[&complete], &[]);
    for line in &lines {
        let findings = line["findings"].as_array().map(Vec::as_slice).unwrap_or_default();
        assert!(findings.iter().all(|finding| finding["code"] != "truncated"), "{line}");
    }
}
