//! Issue 12, items 5, 6, 12 and 13: tus uploads under attack and under faults. Permissions are
//! checked on every request, uploads are bounded per user and by the disk, a completion
//! interrupted by a crash is finished later, and content catalogued out of the uploader's sight
//! is neither revealed nor touched.

use serde_json::{Value, json};

use crate::fixtures::distinct_wavs;
use crate::harness::TestRegie;
use crate::served::{Served, ingest_into};
use crate::server::b64;

fn tus(token: &str, extra: &[(&str, String)]) -> Vec<(String, String)> {
    let mut headers =
        vec![("authorization".to_owned(), format!("Bearer {token}")), ("tus-resumable".to_owned(), "1.0.0".to_owned())];
    headers.extend(extra.iter().map(|(name, value)| ((*name).to_owned(), value.clone())));
    headers
}

/// Creates an upload of `length` bytes into `collection`; the answer as it came.
fn create(served: &Served, token: &str, name: &str, collection: &str, length: u64) -> crate::served::Answer {
    let metadata = format!("filename {},collection {}", b64(name), b64(collection));
    served.raw(
        "POST",
        "/api/v1/uploads",
        &tus(token, &[("upload-length", length.to_string()), ("upload-metadata", metadata)]),
        None,
    )
}

fn patch(served: &Served, token: &str, location: &str, offset: u64, bytes: &[u8]) -> crate::served::Answer {
    let headers = tus(
        token,
        &[("content-type", "application/offset+octet-stream".to_owned()), ("upload-offset", offset.to_string())],
    );
    served.raw("PATCH", location, &headers, Some(bytes.to_vec()))
}

/// A server with an admin `anne` and an editor `eve` who may ingest into `news`.
fn desk() -> Served {
    let served = Served::start(TestRegie::new());
    served.add_user("anne", "admin");
    served.add_user("eve", "editor");
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:eve", "--role", "editor", "--json"]);
    served
}

#[test]
fn every_upload_request_checks_the_callers_permission_now() {
    let served = desk();
    let eve = served.login("eve");
    let bytes = std::fs::read(&distinct_wavs(&served.regie.scratch("in"), 1)[0]).unwrap();
    let created = create(&served, &eve, "clip.wav", "news", bytes.len() as u64);
    assert_eq!(created.status, 201);
    let location = created.header("location").unwrap();
    assert_eq!(patch(&served, &eve, &location, 0, &bytes[..100]).status, 204);

    // A read-only token of the owner may not continue, end or inspect the upload.
    let read_only = served.send("POST", "/api/v1/tokens", Some(&eve), Some(json!({"scopes": ["read"]}))).json();
    let read_only = read_only["token"].as_str().unwrap();
    assert_eq!(patch(&served, read_only, &location, 100, &bytes[100..200]).status, 403);
    assert_eq!(served.raw("DELETE", &location, &tus(read_only, &[]), None).status, 403);
    assert_eq!(served.raw("HEAD", &location, &tus(read_only, &[]), None).status, 403);

    // The grant withdrawn, the owner may not finish what they began.
    let grants = served.regie.json(&["grants", "list", "--json"]);
    let grant = grants.as_array().unwrap().iter().find(|grant| grant["collection"] == "news").unwrap();
    served.regie.json(&["grants", "remove", grant["id"].as_str().unwrap(), "--json"]);
    let finished = patch(&served, &eve, &location, 100, &bytes[100..]);
    assert_eq!((finished.status, finished.code()), (403, "forbidden".to_owned()));
    assert_eq!(served.regie.asset_count(), 0);
    let denied =
        served.regie.audit_entries("upload.patch").into_iter().filter(|entry| entry["outcome"] == "denied").count();
    assert_eq!(denied, 2, "the read-only token's PATCH and the one after the grant went");
}

