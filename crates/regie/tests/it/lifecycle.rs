//! The lifecycle of assets: the trash (hidden, restorable), legal holds that beat every rule and
//! delete, retention rules, purges in two phases from every location (a dry run says exactly
//! what the real one does), deletion over the API only with the delete permission, and a purge
//! killed with SIGKILL that resumes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::fixtures;
use crate::harness::{TestRegie, blob_in, files_under};
use crate::served::{Served, ingest_into};

fn write_config(regie: &TestRegie, text: &str) {
    std::fs::create_dir_all(regie.data()).unwrap();
    std::fs::write(regie.data().join("regie.toml"), format!("[jobs]\npreviews_at_ingest = false\n{text}")).unwrap();
}

fn ingest(regie: &TestRegie, files: &[PathBuf], collection: &str) -> Vec<(String, String)> {
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (code, lines) = regie.ingest(&inputs, &["--collection", collection]);
    assert_eq!(code, 0, "{lines:?}");
    lines
        .iter()
        .map(|line| {
            (line["asset_id"].as_str().unwrap().to_owned(), line["blake3"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

fn listed(regie: &TestRegie) -> Vec<String> {
    regie
        .json(&["assets", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|asset| asset["id"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(report: &Value, key: &str) -> Vec<String> {
    let mut ids: Vec<String> =
        report[key].as_array().unwrap().iter().map(|entry| entry["asset_id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[test]
fn the_trash_holds_retention_and_purges_keep_what_must_stay_and_remove_the_rest_everywhere() {
    let regie = TestRegie::new();
    write_config(
        &regie,
        "[lifecycle]\ntrash_period = \"2s\"\n[[retention]]\ncollection = \"rushes\"\nkeep = \"1s\"\n\
         [[copies]]\ncollection = \"rushes\"\ncopies = 2\n",
    );
    let second = regie.scratch("second");
    regie.json(&["storage", "add", "second", "--url", &format!("file://{}", second.display()), "--json"]);
    let files = fixtures::distinct_wavs(&regie.scratch("inbox"), 4);
    let rushes = ingest(&regie, &files[..3], "rushes");
    let news = ingest(&regie, &files[3..], "news");
    let output = regie.run(&["worker", "--until-idle"]);
    assert!(output.status.success());
    let (a, b, c, d) = (&rushes[0].0, &rushes[1].0, &rushes[2].0, &news[0].0);
    let digest = |id: &str| {
        let shown = regie.json(&["assets", "show", id, "--json"]);
        shown["files"].as_array().unwrap().iter().find(|file| file["role"] == "original").unwrap()["blake3"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (digest_a, digest_b, digest_d) = (digest(a), digest(b), digest(d));

    let hold = regie.json(&["holds", "add", b, "--reason", "dispute with the producer", "--json"]);
    assert_eq!(hold["reason"], "dispute with the producer");
    let refused = regie.run(&["assets", "delete", b, "--json"]);
    assert_eq!(refused.status.code(), Some(2), "a hold beats a delete");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("legal hold"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    regie.json(&["assets", "delete", d, "--reason", "wrong upload", "--json"]);
    assert!(!listed(&regie).contains(d), "a trashed asset is hidden");
    assert_eq!(regie.run(&["assets", "show", d]).status.code(), Some(3));
    let trash = regie.json(&["trash", "list", "--json"]);
    assert_eq!(trash[0]["asset_id"], d.as_str());
    assert_eq!(trash[0]["reason"], "wrong upload");
    regie.json(&["trash", "restore", d, "--json"]);
    assert!(listed(&regie).contains(d), "restored");
    regie.json(&["assets", "delete", d, "--json"]);
    let deletion = regie.audit_entries("asset.delete");
    assert!(deletion.last().unwrap()["detail"].as_str().unwrap().contains(&digest_d), "the content hash is on record");

    std::thread::sleep(Duration::from_millis(2_200));
    let dry = regie.json(&["purge", "--dry-run", "--json"]);
    assert_eq!(dry["dry_run"], true);
    let mut due = vec![a.clone(), c.clone()];
    due.sort();
    assert_eq!(ids(&dry, "trashed"), due, "retention trashes A and C: {dry:#}");
    assert_eq!(ids(&dry, "purged"), vec![d.clone()], "only D has been in the trash past the grace period");
    assert_eq!(ids(&dry, "held"), vec![b.clone()]);
    assert!(listed(&regie).contains(a), "a dry run changes nothing");
    assert!(blob_in(&regie.data().join("store"), &digest_d).exists());

    let real = regie.json(&["purge", "--json"]);
    for key in ["trashed", "purged", "held"] {
        assert_eq!(ids(&real, key), ids(&dry, key), "{key}: the dry run said what the purge did");
    }
    assert_eq!(real["bytes_freed"], dry["bytes_freed"]);
    assert_eq!(real["bytes_freed"], std::fs::metadata(&files[3]).unwrap().len(), "{real:#}");
    assert!(real["kwh_per_year_saved"].as_f64().unwrap() > 0.0);
    assert!(!blob_in(&regie.data().join("store"), &digest_d).exists(), "D's bytes are gone");
    assert_eq!(regie.run(&["trash", "restore", d]).status.code(), Some(3), "a purged asset cannot come back");
    let purges = regie.audit_entries("asset.purge");
    assert!(purges[0]["detail"].as_str().unwrap().contains(&digest_d), "what existed outlives the bytes");
    assert!(!listed(&regie).contains(a) && listed(&regie).contains(b), "A trashed by its rule, B held");

    std::thread::sleep(Duration::from_millis(2_200));
    let second_purge = regie.json(&["purge", "--json"]);
    assert_eq!(ids(&second_purge, "purged"), due);
    for root in [regie.data().join("store"), second.clone()] {
        assert!(!blob_in(&root, &digest_a).exists(), "A gone from {}", root.display());
        assert!(blob_in(&root, &digest_b).exists(), "B kept in {}", root.display());
    }
    let status = regie.json(&["storage", "status", "--json"]);
    assert_eq!(status["assets_below_copy_count"], 0, "{status:#}");
    let (code, report) = {
        let output = regie.run(&["fixity", "run", "--json"]);
        (output.status.code(), serde_json::from_slice::<Value>(&output.stdout).unwrap())
    };
    assert_eq!(code, Some(0), "no copy of purged content is left on record: {report:#}");

    regie.json(&["holds", "remove", b, "--json"]);
    regie.json(&["assets", "delete", b, "--json"]);
    let verified = regie.json(&["audit", "verify", "--json"]);
    assert_eq!(verified["intact"], true);
    assert!(files_under(&regie.data().join("store/tmp")).is_empty());
}

#[test]
fn deleting_over_the_api_needs_the_delete_permission_and_hides_the_asset() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("api-inbox");
    let paths = fixtures::copy_into(&inbox, &["h264_aac.mp4"]);
    let asset = ingest_into(&regie, &paths[0], "news");
    let served = Served::start(regie);
    served.add_user("ed", "editor");
    served.add_user("mm", "media-manager");
    for (user, role) in [("ed", "editor"), ("mm", "media-manager")] {
        let grantee = format!("user:{user}");
        served.regie.json(&["grants", "add", "--collection", "news", "--to", &grantee, "--role", role, "--json"]);
    }
    let editor = served.login("ed");
    let manager = served.login("mm");
    let path = format!("/api/v1/assets/{asset}?reason=duplicate%20upload");
    let refused = served.send("DELETE", &path, Some(&editor), None);
    assert_eq!(refused.status, 403, "an editor may not delete");
    assert_eq!(served.get(&format!("/api/v1/assets/{asset}"), &editor).status, 200, "still there");
    let done = served.send("DELETE", &path, Some(&manager), None);
    assert_eq!(done.status, 204, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(served.get(&format!("/api/v1/assets/{asset}"), &manager).status, 404, "hidden once trashed");
    let listed = served.get("/api/v1/assets", &manager).json();
    assert!(listed["items"].as_array().unwrap().is_empty(), "{listed:#}");
    let again = served.send("DELETE", &path, Some(&manager), None);
    assert_eq!(again.status, 404);
    let entries = served.regie.audit_entries("asset.delete");
    let denied: Vec<&Value> = entries.iter().filter(|entry| entry["outcome"] == "denied").collect();
    assert_eq!(denied.len(), 1, "{entries:#?}");
    let deleted = entries.iter().find(|entry| entry["outcome"] == "ok").unwrap();
    assert_eq!(deleted["actor"], "mm");
    assert!(deleted["detail"].as_str().unwrap().contains("blake3"));
}

#[test]
fn a_purge_killed_with_sigkill_resumes_and_leaves_nothing_half_done() {
    let regie = TestRegie::new();
    write_config(&regie, "[lifecycle]\ntrash_period = \"1s\"\n");
    let files = fixtures::distinct_wavs(&regie.scratch("inbox"), 150);
    let assets = ingest(&regie, &files, "rushes");
    for (asset, _) in &assets {
        regie.json(&["assets", "delete", asset, "--json"]);
    }
    std::thread::sleep(Duration::from_millis(1_200));
    let store = regie.data().join("store");
    let before = files_under(&store.join("blobs")).len();
    assert_eq!(before, 150);
    let mut purging = regie.command().args(["purge", "--json"]).stdout(std::process::Stdio::null()).spawn().unwrap();
    let started = std::time::Instant::now();
    while files_under(&store.join("blobs")).len() > 100 {
        assert!(purging.try_wait().unwrap().is_none(), "the purge ended before it could be killed");
        assert!(started.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(2));
    }
    purging.kill().unwrap();
    purging.wait().unwrap();
    let left = files_under(&store.join("blobs")).len();
    assert!(left > 0 && left < 150, "killed mid-way: {left} blobs left");
    let trash = regie.json(&["trash", "list", "--json"]);
    let waiting = trash.as_array().unwrap().len();
    assert!(waiting >= left, "every asset whose bytes remain is still in the trash ({waiting} for {left} blobs)");

    let resumed = regie.json(&["purge", "--json"]);
    assert_eq!(resumed["purged"].as_array().unwrap().len(), waiting, "the rest is purged: {resumed:#}");
    assert!(files_under(&store.join("blobs")).is_empty());
    assert!(regie.json(&["trash", "list", "--json"]).as_array().unwrap().is_empty());
    let purges = regie.audit_entries("asset.purge");
    assert!(purges.len() >= 150, "every purged asset is on record ({})", purges.len());
    assert_eq!(regie.json(&["audit", "verify", "--json"])["intact"], true);
    let again = regie.json(&["purge", "--json"]);
    assert!(again["purged"].as_array().unwrap().is_empty(), "nothing left to do");
}

#[test]
fn an_original_moves_to_archive_while_its_proxy_stays_online_and_comes_back_for_a_while() {
    let regie = TestRegie::new();
    std::fs::create_dir_all(regie.data()).unwrap();
    std::fs::write(
        regie.data().join("regie.toml"),
        "[[retention]]\ncollection = \"programmes\"\nkeep = \"1s\"\nthen = \"archive\"\n",
    )
    .unwrap();
    let tape = regie.scratch("tape");
    regie.json(&[
        "storage",
        "add",
        "tape",
        "--url",
        &format!("file://{}", tape.display()),
        "--tier",
        "archive",
        "--json",
    ]);
    let inbox = regie.scratch("inbox");
    let paths = fixtures::copy_into(&inbox, &["h264_aac.mp4"]);
    let asset = ingest(&regie, &paths, "programmes")[0].0.clone();
    assert!(regie.run(&["worker", "--until-idle"]).status.success());
    let shown = regie.json(&["assets", "show", &asset, "--json"]);
    let file = |role: &str| {
        shown["files"].as_array().unwrap().iter().find(|file| file["role"] == role).unwrap()["blake3"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (original, proxy) = (file("original"), file("proxy"));
    let primary = regie.data().join("store");
    std::thread::sleep(Duration::from_millis(1_100));

    let dry = regie.json(&["purge", "--dry-run", "--json"]);
    let planned = &dry["tier_moves"][0];
    assert_eq!(
        (planned["to"].as_str(), planned["removed_from"][0].as_str()),
        (Some("tape"), Some("primary")),
        "{dry:#}"
    );
    assert!(blob_in(&primary, &original).exists(), "a dry run moves nothing");
    let real = regie.json(&["purge", "--json"]);
    assert_eq!(real["tier_moves"], dry["tier_moves"], "the dry run said what the purge did");
    assert_eq!(real["bytes_freed"], std::fs::metadata(&paths[0]).unwrap().len());
    assert!(!blob_in(&primary, &original).exists(), "the original left the online tier");
    assert_eq!(blake3::hash(&std::fs::read(blob_in(&tape, &original)).unwrap()).to_hex().to_string(), original);
    assert!(blob_in(&primary, &proxy).exists(), "the proxy stays online");
    let replicated = regie.json(&["storage", "replicate", "--now", "--json"]);
    assert!(replicated.as_array().unwrap().is_empty(), "nothing brings it back by itself: {replicated:#}");
    assert_eq!(regie.json(&["storage", "status", "--json"])["assets_below_copy_count"], 0);
    let again = regie.json(&["purge", "--json"]);
    assert!(again["tier_moves"].as_array().unwrap().is_empty(), "moved once");

    let restored = regie.json(&["restore", &asset, "--ttl", "1s", "--json"]);
    assert_eq!(restored["from"], "tape", "{restored:#}");
    assert!(blob_in(&primary, &original).exists());
    let (code, _) = {
        let output = regie.run(&["fixity", "run", "--json"]);
        (output.status.code(), output.stdout)
    };
    assert_eq!(code, Some(0));
    let kept = regie.json(&["purge", "--json"]);
    assert!(kept["tier_moves"].as_array().unwrap().is_empty(), "a restored copy stays until its time is over");
    assert!(blob_in(&primary, &original).exists());
    std::thread::sleep(Duration::from_millis(1_100));
    let expired = regie.json(&["purge", "--json"]);
    assert_eq!(expired["expired_restores"][0]["location"], "primary", "{expired:#}");
    assert!(!blob_in(&primary, &original).exists(), "gone again after its time");
    assert!(blob_in(&tape, &original).exists());
    assert_eq!(regie.audit_entries("storage.tier-move").len(), 1);
    assert_eq!(regie.audit_entries("storage.restore").len(), 1);
}
