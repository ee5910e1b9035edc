//! `regie config show`: defaults, then the file, then the environment.

use std::fs;

use crate::harness::TestRegie;

#[test]
fn config_show_prints_the_effective_layers() {
    let regie = TestRegie::new();
    let defaults = regie.json(&["config", "show", "--json"]);
    assert_eq!(defaults["ingest"]["sha256"], false);
    assert_eq!(defaults["ingest"]["house_id_template"], "{collection}-{date}-{seq:05}");
    assert_eq!(defaults["config_file"], serde_json::Value::Null);

    fs::create_dir_all(regie.data()).unwrap();
    fs::write(regie.data().join("regie.toml"), "[ingest]\nsha256 = true\nconcurrency = 3\n").unwrap();
    let output =
        regie.command().args(["config", "show", "--json"]).env("REGIE_INGEST_CONCURRENCY", "1").output().unwrap();
    let layered: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(layered["ingest"]["sha256"], true, "from the file");
    assert_eq!(layered["ingest"]["concurrency"], 1, "the environment wins over the file");
    assert!(layered["config_file"].as_str().unwrap().ends_with("regie.toml"));
}

#[test]
fn a_bad_config_is_refused_with_its_key() {
    let regie = TestRegie::new();
    fs::create_dir_all(regie.data()).unwrap();
    fs::write(regie.data().join("regie.toml"), "[ingest]\nhouse_id_template = \"{collection}\"\n").unwrap();
    let output = regie.run(&["config", "show"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("house_id_template") && stderr.contains("{seq}"), "{stderr}");
}
