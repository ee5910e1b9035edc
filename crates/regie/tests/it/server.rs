//! The HTTP API over loopback: a real `regie serve`, real logins, permissions, tus uploads,
//! downloads and the audit trail.

use serde_json::{Value, json};

use crate::fixtures::distinct_wavs;
use crate::harness::TestRegie;
use crate::served::{Served, ingest_into};

/// A server with an admin `anne`, and one asset in `news/2026` and one in `sport`.
fn newsroom() -> (Served, String, String) {
    let regie = TestRegie::new();
    let wavs = distinct_wavs(&regie.scratch("inbox"), 2);
    let news = ingest_into(&regie, &wavs[0], "news/2026");
    let sport = ingest_into(&regie, &wavs[1], "sport");
    let served = Served::start(regie);
    served.add_user("anne", "admin");
    (served, news, sport)
}

#[test]
fn health_readiness_metrics_and_the_openapi_document_answer() {
    let (served, news, _) = newsroom();
    assert_eq!(served.send("GET", "/healthz", None, None).status, 200);
    assert_eq!(served.send("GET", "/readyz", None, None).status, 200);
    let openapi = served.send("GET", "/api/v1/openapi.json", None, None).json();
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/assets/{id}",
        "/api/v1/assets",
        "/api/v1/assets/{id}/renditions/{profile}/{path}",
        "/api/v1/auth/login",
        "/api/v1/uploads",
        "/api/v1/audit",
        "/api/v1/search",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    let token = served.login("anne");
    assert_eq!(served.get(&format!("/api/v1/assets/{news}"), &token).status, 200);
    let metrics = String::from_utf8(served.send("GET", "/metrics", None, None).body).unwrap();
    assert!(
        metrics.lines().any(|line| line.starts_with("regie_http_requests_total{")
            && line.contains("route=\"/api/v1/assets/{id}\"")
            && line.contains("status=\"200\"")),
        "{metrics}"
    );
    assert!(metrics.contains("regie_http_request_duration_seconds_bucket"));
}

#[test]
fn an_asset_reads_the_same_over_http_as_from_the_cli_and_listings_page_by_cursor() {
    let (served, news, sport) = newsroom();
    let token = served.login("anne");
    let over_http = served.get(&format!("/api/v1/assets/{news}"), &token).json();
    let from_cli = served.regie.json(&["assets", "show", &news, "--json"]);
    assert_eq!(over_http, from_cli);
    let first = served.get("/api/v1/assets?limit=1", &token).json();
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["items"][0]["id"], json!(news));
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = served.get(&format!("/api/v1/assets?limit=1&cursor={cursor}"), &token).json();
    assert_eq!(second["items"][0]["id"], json!(sport));
    let collection = served.get("/api/v1/assets?collection=news", &token).json();
    assert_eq!(collection["items"].as_array().unwrap().len(), 1, "news includes news/2026 only");
    assert_eq!(served.get("/api/v1/assets?cursor=nonsense", &token).code(), "invalid-cursor");
}

#[test]
fn logins_tokens_and_scopes_are_enforced() {
    let (served, news, _) = newsroom();
    // No credentials, wrong password, unknown user: 401 with the same code for the last two.
    assert_eq!(served.send("GET", "/api/v1/assets", None, None).status, 401);
    let wrong = served.send(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "anne", "password": "nope nope nope"})),
    );
    let unknown = served.send(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "nobody", "password": "nope nope nope"})),
    );
    assert_eq!((wrong.status, wrong.code()), (401, "invalid-credentials".to_owned()));
    assert_eq!((unknown.status, unknown.code()), (401, "invalid-credentials".to_owned()));
    let token = served.login("anne");
    assert_eq!(served.get("/api/v1/auth/me", &token).json()["role"], json!("admin"));

    // A read-only token made over the API reads but cannot tag.
    let created = served.send(
        "POST",
        "/api/v1/tokens",
        Some(&token),
        Some(json!({"scopes": ["read"], "expires": "1h", "label": "ci"})),
    );
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let read_only = created.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(served.get(&format!("/api/v1/assets/{news}"), &read_only).status, 200);
    let tagging =
        served.send("POST", &format!("/api/v1/assets/{news}/tags"), Some(&read_only), Some(json!({"add": ["x"]})));
    assert_eq!((tagging.status, tagging.code()), (403, "forbidden".to_owned()));
    assert_eq!(served.get(&format!("/api/v1/assets/{news}/files/original"), &read_only).status, 403);
    // A token cannot mint a token with more than it has.
    let escalation =
        served.send("POST", "/api/v1/tokens", Some(&read_only), Some(json!({"scopes": ["read", "delete"]})));
    assert_eq!(escalation.status, 403);
    assert_eq!(served.get("/api/v1/users", &read_only).status, 403, "administer is not in the token's scopes");

    // Forged, revoked and expired tokens are refused alike.
    let forged = format!("regie_{}", "0".repeat(64));
    assert_eq!(served.get("/api/v1/assets", &forged).code(), "invalid-credentials");
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(served.send("DELETE", &format!("/api/v1/tokens/{id}"), Some(&token), None).status, 204);
    assert_eq!(served.get("/api/v1/assets", &read_only).status, 401);
    served.regie.execute("UPDATE api_tokens SET expires_at = '2001-01-01T00:00:00.000Z' WHERE label = 'login'");
    assert_eq!(served.get("/api/v1/assets", &token).status, 401, "an expired token is refused");
}

