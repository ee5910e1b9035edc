//! The store under stress: orphans and leftovers collected by gc, and a full disk.

use std::fs;

use crate::fixtures::{copy_into, ffmpeg};
use crate::harness::{SmallDisk, TestRegie, outcome_for};

#[test]
fn gc_removes_orphan_blobs_and_leftover_temporaries_and_reports_them() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    copy_into(&inbox, &["pcm24.wav"]);
    regie.ingest(&[&inbox], &[]);
    let orphan_digest = blake3::hash(b"orphan").to_hex().to_string();
    let orphan = regie.blob(&orphan_digest);
    fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    fs::write(&orphan, b"orphan").unwrap();
    fs::write(regie.data().join("store/tmp/ingest-leftover"), b"half a copy").unwrap();

    let report = regie.json(&["gc", "--json"]);
    assert_eq!(report["removed_blobs"][0]["blake3"], orphan_digest.as_str());
    assert_eq!(report["removed_blobs"].as_array().unwrap().len(), 1);
    assert!(report["removed_temporaries"][0].as_str().unwrap().ends_with("ingest-leftover"));
    assert_eq!(report["bytes_freed"], 6 + 11);
    assert_eq!(regie.blobs().len(), 1, "the referenced blob stays");
    let again = regie.json(&["gc", "--json"]);
    assert_eq!(again["removed_blobs"].as_array().unwrap().len(), 0);
}

#[test]
fn a_full_disk_fails_the_file_cleanly_and_the_batch_goes_on() {
    let regie = TestRegie::new();
    let data = regie.data();
    let Some(disk) = SmallDisk::mount(&data, "3m", "store::a_full_disk_fails_the_file_cleanly_and_the_batch_goes_on")
    else {
        return;
    };
    let inbox = regie.scratch("inbox");
    copy_into(&inbox, &["pcm24.wav"]);
    let big = inbox.join("zz_big.wav");
    let big_path = big.display().to_string();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=sample_rate=48000",
        "-t",
        "30",
        "-ac",
        "2",
        "-c:a",
        "pcm_s24le",
        &big_path,
    ]);
    let (code, lines) = regie.ingest(&[&inbox], &["--concurrency", "1"]);
    let blobs = regie.blobs().len();
    let temporaries = regie.temporaries();
    let listed = regie.json(&["assets", "list", "--json"]);
    let assets: Vec<&str> = listed.as_array().unwrap().iter().map(|asset| asset["name"].as_str().unwrap()).collect();
    drop(disk);

    assert_eq!(code, 1);
    assert_eq!(outcome_for(&lines, "pcm24.wav")["status"], "ingested");
    let failed = outcome_for(&lines, "zz_big.wav");
    assert_eq!(failed["code"], "disk-full", "{failed}");
    assert!(failed["error"].as_str().unwrap().contains("full"));
    assert!(temporaries.is_empty(), "the partial copy is gone: {temporaries:?}");
    assert_eq!(blobs, 1);
    assert_eq!(assets, ["pcm24.wav"]);
}
