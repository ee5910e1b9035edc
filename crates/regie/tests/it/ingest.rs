//! `regie ingest`: copies, checksums, duplicates, findings and per-file errors.

use std::fs;
use std::os::unix::fs::symlink;

use crate::fixtures::{copy_into, media};
use crate::harness::{TestRegie, outcome_for};

const GOOD_MEDIA: &[&str] = &[
    "h264_aac.mp4",
    "prores_tc.mov",
    "xdcam.mxf",
    "vp9_opus.mkv",
    "mpeg2.ts",
    "pcm24.wav",
    "tone.flac",
    "exif.jpg",
    "still.png",
];

#[test]
fn ingest_stores_every_format_with_checksums_and_leaves_originals_untouched() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    copy_into(&inbox, GOOD_MEDIA);
    let before: Vec<(String, Vec<u8>)> =
        GOOD_MEDIA.iter().map(|name| (name.to_string(), fs::read(inbox.join(name)).unwrap())).collect();

    let (code, lines) = regie.ingest(&[&inbox], &["--collection", "news/2026"]);
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(lines.len(), GOOD_MEDIA.len());
    for (name, bytes) in &before {
        let line = outcome_for(&lines, name);
        assert_eq!(line["status"], "ingested", "{line}");
        assert_eq!(line["error"], serde_json::Value::Null);
        let asset_id = line["asset_id"].as_str().unwrap();
        let asset = regie.json(&["assets", "show", "--json", asset_id]);
        let file = &asset["files"][0];
        assert_eq!(file["role"], "original");
        assert_eq!(file["size"], bytes.len());
        assert_eq!(file["blake3"], blake3::hash(bytes).to_hex().as_str());
        assert_eq!(file["md5"].as_str().unwrap().len(), 32);
        let blob = regie.blob(file["blake3"].as_str().unwrap());
        assert_eq!(&fs::read(&blob).unwrap(), bytes, "the blob is stored under its content address");
        assert_eq!(&fs::read(inbox.join(name)).unwrap(), bytes, "original {name} unchanged");
    }
    let mxf = regie.json(&["assets", "show", "--json", outcome_for(&lines, "xdcam.mxf")["asset_id"].as_str().unwrap()]);
    assert_eq!(mxf["files"][0]["media"]["container"], "mxf");
    assert_eq!(mxf["collection"], "news/2026");
    assert!(regie.temporaries().is_empty());
}

#[test]
fn ingest_md5_matches_md5sum() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let paths = copy_into(&inbox, &["pcm24.wav"]);
    let (_, lines) = regie.ingest(&[&paths[0]], &[]);
    let asset = regie.json(&["assets", "show", "--json", lines[0]["asset_id"].as_str().unwrap()]);
    let output = std::process::Command::new("md5sum").arg(&paths[0]).output().unwrap();
    let expected = String::from_utf8_lossy(&output.stdout).split_whitespace().next().unwrap().to_owned();
    assert_eq!(asset["files"][0]["md5"], expected.as_str());
}

#[test]
fn ingest_records_duplicates_once_and_a_rerun_changes_nothing() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    copy_into(&inbox, &["pcm24.wav", "tone.flac"]);
    fs::copy(inbox.join("pcm24.wav"), inbox.join("copy of pcm24.wav")).unwrap();
    let (code, first) = regie.ingest(&[&inbox], &["--concurrency", "1"]);
    assert_eq!(code, 0);
    assert_eq!(outcome_for(&first, "/copy of pcm24.wav")["status"], "ingested", "sorted first, so it is the original");
    assert_eq!(outcome_for(&first, "/pcm24.wav")["status"], "duplicate");
    assert_eq!(outcome_for(&first, "/pcm24.wav")["asset_id"], outcome_for(&first, "/copy of pcm24.wav")["asset_id"]);
    let snapshot = |regie: &TestRegie| {
        let assets = regie.assets();
        let count = |key: &str| -> usize { assets.iter().map(|asset| asset[key].as_array().unwrap().len()).sum() };
        (assets.len(), count("duplicates"), count("findings"), regie.blobs())
    };
    let before = snapshot(&regie);
    assert_eq!(before.0, 2);
    assert_eq!(before.1, 1);
    assert_eq!(before.3.len(), 2, "one copy of each content");

    let (code, second) = regie.ingest(&[&inbox], &[]);
    assert_eq!(code, 0);
    assert!(second.iter().all(|line| line["status"] == "duplicate"), "{second:#?}");
    assert_eq!(snapshot(&regie), before, "re-running the same ingest changes nothing");
    let asset = regie.json(&["assets", "show", "--json", first[0]["asset_id"].as_str().unwrap()]);
    assert_eq!(asset["duplicates"].as_array().unwrap().len(), 1);
}