#[test]
fn grants_are_inherited_and_unreadable_assets_do_not_exist() {
    let (served, news, sport) = newsroom();
    served.add_user("eve", "editor");
    served.add_user("val", "viewer");
    let admin = served.login("anne");
    assert_eq!(served.send("POST", "/api/v1/groups", Some(&admin), Some(json!({"name": "newsroom"}))).status, 201);
    assert_eq!(served.send("PUT", "/api/v1/groups/newsroom/members/eve", Some(&admin), None).status, 204);
    let grant = served.send(
        "POST",
        "/api/v1/grants",
        Some(&admin),
        Some(json!({"collection": "news", "to": "group:newsroom", "role": "editor"})),
    );
    assert_eq!(grant.status, 201, "{}", String::from_utf8_lossy(&grant.body));
    let eve = served.login("eve");
    let val = served.login("val");

    // Eve reads and tags news/2026 through the grant on news; sport does not exist for her.
    assert_eq!(served.get(&format!("/api/v1/assets/{news}"), &eve).status, 200);
    let hidden = served.get(&format!("/api/v1/assets/{sport}"), &eve);
    let missing = served.get("/api/v1/assets/0190f000-0000-7000-8000-000000000000", &eve);
    assert_eq!((hidden.status, hidden.code()), (404, "not-found".to_owned()));
    assert_eq!((missing.status, missing.code()), (404, "not-found".to_owned()));
    assert_eq!(served.get(&format!("/api/v1/assets/{sport}/files/original"), &eve).status, 404);
    let tagged =
        served.send("POST", &format!("/api/v1/assets/{sport}/tags"), Some(&eve), Some(json!({"add": ["mine"]})));
    assert_eq!(tagged.status, 404);
    let listed: Vec<Value> = served.get("/api/v1/assets", &eve).json()["items"].as_array().unwrap().clone();
    assert_eq!(listed.iter().map(|asset| asset["id"].clone()).collect::<Vec<_>>(), vec![json!(news)]);

    // Val has no grant: sees nothing. A viewer grant on everything lets her read but not download.
    assert!(served.get("/api/v1/assets", &val).json()["items"].as_array().unwrap().is_empty());
    assert_eq!(served.get(&format!("/api/v1/assets/{news}"), &val).status, 404);
    served.regie.json(&["grants", "add", "--collection", "*", "--to", "user:val", "--role", "viewer", "--json"]);
    assert_eq!(served.get("/api/v1/assets", &val).json()["items"].as_array().unwrap().len(), 2);
    assert_eq!(served.get(&format!("/api/v1/assets/{news}/files/original"), &val).status, 403);
    // The grant cannot lift val above her role: an editor grant still gives a viewer only read.
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:val", "--role", "editor", "--json"]);
    assert_eq!(
        served.send("POST", &format!("/api/v1/assets/{news}/tags"), Some(&val), Some(json!({"add": ["x"]}))).status,
        403
    );
    assert_eq!(served.regie.json(&["assets", "show", &sport, "--json"])["tags"], json!([]), "nothing changed");
}

