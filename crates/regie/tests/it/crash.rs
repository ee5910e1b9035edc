//! Crash safety: `regie ingest` killed with SIGKILL in the middle of a batch, then run again.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::fixtures::distinct_wavs;
use crate::harness::{TestRegie, json_lines};

#[test]
fn a_killed_ingest_resumes_to_a_complete_and_consistent_catalogue() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    // Enough files that the kill lands mid-run, batches of hundreds being recorded at once.
    let files = distinct_wavs(&inbox, 1000);

    let mut child = regie
        .command()
        .args(["ingest", "--json"])
        .arg(&inbox)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut done_before_kill = 0;
    while done_before_kill < 25 && reader.read_line(&mut line).unwrap() > 0 {
        done_before_kill += 1;
        line.clear();
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let recorded = regie.asset_count();
    assert!(recorded >= 25 && recorded < files.len(), "killed mid-batch, {recorded} recorded");

    let output = regie.command().args(["ingest", "--json"]).arg(&inbox).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = json_lines(&output.stdout);
    assert_eq!(lines.len(), files.len());
    let duplicates = lines.iter().filter(|line| line["status"] == "duplicate").count();
    assert_eq!(duplicates, recorded, "what the killed run recorded is recognised");

    let assets = regie.assets();
    assert_eq!(assets.len(), files.len());
    assert!(
        assets.iter().all(|asset| asset["duplicates"] == serde_json::json!([])),
        "no duplicate records of the same path"
    );
    let digests: Vec<String> = assets
        .iter()
        .flat_map(|asset| {
            asset["files"].as_array().unwrap().iter().map(|file| file["blake3"].as_str().unwrap().to_owned())
        })
        .collect();
    let distinct: std::collections::BTreeSet<&String> = digests.iter().collect();
    assert_eq!(distinct.len(), digests.len(), "each content catalogued once");
    let house_ids: std::collections::BTreeSet<&str> =
        assets.iter().map(|asset| asset["house_id"].as_str().unwrap()).collect();
    assert_eq!(house_ids.len(), assets.len(), "house ids are unique");
    for digest in &digests {
        let blob = regie.blob(digest);
        let bytes = std::fs::read(&blob).unwrap_or_else(|error| panic!("row without blob {digest}: {error}"));
        assert_eq!(blake3::hash(&bytes).to_hex().as_str(), digest.as_str(), "blob matches its recorded hash");
    }

    let report = regie.json(&["gc", "--json"]);
    let blobs_left = regie.blobs().len();
    assert_eq!(blobs_left, files.len(), "gc keeps every referenced blob and only those: {report:#}");
    assert!(regie.temporaries().is_empty());
}

#[test]
fn two_processes_ingesting_the_same_content_at_once_catalogue_it_once() {
    let regie = TestRegie::new();
    let first = regie.scratch("first");
    let second = regie.scratch("second");
    let files = crate::fixtures::distinct_wavs(&first, 30);
    for file in &files {
        std::fs::copy(file, second.join(file.file_name().unwrap())).unwrap();
    }
    let spawn = |folder: &std::path::Path| {
        regie.command().args(["ingest", "--json"]).arg(folder).stdout(Stdio::piped()).spawn().unwrap()
    };
    let (one, two) = (spawn(&first), spawn(&second));
    let (one, two) = (one.wait_with_output().unwrap(), two.wait_with_output().unwrap());
    assert!(one.status.success() && two.status.success());
    let lines: Vec<_> = json_lines(&one.stdout).into_iter().chain(json_lines(&two.stdout)).collect();
    assert_eq!(lines.len(), 60);
    assert_eq!(lines.iter().filter(|line| line["status"] == "ingested").count(), 30, "each content once");
    assert_eq!(lines.iter().filter(|line| line["status"] == "duplicate").count(), 30);
    let assets = regie.assets();
    assert_eq!(assets.len(), 30);
    let duplicates: usize = assets.iter().map(|asset| asset["duplicates"].as_array().unwrap().len()).sum();
    assert_eq!(duplicates, 30);
}
