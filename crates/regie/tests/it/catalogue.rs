//! Sidecars, collections, tags and the `assets` commands.

use std::fs;

use serde_json::Value;

use crate::fixtures::copy_into;
use crate::harness::{TestRegie, outcome_for};

fn codes(asset: &Value) -> Vec<String> {
    asset["findings"].as_array().unwrap().iter().map(|finding| finding["code"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn json_sidecar_supplies_metadata_and_mismatches_become_findings() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    copy_into(&inbox, &["h264_aac.mp4"]);
    fs::write(
        inbox.join("h264_aac.json"),
        r#"{"title": "Le Journal", "series": "JT", "episode": "12", "synopsis": "Les titres.", "language": "fr",
            "keywords": ["news"], "contributors": [{"name": "Anne", "role": "presenter"}], "rights_holder": "France TV",
            "declared": {"md5": "00000000000000000000000000000000", "duration_s": 10.0, "width": 1920, "height": 1080,
                         "frame_rate": "25", "audio_tracks": 8}}"#,
    )
    .unwrap();
    let (code, lines) = regie.ingest(&[&inbox], &[]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1, "the sidecar is not ingested as media");
    let asset = regie.json(&["assets", "show", "--json", lines[0]["asset_id"].as_str().unwrap()]);
    let metadata = &asset["metadata"];
    assert_eq!(metadata["title"], "Le Journal");
    assert_eq!(metadata["series"], "JT");
    assert_eq!(metadata["rights_holder"], "France TV");
    assert_eq!(metadata["contributors"][0]["role"], "presenter");
    assert_eq!(
        codes(&asset),
        [
            "checksum-mismatch",
            "duration-mismatch",
            "resolution-mismatch",
            "frame-rate-mismatch",
            "audio-tracks-missing"
        ]
    );
    assert!(asset["findings"][0]["message"].as_str().unwrap().contains("00000000000000000000000000000000"));
}

#[test]
fn matching_ebucore_and_md5_sidecars_give_no_findings() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let paths = copy_into(&inbox, &["xdcam.mxf"]);
    let md5 = String::from_utf8(std::process::Command::new("md5sum").arg(&paths[0]).output().unwrap().stdout).unwrap();
    fs::write(inbox.join("xdcam.mxf.md5"), md5.replace(paths[0].to_str().unwrap(), "xdcam.mxf")).unwrap();
    fs::write(
        inbox.join("xdcam.xml"),
        r#"<ebuCoreMain xmlns="urn:ebu:metadata-schema:ebucore" xmlns:dc="http://purl.org/dc/elements/1.1/"><coreMetadata>
             <title><dc:title>Concert</dc:title></title>
             <format><videoFormat><width>1920</width><height>1080</height><frameRate>25</frameRate></videoFormat>
               <audioFormat><audioTrack/><audioTrack/><audioTrack/><audioTrack/><audioTrack/><audioTrack/><audioTrack/><audioTrack/></audioFormat>
               <duration><normalPlayTime>PT1S</normalPlayTime></duration></format>
           </coreMetadata></ebuCoreMain>"#,
    )
    .unwrap();
    let (_, lines) = regie.ingest(&[&inbox], &[]);
    let asset = regie.json(&["assets", "show", "--json", lines[0]["asset_id"].as_str().unwrap()]);
    assert_eq!(asset["metadata"]["title"], "Concert");
    assert_eq!(codes(&asset), Vec::<String>::new(), "{asset:#}");
}

#[test]
fn folder_manifest_csv_describes_each_file_and_a_broken_sidecar_is_a_finding() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    copy_into(&inbox, &["pcm24.wav", "tone.flac"]);
    fs::write(
        inbox.join("manifest.csv"),
        "filename,title,keywords\npcm24.wav,Voice over,voice;english\ntone.flac,Tone,\n",
    )
    .unwrap();
    fs::write(inbox.join("tone.json"), "{ not json").unwrap();
    let (code, lines) = regie.ingest(&[&inbox], &[]);
    assert_eq!(code, 0, "a broken sidecar never stops the ingest");
    let voice =
        regie.json(&["assets", "show", "--json", outcome_for(&lines, "pcm24.wav")["asset_id"].as_str().unwrap()]);
    assert_eq!(voice["metadata"]["title"], "Voice over");
    assert_eq!(voice["metadata"]["keywords"], serde_json::json!(["voice", "english"]));
    let tone =
        regie.json(&["assets", "show", "--json", outcome_for(&lines, "tone.flac")["asset_id"].as_str().unwrap()]);
    assert_eq!(tone["metadata"]["title"], "Tone");
    assert_eq!(codes(&tone), ["sidecar-unreadable"]);
}

#[test]
fn collections_form_a_tree_and_listing_filters_by_subtree_and_tag() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let paths = copy_into(&inbox, &["pcm24.wav", "tone.flac", "still.png"]);
    regie.ingest(&[&paths[0]], &["--collection", "news/2026/evening", "--tag", "Urgent"]);
    regie.ingest(&[&paths[1]], &["--collection", "news/archive"]);
    regie.ingest(&[&paths[2]], &["--collection", "promo"]);

    let tree = regie.json(&["collections", "--json"]);
    let paths_and_counts: Vec<(String, u64)> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|node| (node["path"].as_str().unwrap().to_owned(), node["asset_count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        paths_and_counts,
        [
            ("news".into(), 0),
            ("news/2026".into(), 0),
            ("news/2026/evening".into(), 1),
            ("news/archive".into(), 1),
            ("promo".into(), 1)
        ]
    );
    assert_eq!(regie.json(&["assets", "list", "--json", "--collection", "news"]).as_array().unwrap().len(), 2);
    assert_eq!(
        regie.json(&["assets", "list", "--json", "--collection", "new"]).as_array().unwrap().len(),
        0,
        "no prefix match"
    );
    let urgent = regie.json(&["assets", "list", "--json", "--tag", "urgent"]);
    assert_eq!(urgent.as_array().unwrap().len(), 1);
    assert_eq!(urgent[0]["name"], "pcm24.wav");

    let house_id = urgent[0]["house_id"].as_str().unwrap().to_owned();
    let tagged = regie.json(&["assets", "tag", "--json", &house_id, "Archive", "sport"]);
    assert_eq!(tagged["tags"], serde_json::json!(["archive", "sport", "urgent"]));
    let untagged = regie.json(&["assets", "untag", "--json", &house_id, "urgent"]);
    assert_eq!(untagged["tags"], serde_json::json!(["archive", "sport"]));
}

#[test]
fn assets_show_json_has_the_contract_keys() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    copy_into(&inbox, &["h264_aac.mp4"]);
    let (_, lines) = regie.ingest(&[&inbox], &[]);
    let asset = regie.json(&["assets", "show", "--json", lines[0]["asset_id"].as_str().unwrap()]);
    for key in ["id", "house_id", "name", "collection", "tags", "metadata", "findings", "files"] {
        assert!(asset.get(key).is_some(), "missing {key}");
    }
    for key in ["role", "size", "md5", "blake3", "media"] {
        assert!(asset["files"][0].get(key).is_some(), "missing files[].{key}");
    }
    assert_eq!(asset["files"][0]["media"]["streams"][0]["type"], "video");
    assert_eq!(asset["collection"], "default");
}

#[test]
fn unknown_assets_are_not_found() {
    let regie = TestRegie::new();
    let output = regie.run(&["assets", "show", "NOPE-0001"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no asset NOPE-0001"));
    let bad_collection = regie.run(&["assets", "list", "--collection", "a/../b"]);
    assert_eq!(bad_collection.status.code(), Some(2));
}