#[test]
fn sessions_use_http_only_cookies_and_changes_need_the_csrf_token() {
    let (served, news, _) = newsroom();
    let opened = served.send(
        "POST",
        "/api/v1/auth/session",
        None,
        Some(json!({"username": "anne", "password": crate::served::PASSWORD})),
    );
    assert_eq!(opened.status, 200);
    let cookie_header = opened.header("set-cookie").unwrap();
    assert!(cookie_header.contains("HttpOnly") && cookie_header.contains("SameSite=Strict"), "{cookie_header}");
    let cookie = cookie_header.split(';').next().unwrap().to_owned();
    let csrf = opened.json()["csrf_token"].as_str().unwrap().to_owned();
    let with_cookie = |extra: Option<(&str, &str)>| {
        let mut headers =
            vec![("cookie".to_owned(), cookie.clone()), ("content-type".to_owned(), "application/json".to_owned())];
        if let Some((name, value)) = extra {
            headers.push((name.to_owned(), value.to_owned()));
        }
        headers
    };
    let me = served.raw("GET", "/api/v1/auth/me", &with_cookie(None), None);
    assert_eq!(me.json()["name"], json!("anne"));
    let body = serde_json::to_vec(&json!({"add": ["evening"]})).unwrap();
    let forged = served.raw("POST", &format!("/api/v1/assets/{news}/tags"), &with_cookie(None), Some(body.clone()));
    assert_eq!((forged.status, forged.code()), (403, "csrf-token-missing".to_owned()));
    let wrong = served.raw(
        "POST",
        &format!("/api/v1/assets/{news}/tags"),
        &with_cookie(Some(("x-csrf-token", "0"))),
        Some(body.clone()),
    );
    assert_eq!(wrong.status, 403);
    assert_eq!(served.regie.json(&["assets", "show", &news, "--json"])["tags"], json!([]), "nothing changed");
    let tagged = served.raw(
        "POST",
        &format!("/api/v1/assets/{news}/tags"),
        &with_cookie(Some(("x-csrf-token", &csrf))),
        Some(body),
    );
    assert_eq!(tagged.status, 200);
    assert_eq!(tagged.json()["tags"], json!(["evening"]));
    let out = served.raw("DELETE", "/api/v1/auth/session", &with_cookie(Some(("x-csrf-token", &csrf))), None);
    assert_eq!(out.status, 204);
    assert_eq!(served.raw("GET", "/api/v1/auth/me", &with_cookie(None), None).status, 401);
}

#[test]
fn repeated_failed_logins_are_slowed_down() {
    let (served, _, _) = newsroom();
    for _ in 0..6 {
        let answer = served.send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "anne", "password": "guess guess guess"})),
        );
        assert_eq!(answer.status, 401);
    }
    let throttled = served.send(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "anne", "password": crate::served::PASSWORD})),
    );
    assert_eq!((throttled.status, throttled.code()), (429, "too-many-attempts".to_owned()));
    assert!(throttled.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    let failures = served.regie.audit_entries("login").into_iter().filter(|entry| entry["outcome"] != "ok").count();
    assert_eq!(failures, 7, "every failed and throttled login is audited");
}

#[test]
fn hostile_requests_are_refused_and_change_nothing() {
    let (served, news, _) = newsroom();
    let token = served.login("anne");
    let bearer = vec![
        ("authorization".to_owned(), format!("Bearer {token}")),
        ("content-type".to_owned(), "application/json".to_owned()),
    ];
    let tags = format!("/api/v1/assets/{news}/tags");
    let malformed = served.raw("POST", &tags, &bearer, Some(b"{\"add\": [".to_vec()));
    assert_eq!((malformed.status, malformed.code()), (400, "malformed-json".to_owned()));
    assert!(malformed.json()["message"].is_string());
    let unknown = served.send("POST", &tags, Some(&token), Some(json!({"add": ["x"], "drop_table": true})));
    assert_eq!((unknown.status, unknown.code()), (400, "invalid-json".to_owned()));
    assert_eq!(status_of_oversized_post(&served, &tags, &token, 3 << 20), 413);
    assert_eq!(served.regie.json(&["assets", "show", &news, "--json"])["tags"], json!([]));

    // SQL metacharacters are data, everywhere.
    let sneaky = "x'); DROP TABLE assets; --";
    let tagged = served.send("POST", &tags, Some(&token), Some(json!({"add": [sneaky]})));
    assert_eq!(tagged.json()["tags"], json!([sneaky.to_lowercase()]));
    let filtered =
        served.get("/api/v1/assets?collection=news%27%20OR%201%3D1%20--&tag=%27%20OR%20%271%27%3D%271", &token);
    assert_eq!(filtered.status, 200);
    assert!(filtered.json()["items"].as_array().unwrap().is_empty());
    let login = served.send(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "anne' --", "password": "' OR '1'='1"})),
    );
    assert_eq!(login.status, 401);
    let audit = served.get("/api/v1/audit?user=%27%20OR%201%3D1%20--", &token).json();
    assert!(audit["items"].as_array().unwrap().is_empty());
    assert_eq!(served.regie.asset_count(), 2);
    assert_eq!(served.send("GET", "/api/v1/nowhere", Some(&token), None).code(), "not-found");
}