#[test]
fn open_uploads_are_bounded_per_user_and_by_the_free_space() {
    let served = Served::start_with_env(TestRegie::new(), 0, &[("REGIE_SERVER_MAX_OPEN_UPLOADS", "3")]);
    served.add_user("anne", "admin");
    let anne = served.login("anne");
    let mut locations = Vec::new();
    for index in 0..3 {
        let created = create(&served, &anne, &format!("clip{index}.wav"), "news", 1000);
        assert_eq!(created.status, 201);
        locations.push(created.header("location").unwrap());
    }
    let fourth = create(&served, &anne, "clip3.wav", "news", 1000);
    assert_eq!((fourth.status, fourth.code()), (413, "upload-too-large".to_owned()));
    assert!(fourth.json()["message"].as_str().unwrap().contains("3 uploads open"));
    assert_eq!(served.raw("DELETE", &locations[0], &tus(&anne, &[]), None).status, 204);
    assert_eq!(create(&served, &anne, "clip3.wav", "news", 1000).status, 201, "a finished one frees a place");

    // Far more than the disk holds (but under max_upload_bytes): refused before a byte is sent.
    let huge = create(&served, &anne, "huge.mxf", "news", 1 << 39);
    assert_eq!((huge.status, huge.code()), (507, "disk-full".to_owned()));
}

#[test]
fn content_catalogued_where_the_uploader_cannot_read_is_neither_revealed_nor_touched() {
    let regie = TestRegie::new();
    let wav = distinct_wavs(&regie.scratch("in"), 1)[0].clone();
    let secret = ingest_into(&regie, &wav, "sport/secret");
    let served = Served::start(regie);
    served.add_user("eve", "editor");
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:eve", "--role", "editor", "--json"]);
    let eve = served.login("eve");
    let bytes = std::fs::read(&wav).unwrap();
    let location = create(&served, &eve, "leak.wav", "news", bytes.len() as u64).header("location").unwrap();
    let done = patch(&served, &eve, &location, 0, &bytes);
    assert_eq!(done.status, 204, "answered as a completed upload: {}", String::from_utf8_lossy(&done.body));
    assert!(done.header("regie-asset-id").is_none(), "the other asset is not named");
    let status = served.get(&location, &eve).json();
    assert_eq!(status["held"], json!(true));
    assert_ne!(status["asset_id"], json!(secret));
    let duplicates = served.regie.json(&["assets", "show", &secret, "--json"])["duplicates"].clone();
    assert_eq!(duplicates, json!([]), "nothing was added to the other asset");
}

#[test]
fn an_upload_whose_ingest_was_interrupted_by_a_crash_is_finished_on_the_next_request() {
    let served = desk();
    let anne = served.login("anne");
    let bytes = std::fs::read(&distinct_wavs(&served.regie.scratch("in"), 1)[0]).unwrap();
    let location = create(&served, &anne, "crash.wav", "news", bytes.len() as u64).header("location").unwrap();
    let last = bytes.len() - 1;
    assert_eq!(patch(&served, &anne, &location, 0, &bytes[..last]).status, 204);
    let mut served = served;
    served.kill();
    // What the last PATCH had done when the server died: every byte received and moved to the
    // landing folder, the ingest not yet recorded.
    let id = location.rsplit('/').next().unwrap();
    let uploads = served.regie.data().join("uploads");
    let mut part = std::fs::read(uploads.join(format!("{id}.part"))).unwrap();
    part.push(bytes[last]);
    std::fs::create_dir_all(uploads.join(id)).unwrap();
    std::fs::write(uploads.join(id).join("crash.wav"), &part).unwrap();
    std::fs::remove_file(uploads.join(format!("{id}.part"))).unwrap();

    served.start_again();
    let anne = served.login("anne");
    let head = served.raw("HEAD", &location, &tus(&anne, &[]), None);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("upload-offset").unwrap(), bytes.len().to_string());
    let asset_id = head.header("regie-asset-id").expect("the interrupted ingest was finished");
    let asset: Value = served.get(&format!("/api/v1/assets/{asset_id}"), &anne).json();
    assert_eq!(asset["name"], json!("crash.wav"));
    assert_eq!(served.get(&format!("/api/v1/assets/{asset_id}/files/original"), &anne).body, bytes);
    assert!(!uploads.join(id).exists(), "the landing folder is gone once the asset is recorded");
}
