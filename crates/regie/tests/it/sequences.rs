//! Image sequences: numbered DPX frames are catalogued as one asset, with the sequence's
//! description, a per-frame checksum manifest, and findings for a gap and a damaged frame.

use std::path::Path;

use serde_json::Value;

use crate::fixtures::ffmpeg;
use crate::harness::TestRegie;

/// Writes `count` 10-bit DPX frames `PREFIX%06d.dpx` from `first` into `folder`.
fn scan(folder: &Path, prefix: &str, first: u64, count: u64, size: &str) {
    std::fs::create_dir_all(folder).unwrap();
    let pattern = folder.join(format!("{prefix}%06d.dpx"));
    let source = format!("testsrc2=size={size}:rate=24");
    let frames = count.to_string();
    let start = first.to_string();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &source,
        "-frames:v",
        &frames,
        "-pix_fmt",
        "gbrp10le",
        "-start_number",
        &start,
        pattern.to_str().unwrap(),
    ]);
}

fn frame(folder: &Path, prefix: &str, number: u64) -> std::path::PathBuf {
    folder.join(format!("{prefix}{number:06}.dpx"))
}

fn findings_with(asset: &Value, code: &str) -> Vec<String> {
    asset["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == code)
        .map(|finding| finding["message"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_numbered_dpx_scan_is_one_asset_with_its_gaps_and_damaged_frames_named() {
    let regie = TestRegie::new();
    let reel = regie.scratch("scan/reel1");
    scan(&reel, "reel1_", 86_400, 48, "64x48");
    // Two frames lost, one cut short by a failed copy.
    std::fs::remove_file(frame(&reel, "reel1_", 86_405)).unwrap();
    std::fs::remove_file(frame(&reel, "reel1_", 86_406)).unwrap();
    let damaged = frame(&reel, "reel1_", 86_410);
    let bytes = std::fs::read(&damaged).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let sizes: u64 = std::fs::read_dir(&reel).unwrap().map(|entry| entry.unwrap().metadata().unwrap().len()).sum();

    let (code, lines) = regie.ingest(&[&reel], &["--collection", "scans"]);
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(lines.len(), 1, "46 frames, one asset: {lines:#?}");
    let line = &lines[0];
    assert_eq!(line["status"], "ingested", "{line}");
    assert!(line["path"].as_str().unwrap().ends_with("scan/reel1/reel1_%06d.dpx"), "{line}");
    assert_eq!(line["size"], sizes);

    let asset = regie.json(&["assets", "show", "--json", line["asset_id"].as_str().unwrap()]);
    let files = asset["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "the frames are not listed one by one: {files:#?}");
    let media = &files[0]["media"];
    assert_eq!(media["container"], "dpx");
    assert_eq!(media["sequence"]["frames"], 46);
    assert_eq!(
        (media["sequence"]["first_frame"].as_u64(), media["sequence"]["last_frame"].as_u64()),
        (Some(86_400), Some(86_447))
    );
    assert_eq!(media["sequence"]["gaps"], serde_json::json!([[86_405, 86_406]]));
    assert_eq!(media["sequence"]["total_size"], sizes);
    assert_eq!(media["sequence"]["pattern"], "reel1_%06d.dpx");
    let picture = &media["streams"][0];
    assert_eq!(
        (picture["codec"].as_str(), picture["width"].as_u64(), picture["height"].as_u64()),
        (Some("dpx"), Some(64), Some(48))
    );
    assert_eq!(picture["pix_fmt"], "gbrp10le");
    assert_eq!(picture["bit_depth"], 10);
    assert_eq!(picture["frame_rate"], "24/1", "ffmpeg's frames declare no rate: the configured default");
    assert_eq!(media["duration_s"], 2.0, "48 frame times at 24 fps, the gap included");

    let gaps = findings_with(&asset, "sequence-gap");
    assert_eq!(gaps.len(), 1, "{asset:#}");
    assert!(gaps[0].contains("reel1_086405.dpx to reel1_086406.dpx") && gaps[0].contains("2 frames"), "{gaps:?}");
    let broken = findings_with(&asset, "damaged-frame");
    assert_eq!(broken.len(), 1, "{asset:#}");
    assert!(broken[0].contains("reel1_086410.dpx"), "{broken:?}");

    // The manifest is the original: every frame's name, size and checksums.
    let manifest_blob = regie.blob(files[0]["blake3"].as_str().unwrap());
    let manifest: Value = serde_json::from_slice(&std::fs::read(manifest_blob).unwrap()).unwrap();
    let listed = manifest["frames"].as_array().unwrap();
    assert_eq!(listed.len(), 46);
    let first = frame(&reel, "reel1_", 86_400);
    assert_eq!(listed[0]["name"], "reel1_086400.dpx");
    assert_eq!(listed[0]["blake3"], blake3::hash(&std::fs::read(&first).unwrap()).to_hex().as_str());
    assert_eq!(listed[0]["size"], std::fs::metadata(&first).unwrap().len());

    // The proxy is made from the frames, the missing and damaged ones held: it keeps the timing.
    let worked = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worked.status.success(), "{}", String::from_utf8_lossy(&worked.stderr));
    let asset = regie.json(&["assets", "show", "--json", line["asset_id"].as_str().unwrap()]);
    let proxy = asset["files"].as_array().unwrap().iter().find(|file| file["role"] == "proxy").cloned();
    let proxy = proxy.unwrap_or_else(|| panic!("a proxy: {asset:#}"));
    assert_eq!(proxy["media"]["container"], "mp4");
    assert_eq!(proxy["media"]["streams"][0]["frame_rate"], "24/1");
    let duration = proxy["media"]["duration_s"].as_f64().unwrap();
    assert!((duration - 2.0).abs() < 0.05, "48 frames at 24 fps: {duration}");
    assert!(asset["files"].as_array().unwrap().iter().any(|file| file["role"] == "poster"), "{asset:#}");

    // A rendition is made from the frames too, at the sequence's rate.
    let id = line["asset_id"].as_str().unwrap();
    let queued = regie.json(&["transcode", id, "--profile", "proxy", "--json"]);
    assert_eq!(queued["created"], true, "{queued:#}");
    let worked = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worked.status.success(), "{}", String::from_utf8_lossy(&worked.stderr));
    let asset = regie.json(&["assets", "show", "--json", id]);
    let rendition = asset["renditions"].as_array().unwrap().iter().find(|rendition| rendition["profile"] == "proxy");
    let rendition = rendition.unwrap_or_else(|| panic!("a proxy rendition: {asset:#}"));
    let main = rendition["files"].as_array().unwrap().iter().find(|file| !file["media"].is_null()).unwrap();
    assert_eq!(main["media"]["streams"][0]["frame_rate"], "24/1", "{main:#}");
    let duration = main["media"]["duration_s"].as_f64().unwrap();
    assert!((duration - 2.0).abs() < 0.05, "48 frames at 24 fps: {duration}");

    // Every frame is kept: garbage collection removes none of them.
    let report = regie.json(&["gc", "--json"]);
    assert_eq!(report["removed_blobs"], serde_json::json!([]), "{report:#}");
    // The same scan again is a duplicate of the asset.
    let (_, again) = regie.ingest(&[&reel], &["--collection", "scans"]);
    assert_eq!(again[0]["status"], "duplicate", "{again:#?}");
    assert_eq!(again[0]["asset_id"], line["asset_id"]);
}

#[test]
fn a_pattern_names_a_sequence_and_a_frame_of_another_size_is_a_finding() {
    let regie = TestRegie::new();
    let reel = regie.scratch("reel2");
    scan(&reel, "reel2_", 1, 3, "64x48");
    // A frame from another scan, of another size, slipped into the reel.
    let other = regie.scratch("other");
    scan(&other, "x_", 4, 1, "32x48");
    std::fs::copy(frame(&other, "x_", 4), frame(&reel, "reel2_", 4)).unwrap();
    // A frame of another name beside it is not one the pattern names.
    std::fs::copy(frame(&reel, "reel2_", 1), reel.join("poster_000001.dpx")).unwrap();

    let pattern = reel.join("reel2_%06d.dpx");
    let (code, lines) = regie.ingest(&[&pattern], &[]);
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let asset = regie.json(&["assets", "show", "--json", lines[0]["asset_id"].as_str().unwrap()]);
    assert_eq!(asset["files"][0]["media"]["sequence"]["frames"], 4);
    let broken = findings_with(&asset, "damaged-frame");
    assert!(broken.len() == 1 && broken[0].contains("32x48") && broken[0].contains("64x48"), "{broken:?}");

    let (code, missing) = regie.ingest(&[&reel.join("reel9_%06d.dpx")], &[]);
    assert_ne!(code, 0);
    assert_eq!(missing[0]["status"], "failed", "{missing:#?}");
    assert!(missing[0]["error"].as_str().unwrap().contains("no file matches"), "{missing:#?}");
}

/// An EXR frame FFmpeg writes (uncompressed), with `framesPerSecond` and `timeCode` attributes
/// added to its header as a renderer writes them (the line offsets moved along).
fn exr_frame_with_timing(folder: &Path, rate: (i32, u32), timecode: u32) -> Vec<u8> {
    let template = folder.join("template.exr");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48",
        "-frames:v",
        "1",
        "-pix_fmt",
        "gbrpf32le",
        "-c:v",
        "exr",
        "-compression",
        "0",
        template.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&template).unwrap();
    std::fs::remove_file(&template).unwrap();
    // The header's attributes end with an empty name; the line offset table follows.
    let mut at = 8;
    while bytes[at] != 0 {
        let name_end = at + bytes[at..].iter().position(|byte| *byte == 0).unwrap();
        let kind_end = name_end + 1 + bytes[name_end + 1..].iter().position(|byte| *byte == 0).unwrap();
        let length = u32::from_le_bytes(bytes[kind_end + 1..kind_end + 5].try_into().unwrap()) as usize;
        at = kind_end + 5 + length;
    }
    let mut added = Vec::new();
    added.extend(b"framesPerSecond\0rational\0");
    added.extend(8u32.to_le_bytes());
    added.extend(rate.0.to_le_bytes());
    added.extend(rate.1.to_le_bytes());
    added.extend(b"timeCode\0timecode\0");
    added.extend(8u32.to_le_bytes());
    added.extend(timecode.to_le_bytes());
    added.extend(0u32.to_le_bytes());
    let mut frame = bytes[..at].to_vec();
    frame.extend(&added);
    frame.push(0);
    // One line per block uncompressed: 48 offsets, each moved by what was added.
    let table = at + 1;
    for line in 0..48 {
        let entry = table + line * 8;
        let offset = u64::from_le_bytes(bytes[entry..entry + 8].try_into().unwrap()) + added.len() as u64;
        frame.extend(offset.to_le_bytes());
    }
    frame.extend(&bytes[table + 48 * 8..]);
    frame
}

#[test]
fn an_exr_render_takes_its_frame_rate_and_timecode_from_its_frames() {
    let regie = TestRegie::new();
    let render = regie.scratch("render");
    // 25 fps from 01:00:00:00 (SMPTE 12M binary-coded decimal: hours in the top byte).
    let frame = exr_frame_with_timing(&render, (25, 1), 0x0100_0000);
    for number in 1..=5 {
        std::fs::write(render.join(format!("shot010_{number:04}.exr")), &frame).unwrap();
    }
    let (code, lines) = regie.ingest(&[&render], &[]);
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(lines.len(), 1, "one asset for the render: {lines:#?}");
    let asset = regie.json(&["assets", "show", "--json", lines[0]["asset_id"].as_str().unwrap()]);
    let media = &asset["files"][0]["media"];
    assert_eq!(media["container"], "exr", "{media:#}");
    assert_eq!(media["sequence"]["frames"], 5);
    assert_eq!(media["streams"][0]["frame_rate"], "25/1", "the rate the frames declare, not the default 24");
    assert_eq!(media["timecode"], "01:00:00:00");
    assert_eq!(media["duration_s"], 0.2);
}