#[test]
fn a_tus_upload_resumes_after_a_broken_connection_and_is_downloaded_by_range() {
    let (served, _, _) = newsroom();
    let token = served.login("anne");
    let source = &distinct_wavs(&served.regie.scratch("upload"), 3)[2];
    let bytes = std::fs::read(source).unwrap();
    let tus = |extra: &[(&str, String)]| {
        let mut headers = vec![
            ("authorization".to_owned(), format!("Bearer {token}")),
            ("tus-resumable".to_owned(), "1.0.0".to_owned()),
        ];
        headers.extend(extra.iter().map(|(name, value)| ((*name).to_owned(), value.clone())));
        headers
    };
    let options = served.raw("OPTIONS", "/api/v1/uploads", &tus(&[]), None);
    assert!(options.header("tus-extension").unwrap().contains("checksum"));

    // Hostile names and oversized uploads are refused before a byte is taken.
    let traversal = served.raw(
        "POST",
        "/api/v1/uploads",
        &tus(&[("upload-length", "10".into()), ("upload-metadata", format!("filename {}", b64("../../etc/passwd")))]),
        None,
    );
    assert_eq!((traversal.status, traversal.code()), (400, "invalid-filename".to_owned()));
    let too_big = served.raw(
        "POST",
        "/api/v1/uploads",
        &tus(&[
            ("upload-length", (1u64 << 41).to_string()),
            ("upload-metadata", format!("filename {}", b64("big.wav"))),
        ]),
        None,
    );
    assert_eq!(too_big.status, 413);
    assert_eq!(
        served.raw("POST", "/api/v1/uploads", &[("authorization".to_owned(), format!("Bearer {token}"))], None).status,
        412
    );

    let created = served.raw(
        "POST",
        "/api/v1/uploads",
        &tus(&[
            ("upload-length", bytes.len().to_string()),
            ("upload-metadata", format!("filename {},collection {}", b64("Journal été.wav"), b64("news/uploads"))),
        ]),
        None,
    );
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let location = created.header("location").unwrap();
    served.add_user("eve", "editor");
    let eve = served.login("eve");
    let someone_else = served.raw(
        "HEAD",
        &location,
        &[("authorization".to_owned(), format!("Bearer {eve}")), ("tus-resumable".to_owned(), "1.0.0".to_owned())],
        None,
    );
    assert_eq!(someone_else.status, 404, "another user's upload does not exist for them");

    // Half the bytes, then the connection drops (raw TCP: the request claims the whole length).
    let half = bytes.len() / 2;
    send_and_drop(&served, &location, &token, &bytes[..half], bytes.len());
    let offset = wait_for_offset(&served, &location, &tus(&[]), half as u64);
    assert!(offset > 0 && offset <= half as u64, "offset {offset}");

    // A chunk whose checksum does not match is discarded.
    let rest = &bytes[offset as usize..];
    // The dropped connection's request may still hold the upload's lock for a moment: a 423
    // means "retry after it ends", so the client retries, a bounded number of times.
    let patch = |body: &[u8], checksum: String, at: u64| {
        for _ in 0..50 {
            let answer = served.raw(
                "PATCH",
                &location,
                &tus(&[
                    ("content-type", "application/offset+octet-stream".into()),
                    ("upload-offset", at.to_string()),
                    ("upload-checksum", checksum.clone()),
                ]),
                Some(body.to_vec()),
            );
            if answer.status != 423 {
                return answer;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the upload stayed locked for 5 s after its connection dropped");
    };
    let corrupt = patch(rest, format!("md5 {}", b64_bytes(&md5_of(b"something else"))), offset);
    assert_eq!(corrupt.status, 460);
    assert_eq!(served.raw("HEAD", &location, &tus(&[]), None).header("upload-offset").unwrap(), offset.to_string());
    let stale = patch(rest, format!("md5 {}", b64_bytes(&md5_of(rest))), 0);
    assert_eq!(stale.status, 409, "a wrong offset is refused");
    let done = patch(rest, format!("md5 {}", b64_bytes(&md5_of(rest))), offset);
    assert_eq!(done.status, 204, "{}", String::from_utf8_lossy(&done.body));
    let asset_id = done.header("regie-asset-id").expect("the completing PATCH names the asset");

    let asset = served.get(&format!("/api/v1/assets/{asset_id}"), &token).json();
    assert_eq!(asset["name"], json!("Journal été.wav"));
    assert_eq!(asset["collection"], json!("news/uploads"));
    assert_eq!(asset["owner"], json!("anne"));
    let whole = served.get(&format!("/api/v1/assets/{asset_id}/files/original"), &token);
    assert_eq!(whole.status, 200);
    assert!(whole.body == bytes, "the stored file is the uploaded bytes");
    let ranged = served.raw(
        "GET",
        &format!("/api/v1/assets/{asset_id}/files/original"),
        &[("authorization".to_owned(), format!("Bearer {token}")), ("range".to_owned(), "bytes=100-199".to_owned())],
        None,
    );
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.body, bytes[100..200].to_vec());
    assert_eq!(ranged.header("content-range").unwrap(), format!("bytes 100-199/{}", bytes.len()));
    let beyond = served.raw(
        "GET",
        &format!("/api/v1/assets/{asset_id}/files/original"),
        &[
            ("authorization".to_owned(), format!("Bearer {token}")),
            ("range".to_owned(), format!("bytes={}-", bytes.len() + 10)),
        ],
        None,
    );
    assert_eq!(beyond.status, 416);
    let downloads =
        served.regie.audit_entries("asset.download").into_iter().filter(|entry| entry["outcome"] == "ok").count();
    assert_eq!(downloads, 3, "each download is audited, even a refused range");
}

#[test]
fn the_audit_trail_verifies_and_names_the_first_altered_entry() {
    let (mut served, news, _) = newsroom();
    let token = served.login("anne");
    served.send("POST", &format!("/api/v1/assets/{news}/tags"), Some(&token), Some(json!({"add": ["a"]})));
    served.get(&format!("/api/v1/assets/{news}/files/original"), &token);
    served.add_user("val", "viewer");
    let val = served.login("val");
    assert_eq!(served.get("/api/v1/audit", &val).status, 403);
    let entries = served.get(&format!("/api/v1/audit?asset={news}"), &token).json();
    let actions: Vec<&str> =
        entries["items"].as_array().unwrap().iter().map(|entry| entry["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["asset.tag", "asset.download"]);
    assert!(entries["items"][0]["address"].as_str().unwrap().starts_with("127.0.0.1"));
    let by_user = served.get("/api/v1/audit?user=val", &token).json();
    assert_eq!(by_user["items"][0]["action"], json!("login"));
    assert_eq!(served.get("/api/v1/audit?since=2999-01-01", &token).json()["items"], json!([]));
    assert!(served.stop().success(), "SIGTERM stops the server cleanly");

    let verified = served.regie.run(&["audit", "verify", "--json"]);
    assert!(verified.status.success());
    let total = served.regie.json(&["audit", "list", "--limit", "100000", "--json"]).as_array().unwrap().len();
    let report: Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert_eq!(report["entries_checked"], json!(total));

    served.regie.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4");
    let broken = served.regie.run(&["audit", "verify", "--json"]);
    assert_eq!(broken.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(
        (report["first_break"]["seq"].clone(), report["first_break"]["kind"].clone()),
        (json!(4), json!("altered"))
    );
    served.regie.execute("DELETE FROM audit_log WHERE seq = 4");
    let report: Value = serde_json::from_slice(&served.regie.run(&["audit", "verify", "--json"]).stdout).unwrap();
    assert_eq!(
        (report["first_break"]["seq"].clone(), report["first_break"]["kind"].clone()),
        (json!(5), json!("removed"))
    );
    served.regie.execute(&format!("DELETE FROM audit_log WHERE seq >= 4 AND seq < {total}"));
    served.regie.execute(&format!("DELETE FROM audit_log WHERE seq = {total}"));
    let report: Value = serde_json::from_slice(&served.regie.run(&["audit", "verify", "--json"]).stdout).unwrap();
    assert_eq!(report["first_break"]["kind"], json!("truncated"), "removing the newest entries is found too");
}

pub(crate) fn b64(text: &str) -> String {
    b64_bytes(text.as_bytes())
}

fn b64_bytes(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let value =
            chunk.iter().enumerate().fold(0u32, |value, (index, byte)| value | (u32::from(*byte) << (16 - 8 * index)));
        for index in 0..4 {
            text.push(if index <= chunk.len() {
                ALPHABET[(value >> (18 - 6 * index)) as usize & 63] as char
            } else {
                '='
            });
        }
    }
    text
}

fn md5_of(bytes: &[u8]) -> Vec<u8> {
    let output = std::process::Command::new("md5sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .unwrap();
    let hex = String::from_utf8(output.stdout).unwrap();
    (0..16).map(|index| u8::from_str_radix(&hex[index * 2..index * 2 + 2], 16).unwrap()).collect()
}

/// Announces a POST of `length` bytes and reads the status line before sending any of them.
/// The limit is enforced from the announced length; a client that keeps writing a body the
/// server has refused meets a broken pipe or a reset (racing the answer), so none is written.
fn status_of_oversized_post(served: &Served, path: &str, token: &str, length: usize) -> u16 {
    use std::io::{Read, Write};
    let address = served.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = [0u8; 64];
    let read = stream.read(&mut answer).unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..read]);
    answer.split_whitespace().nth(1).and_then(|status| status.parse().ok()).unwrap_or_else(|| panic!("{answer:?}"))
}

/// Sends a PATCH that announces `announced` bytes but sends only `body`, then closes.
fn send_and_drop(served: &Served, location: &str, token: &str, body: &[u8], announced: usize) {
    use std::io::Write;
    let address = served.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: {announced}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(stream);
}

/// HEAD until the server has written what it received (it syncs when the connection drops).
fn wait_for_offset(served: &Served, location: &str, headers: &[(String, String)], at_most: u64) -> u64 {
    let mut offset = 0;
    for _ in 0..50 {
        offset = served.raw("HEAD", location, headers, None).header("upload-offset").unwrap().parse().unwrap();
        if offset == at_most {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    offset
}

#[test]
fn changes_made_by_another_process_are_seen_by_the_next_request() {
    let (served, news, _) = newsroom();
    let admin = served.login("anne");
    served.add_user("eve", "editor");
    let eve = served.login("eve");
    // Read twice, so the server's read cache holds the token, the grants and the record.
    for _ in 0..2 {
        assert_eq!(served.get(&format!("/api/v1/assets/{news}"), &admin).json()["tags"], json!([]));
        assert_eq!(served.get(&format!("/api/v1/assets/{news}"), &eve).status, 404);
        assert_eq!(served.get("/api/v1/assets", &eve).json()["items"], json!([]));
    }
    served.regie.json(&["assets", "tag", &news, "late-edit", "--json"]);
    assert_eq!(served.get(&format!("/api/v1/assets/{news}"), &admin).json()["tags"], json!(["late-edit"]));
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:eve", "--role", "viewer", "--json"]);
    assert_eq!(served.get(&format!("/api/v1/assets/{news}"), &eve).status, 200);
    assert_eq!(served.get("/api/v1/assets", &eve).json()["items"][0]["id"], json!(news));
    let tokens = served.regie.json(&["tokens", "list", "--user", "eve", "--json"]);
    let id = tokens[0]["id"].as_str().unwrap();
    served.regie.json(&["tokens", "revoke", id, "--json"]);
    assert_eq!(
        served.get(&format!("/api/v1/assets/{news}"), &eve).status,
        401,
        "revoked from the CLI: refused at once"
    );
    served.regie.json(&["users", "disable", "anne", "--json"]);
    assert_eq!(served.get("/api/v1/assets", &admin).status, 401, "a disabled user's tokens stop at once");
}

#[test]
fn jobs_run_inside_the_server_and_are_managed_over_the_api() {
    let regie = TestRegie::new();
    let wavs = distinct_wavs(&regie.scratch("inbox"), 1);
    let news = ingest_into(&regie, &wavs[0], "news");
    let served = Served::start_with_workers(regie, 1);
    served.add_user("anne", "admin");
    served.add_user("eve", "editor");
    served.add_user("val", "viewer");
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:eve", "--role", "editor", "--json"]);
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:val", "--role", "viewer", "--json"]);
    let (eve, val) = (served.login("eve"), served.login("val"));

    let refused = served.send(
        "POST",
        &format!("/api/v1/assets/{news}/transcode"),
        Some(&val),
        Some(json!({"profile": "audio-bwf"})),
    );
    assert_eq!(refused.status, 403);
    assert_eq!(served.get("/api/v1/jobs", &eve).json(), json!([]), "no job yet among the assets eve may read");
    let queued = served.send(
        "POST",
        &format!("/api/v1/assets/{news}/transcode"),
        Some(&eve),
        Some(json!({"profile": "audio-bwf"})),
    );
    assert_eq!(queued.status, 202, "{}", String::from_utf8_lossy(&queued.body));
    let job_id = queued.json()["job_id"].as_str().unwrap().to_owned();
    let listed = served.get("/api/v1/jobs", &eve).json();
    assert_eq!(listed[0]["id"], json!(job_id), "others see the recent jobs of the assets they may read");

    // The worker inside the server runs it.
    let mut state = String::new();
    for _ in 0..300 {
        let jobs = served.get(&format!("/api/v1/jobs?asset={news}"), &eve).json();
        state = jobs[0]["state"].as_str().unwrap_or_default().to_owned();
        if state == "succeeded" || state == "failed" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(state, "succeeded");
    let details = served.get(&format!("/api/v1/jobs/{job_id}"), &eve).json();
    assert!(!details["log"].as_array().unwrap().is_empty());
    let asset = served.get(&format!("/api/v1/assets/{news}"), &eve).json();
    assert_eq!(asset["renditions"][0]["profile"], json!("audio-bwf"));
    // The rendition's file downloads like any stored file: whole, by range, and audited.
    let main_file = asset["renditions"][0]["main_file"].as_str().unwrap();
    let size = asset["renditions"][0]["size"].as_u64().unwrap();
    let url = format!("/api/v1/assets/{news}/renditions/audio-bwf/{main_file}");
    let whole = served.get(&url, &eve);
    assert_eq!((whole.status, whole.body.len() as u64), (200, size));
    assert_eq!(whole.header("content-type").unwrap(), "audio/wav");
    let ranged = served.raw(
        "GET",
        &url,
        &[("authorization".to_owned(), format!("Bearer {eve}")), ("range".to_owned(), "bytes=0-11".to_owned())],
        None,
    );
    assert_eq!((ranged.status, ranged.body.clone()), (206, whole.body[..12].to_vec()));
    assert_eq!(served.get(&url, &val).status, 403, "a viewer may not download");
    assert_eq!(served.get(&format!("/api/v1/assets/{news}/renditions/audio-bwf/other.wav"), &eve).status, 404);
    let cancel = served.send("POST", &format!("/api/v1/jobs/{job_id}/cancel"), Some(&eve), None);
    assert_eq!((cancel.status, cancel.code()), (409, "job-finished".to_owned()));
    assert_eq!(served.send("POST", &format!("/api/v1/jobs/{job_id}/retry"), Some(&val), None).status, 403);
}

#[test]
fn metadata_edits_change_only_the_fields_sent_and_are_checked_audited_and_searchable() {
    let (served, news, sport) = newsroom();
    served.add_user("eve", "editor");
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:eve", "--role", "editor", "--json"]);
    let eve = served.login("eve");
    let path = format!("/api/v1/assets/{news}/metadata");
    let edited =
        served.send("PATCH", &path, Some(&eve), Some(json!({"title": "Journal de 13h", "keywords": ["météo"]})));
    assert_eq!(edited.status, 200, "{}", String::from_utf8_lossy(&edited.body));
    let record = edited.json();
    assert_eq!(record["metadata"]["title"], json!("Journal de 13h"));
    assert!(!record["source_path"].as_str().unwrap().contains('/'), "server paths are for administrators");
    let cleared = served.send("PATCH", &path, Some(&eve), Some(json!({"title": ""}))).json();
    assert!(cleared["metadata"].get("title").is_none());
    assert_eq!(cleared["metadata"]["keywords"], json!(["météo"]), "fields not sent are kept");
    let bad = served.send("PATCH", &path, Some(&eve), Some(json!({"air_date": "yesterday"})));
    assert_eq!((bad.status, bad.code()), (400, "invalid-value".to_owned()));
    let unknown = served.send("PATCH", &path, Some(&eve), Some(json!({"owner": "eve"})));
    assert_eq!(unknown.status, 400);
    let elsewhere =
        served.send("PATCH", &format!("/api/v1/assets/{sport}/metadata"), Some(&eve), Some(json!({"title": "x"})));
    assert_eq!(elsewhere.status, 404, "an asset eve cannot read does not exist for her");
    let found = served.get("/api/v1/search?q=m%C3%A9t%C3%A9o", &eve).json();
    assert_eq!(found["total"], json!(1));
    let audited =
        served.regie.audit_entries("asset.metadata").into_iter().filter(|entry| entry["outcome"] == "ok").count();
    assert_eq!(audited, 2);
}

#[test]
fn profiles_are_listed_by_name_and_the_audit_chain_is_verified_over_the_api() {
    let (served, _, _) = newsroom();
    let anne = served.login("anne");
    served.add_user("val", "viewer");
    let val = served.login("val");
    let profiles = served.get("/api/v1/profiles", &val).json();
    let names: Vec<&str> =
        profiles.as_array().unwrap().iter().map(|profile| profile["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"web-ladder") && names.contains(&"proxy"), "{names:?}");
    assert_eq!(served.get("/api/v1/audit/verify", &val).status, 403);
    let verified = served.get("/api/v1/audit/verify", &anne).json();
    assert_eq!(verified["intact"], json!(true));
    assert!(verified["entries_checked"].as_u64().unwrap() >= 2);
}

#[test]
fn a_verdicts_full_report_is_read_over_the_api() {
    let regie = TestRegie::new();
    std::fs::create_dir_all(regie.data()).unwrap();
    std::fs::write(regie.data().join("regie.toml"), "[policies]\n\"news\" = [\"xdcamhd50-playout\"]\n").unwrap();
    let wav = &distinct_wavs(&regie.scratch("inbox"), 1)[0];
    let asset = ingest_into(&regie, wav, "news");
    let served = Served::start(regie);
    served.add_user("anne", "admin");
    let anne = served.login("anne");
    let report = served.get(&format!("/api/v1/assets/{asset}/verdicts/xdcamhd50-playout"), &anne).json();
    assert_eq!((report["policy"].as_str(), report["passed"].as_bool()), (Some("xdcamhd50-playout"), Some(false)));
    let rules = report["rules"].as_array().unwrap();
    assert!(rules.iter().any(|rule| rule["passed"] == json!(false) && rule["expected"].is_string()), "{report:#}");
    assert_eq!(served.get(&format!("/api/v1/assets/{asset}/verdicts/ebu-r128"), &anne).status, 404);

    // A check on demand: by policy name, reported, audited, the asset unchanged.
    let policies = served.get("/api/v1/policies", &anne).json();
    assert!(policies.as_array().unwrap().contains(&json!("ebu-r128")));
    let check = format!("/api/v1/assets/{asset}/check");
    let checked = served.send("POST", &check, Some(&anne), Some(json!({"policy": "ebu-r128"})));
    assert_eq!(checked.status, 200, "{}", String::from_utf8_lossy(&checked.body));
    let checked = checked.json();
    assert_eq!(checked["policy"], json!("ebu-r128"));
    assert!(checked["loudness"]["integrated"].is_number(), "{checked:#}");
    assert!(!checked["path"].as_str().unwrap().contains('/'), "no store path in the answer");
    let path_policy = served.send("POST", &check, Some(&anne), Some(json!({"policy": "/etc/passwd"})));
    assert_eq!((path_policy.status, path_policy.code()), (400, "invalid-name".to_owned()));
    assert_eq!(served.regie.audit_entries("asset.check").len(), 1);
}

#[test]
fn an_administrator_disables_enables_and_resets_users_over_the_api() {
    let (served, _, _) = newsroom();
    let anne = served.login("anne");
    served.add_user("eve", "editor");
    let eve = served.login("eve");
    let change = |body: Value| served.send("PATCH", "/api/v1/users/eve", Some(&anne), Some(body));
    assert_eq!(change(json!({"disabled": true})).json()["disabled"], json!(true));
    assert_eq!(served.get("/api/v1/auth/me", &eve).status, 401, "a disabled user's login token ends");
    assert_eq!(change(json!({"disabled": false})).status, 200);
    assert_eq!(change(json!({"password": "short"})).code(), "invalid-value");
    assert_eq!(change(json!({"password": "a brand new passphrase"})).status, 200);
    let login = served.send(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "eve", "password": "a brand new passphrase"})),
    );
    assert_eq!(login.status, 200);
    let myself = served.send("PATCH", "/api/v1/users/anne", Some(&anne), Some(json!({"disabled": true})));
    assert_eq!(myself.status, 400, "an administrator does not lock themself out");
    let by_eve = served.send(
        "PATCH",
        "/api/v1/users/anne",
        Some(login.json()["token"].as_str().unwrap()),
        Some(json!({"disabled": true})),
    );
    assert_eq!(by_eve.status, 403);
    let audited: usize = ["user.disable", "user.enable", "user.password"]
        .iter()
        .map(|action| served.regie.audit_entries(action).len())
        .sum();
    assert_eq!(audited, 3);
}