#[test]
fn files_recorded_a_batch_at_a_time_keep_one_asset_per_content_and_consecutive_house_ids() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let files = crate::fixtures::distinct_wavs(&inbox, 300);
    // Every tenth file again under another name: a repeat inside the same batch or a later one.
    for file in files.iter().step_by(10) {
        let name = file.file_name().unwrap().to_string_lossy();
        fs::copy(file, inbox.join(format!("again_{name}"))).unwrap();
    }
    let (code, lines) = regie.ingest(&[&inbox], &[]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 330);
    let count = |status: &str| lines.iter().filter(|line| line["status"] == status).count();
    assert_eq!((count("ingested"), count("duplicate")), (300, 30), "{lines:#?}");
    for line in lines.iter().filter(|line| line["status"] == "duplicate") {
        let path = line["path"].as_str().unwrap();
        let name = path.rsplit('/').next().unwrap();
        let other = match name.strip_prefix("again_") {
            Some(first_name) => format!("/{first_name}"),
            None => format!("/again_{name}"),
        };
        assert_eq!(line["asset_id"], outcome_for(&lines, &other)["asset_id"], "{path} names its original's asset");
    }
    let listed = regie.json(&["assets", "list", "--json"]);
    let mut numbers: Vec<u64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|asset| asset["house_id"].as_str().unwrap().rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=300).collect::<Vec<u64>>(), "house ids 1 to 300, none taken twice or skipped");
    assert_eq!(regie.blobs().len(), 300, "one stored copy per content");
    assert!(regie.temporaries().is_empty(), "no staged copy left behind");
}

#[test]
fn broken_files_fail_one_by_one_and_the_batch_goes_on() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    copy_into(&inbox, &["truncated.mp4", "empty.mov", "random.mp4", "pcm24.wav"]);
    fs::write(inbox.join("notes.txt"), "call the producer\n").unwrap();
    fs::write(inbox.join("report.pdf"), b"%PDF-1.4\n%...").unwrap();

    let (code, lines) = regie.ingest(&[&inbox, &inbox.join("missing.mov")], &[]);
    assert_eq!(code, 1, "a failed file makes the exit code non-zero");
    assert_eq!(outcome_for(&lines, "pcm24.wav")["status"], "ingested");
    for (name, code) in [
        ("truncated.mp4", "media-unreadable"),
        ("empty.mov", "empty-file"),
        ("random.mp4", "media-unreadable"),
        ("report.pdf", "not-media"),
        ("missing.mov", "not-found"),
    ] {
        let line = outcome_for(&lines, name);
        assert_eq!(line["status"], "failed", "{line}");
        assert_eq!(line["code"], code, "{line}");
        assert!(line["error"].as_str().unwrap().contains(name), "the error names the file: {line}");
        assert_eq!(line["asset_id"], serde_json::Value::Null);
    }
    assert_eq!(outcome_for(&lines, "notes.txt")["status"], "failed");
    assert_eq!(regie.asset_count(), 1);
    assert_eq!(regie.blobs().len(), 1, "no blob without its row");
    assert!(regie.temporaries().is_empty(), "no temporary file left");
}

#[test]
fn a_wrong_extension_becomes_a_finding() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    fs::copy(media().join("pcm24.wav"), inbox.join("interview.mp4")).unwrap();
    let (code, lines) = regie.ingest(&[&inbox], &[]);
    assert_eq!(code, 0);
    let asset = regie.json(&["assets", "show", "--json", lines[0]["asset_id"].as_str().unwrap()]);
    let finding = &asset["findings"][0];
    assert_eq!(finding["code"], "extension-mismatch");
    assert!(finding["message"].as_str().unwrap().contains("wav"));
    assert_eq!(asset["files"][0]["format"], "wav");
    assert_eq!(asset["files"][0]["media"]["container"], "wav");
}

#[test]
fn symlinks_leading_outside_the_roots_are_not_followed() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let outside = regie.scratch("outside");
    copy_into(&inbox, &["pcm24.wav"]);
    copy_into(&outside, &["tone.flac"]);
    symlink(&outside, inbox.join("escape")).unwrap();
    symlink(outside.join("tone.flac"), inbox.join("linked.flac")).unwrap();
    let output = regie.command().args(["ingest", "--json"]).arg(&inbox).output().unwrap();
    assert!(output.status.success());
    let lines = crate::harness::json_lines(&output.stdout);
    assert_eq!(lines.len(), 1, "only the file inside the root: {lines:#?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("escape") && stderr.contains("not followed"), "{stderr}");
}

#[test]
fn house_ids_follow_the_configured_template() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    copy_into(&inbox, &["pcm24.wav", "tone.flac"]);
    let output = regie
        .command()
        .env("REGIE_INGEST_HOUSE_ID_TEMPLATE", "ARC-{collection}-{seq:04}")
        .args(["ingest", "--json", "--concurrency", "1", "--collection", "archive/radio"])
        .arg(&inbox)
        .output()
        .unwrap();
    let lines = crate::harness::json_lines(&output.stdout);
    assert_eq!(outcome_for(&lines, "pcm24.wav")["house_id"], "ARC-RADIO-0001");
    assert_eq!(outcome_for(&lines, "tone.flac")["house_id"], "ARC-RADIO-0002");
    let asset = regie.json(&["assets", "show", "--json", "ARC-RADIO-0002"]);
    assert_eq!(asset["name"], "tone.flac");
}

#[test]
fn sha256_is_computed_when_asked() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let paths = copy_into(&inbox, &["tone.flac"]);
    let (_, lines) = regie.ingest(&[&paths[0]], &["--sha256"]);
    let asset = regie.json(&["assets", "show", "--json", lines[0]["asset_id"].as_str().unwrap()]);
    let output = std::process::Command::new("sha256sum").arg(&paths[0]).output().unwrap();
    let expected = String::from_utf8_lossy(&output.stdout).split_whitespace().next().unwrap().to_owned();
    assert_eq!(asset["files"][0]["sha256"], expected.as_str());
}
