//! Protected packages: a ladder encrypted with CENC (DASH ClearKey) or HLS AES-128, its key
//! served only through the API to those who may download the asset, and audited.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use serde_json::{Value, json};

use crate::fixtures::ffmpeg;
use crate::harness::TestRegie;
use crate::previews::blob;
use crate::served::{Served, ingest_into};

const LADDER: &str = "container = \"cmaf\"\nspeed = \"fast\"\nsegment_seconds = 2\n\
    [video]\ncodec = \"h264\"\ngop_seconds = 2\n[[video.rung]]\nheight = 360\nbitrate_kbps = 600\n\
    [[video.rung]]\nheight = 180\nbitrate_kbps = 300\n[audio]\ncodec = \"aac\"\nchannels = 2\nbitrate_kbps = 96\n";

/// A server over a catalogue holding one 6 s programme in news with both protected ladders made;
/// `anne` (admin), `eve` (editor of news) and `otto` (editor of nothing).
fn protected_newsroom() -> (Served, String) {
    let regie = TestRegie::new();
    let programme = regie.scratch("inbox").join("programme.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        "6",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        programme.to_str().unwrap(),
    ]);
    let asset = ingest_into(&regie, &programme, "news");
    let profiles = regie.data().join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    for (name, scheme) in [("secure-dash", "cenc"), ("secure-hls", "aes-128")] {
        let text = format!("name = \"{name}\"\nencryption = \"{scheme}\"\n{LADDER}");
        std::fs::write(profiles.join(format!("{name}.toml")), text).unwrap();
        regie.json(&["transcode", &asset, "--profile", name, "--json"]);
    }
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let served = Served::start(regie);
    served.add_user("anne", "admin");
    served.add_user("eve", "editor");
    served.add_user("otto", "editor");
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:eve", "--role", "editor", "--json"]);
    (served, asset)
}

/// The rendition's files by name (blob paths) and the job's `encryption` result.
fn rendition(served: &Served, asset: &str, profile: &str) -> (Vec<(String, PathBuf)>, Value) {
    let shown = served.regie.json(&["assets", "show", asset, "--json"]);
    let made = shown["renditions"].as_array().unwrap().iter().find(|made| made["profile"] == profile);
    let made = made.unwrap_or_else(|| panic!("no {profile}: {shown:#}"));
    let files = made["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| (file["path"].as_str().unwrap().to_owned(), blob(&served.regie, file["blake3"].as_str().unwrap())))
        .collect();
    let jobs = served.regie.json(&["jobs", "list", "--json"]);
    let job = jobs.as_array().unwrap().iter().find(|job| job["result"]["profile"] == profile).unwrap();
    let encryption = job["result"]["encryption"].clone();
    // `assets show` says the package is protected, and by which key.
    assert_eq!(made["protection"]["scheme"], encryption["scheme"], "{made:#}");
    assert_eq!(made["protection"]["key_id"], encryption["key_id"], "{made:#}");
    (files, encryption)
}

fn file<'a>(files: &'a [(String, PathBuf)], name: &str) -> &'a Path {
    &files.iter().find(|(path, _)| path == name).unwrap_or_else(|| panic!("no {name} in {files:?}")).1
}

/// ffmpeg decoding `input` (with `before` options): exit success, and what it said.
fn decode(before: &[&str], input: &str) -> (bool, String) {
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-v", "error"])
        .args(before)
        .args(["-i", input, "-f", "framemd5", "-"])
        .output()
        .unwrap();
    let frames = String::from_utf8_lossy(&output.stdout).lines().filter(|line| !line.starts_with('#')).count();
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success() && frames > 0 && said.trim().is_empty(), format!("{frames} frames; {said}"))
}

#[test]
fn a_cenc_ladder_decodes_only_with_its_key_which_the_api_gives_only_to_those_who_may_download() {
    let (served, asset) = protected_newsroom();
    let (files, encryption) = rendition(&served, &asset, "secure-dash");
    assert_eq!(encryption["scheme"], "cenc", "{encryption}");
    let key_id = encryption["key_id"].as_str().unwrap().to_owned();
    assert_eq!(encryption["key_uri"], format!("/api/v1/keys/{key_id}"));

    // The manifests say so: CENC with the key id and ClearKey in the MPD, SAMPLE-AES-CTR in HLS.
    let mpd = std::fs::read_to_string(file(&files, "manifest.mpd")).unwrap();
    let uuid = format!("{}-{}-{}-{}-{}", &key_id[..8], &key_id[8..12], &key_id[12..16], &key_id[16..20], &key_id[20..]);
    assert_eq!(mpd.matches(&format!("cenc:default_KID=\"{uuid}\"")).count(), 6, "{mpd}");
    assert!(mpd.contains(&format!("<dashif:Laurl>/api/v1/keys/{key_id}</dashif:Laurl>")), "{mpd}");
    let playlist = std::fs::read_to_string(file(&files, "media_0.m3u8")).unwrap();
    assert!(playlist.contains("#EXT-X-KEY:METHOD=SAMPLE-AES-CTR"), "{playlist}");

    // The key: refused without an account, not found for otto, the same 16 bytes for anne and eve.
    let path = format!("/api/v1/keys/{key_id}");
    assert_eq!(served.send("GET", &path, None, None).status, 401);
    let otto = served.login("otto");
    let refused = served.send("GET", &path, Some(&otto), None);
    assert_eq!((refused.status, refused.code()), (404, "not-found".to_owned()));
    assert_eq!(served.send("GET", "/api/v1/keys/not-a-key", Some(&otto), None).status, 404);
    let anne = served.login("anne");
    let key = served.send("GET", &path, Some(&anne), None);
    assert_eq!(key.status, 200);
    assert_eq!(key.body.len(), 16);
    assert_eq!(key.header("cache-control").as_deref(), Some("no-store"));
    let eve = served.login("eve");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let kid = b64(&hex::decode(&key_id).unwrap());
    let licence = served.send("POST", &path, Some(&eve), Some(json!({ "kids": [kid], "type": "temporary" })));
    assert_eq!(licence.status, 200, "{}", String::from_utf8_lossy(&licence.body));
    let licence = licence.json();
    assert_eq!(licence["keys"][0]["kty"], "oct");
    assert_eq!(licence["keys"][0]["kid"], kid);
    assert_eq!(licence["keys"][0]["k"], b64(&key.body), "{licence}");
    let denied = served.send("POST", &path, Some(&otto), Some(json!({ "kids": [kid] })));
    assert_eq!(denied.status, 404);
    // Every answer is in the audit trail.
    let audited = served.regie.audit_entries("key.serve");
    let outcomes: Vec<&str> = audited.iter().map(|entry| entry["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|outcome| **outcome == "ok").count(), 2, "{audited:#?}");
    assert!(outcomes.iter().filter(|outcome| **outcome != "ok").count() >= 3, "{audited:#?}");
    assert!(
        audited.iter().any(|entry| entry["user"] == "otto" || entry["actor"].as_str().unwrap_or("").contains("otto"))
    );

    // The key is nowhere in the catalogue in the clear.
    let hex_key = hex::encode(&key.body);
    let rows = served.regie.query("SELECT sealed FROM content_keys");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|row| !row[0].contains(&hex_key) && !row[0].contains(&b64(&key.body))));

    // Each segment decodes with the key and not without it (video and audio).
    let work = served.regie.scratch("cenc");
    for representation in ["0", "2"] {
        let joined = work.join(format!("rep-{representation}.mp4"));
        let mut bytes = std::fs::read(file(&files, &format!("init-{representation}.m4s"))).unwrap();
        bytes.extend(std::fs::read(file(&files, &format!("chunk-{representation}-00002.m4s"))).unwrap());
        std::fs::write(&joined, bytes).unwrap();
        let (clear, said) = decode(&["-decryption_key", &hex_key], joined.to_str().unwrap());
        assert!(clear, "representation {representation} with the key: {said}");
        let (clear, said) = decode(&[], joined.to_str().unwrap());
        assert!(!clear, "representation {representation} decoded without the key: {said}");
        let (clear, _) = decode(&["-decryption_key", "00112233445566778899aabbccddeeff"], joined.to_str().unwrap());
        assert!(!clear, "representation {representation} decoded with another key");
    }
}

#[test]
fn an_aes_128_hls_ladder_plays_over_http_with_an_account_and_not_without() {
    let (served, asset) = protected_newsroom();
    let (files, encryption) = rendition(&served, &asset, "secure-hls");
    assert_eq!(encryption["scheme"], "aes-128", "{encryption}");
    let key_id = encryption["key_id"].as_str().unwrap();
    assert!(files.iter().all(|(name, _)| name != "manifest.mpd"), "DASH players cannot read it: {files:?}");
    let playlist = std::fs::read_to_string(file(&files, "media_0.m3u8")).unwrap();
    assert!(playlist.contains(&format!("#EXT-X-KEY:METHOD=AES-128,URI=\"/api/v1/keys/{key_id}\"")), "{playlist}");
    // A copied segment is noise: not an MP4 fragment any more.
    let chunk = std::fs::read(file(&files, "chunk-0-00001.m4s")).unwrap();
    assert_eq!(chunk.len() % 16, 0);
    assert!(!chunk.windows(4).take(64).any(|window| window == b"styp" || window == b"moof"));

    // ffmpeg plays the package from the server with a token (playlists, key and segments over
    // HTTP), and not with an account that may not see the asset.
    let master = format!("{}/api/v1/assets/{asset}/renditions/secure-hls/master.m3u8", served.base);
    let eve = served.login("eve");
    let header = format!("Authorization: Bearer {eve}\r\n");
    let (played, said) = decode(&["-headers", &header], &master);
    assert!(played, "with eve's token: {said}");
    let otto = served.login("otto");
    let header = format!("Authorization: Bearer {otto}\r\n");
    let (played, _) = decode(&["-headers", &header], &master);
    assert!(!played);
    assert!(served.regie.audit_entries("key.serve").iter().any(|entry| entry["outcome"] == "ok"));
}
