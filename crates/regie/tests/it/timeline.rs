//! Time-coded metadata end to end: segments counted in frames and shown on the source's own
//! timecode (10:00:00:00 and 29.97 drop-frame starts), searchable with their timecode; QC
//! detections kept as segments; EDL and CSV round trips and line-by-line import errors;
//! OpenTimelineIO read back by the OpenTimelineIO library; review comments and approvals with
//! their permissions, audit trail, and a rule that delivers what was approved.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::fixtures;
use crate::harness::TestRegie;
use crate::served::{Served, ingest_into};

/// A 10 s 25 fps H.264 MOV whose timecode track starts at 10:00:00:00.
fn mov_at_ten_hours(folder: &Path) -> PathBuf {
    let path = folder.join("match.mov");
    fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        "10",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "25",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-timecode",
        "10:00:00:00",
        path.to_str().unwrap(),
    ]);
    path
}

fn ingest_one(regie: &TestRegie, path: &Path, collection: &str) -> String {
    ingest_into(regie, path, collection)
}

fn failure(regie: &TestRegie, arguments: &[&str]) -> String {
    let output = regie.run(arguments);
    assert!(!output.status.success(), "{arguments:?} succeeded");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn kinds_frames_texts(segments: &Value) -> Vec<(String, u64, u64, String)> {
    segments
        .as_array()
        .unwrap()
        .iter()
        .map(|segment| {
            (
                segment["kind"].as_str().unwrap().to_owned(),
                segment["start_frame"].as_u64().unwrap(),
                segment["end_frame"].as_u64().unwrap(),
                segment["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn segments_count_frames_from_zero_and_show_the_source_timecode_and_are_found_by_search() {
    let regie = TestRegie::new();
    let asset = ingest_one(&regie, &mov_at_ten_hours(&regie.scratch("in")), "sport");

    let marker = regie.json(&["segments", "add", &asset, "--in", "10:00:02:05", "--text", "Goal by Ndiaye", "--json"]);
    assert_eq!((marker["start_frame"].as_u64(), marker["end_frame"].as_u64()), (Some(55), Some(55)));
    assert_eq!((marker["start_tc"].as_str(), marker["kind"].as_str()), (Some("10:00:02:05"), Some("marker")));
    assert_eq!(marker["start_s"], 2.2);
    let chapter = regie.json(&[
        "segments",
        "add",
        &asset,
        "--kind",
        "chapter",
        "--in",
        "10:00:00:00",
        "--out",
        "10:00:05:00",
        "--text",
        "First half",
        "--json",
    ]);
    assert_eq!((chapter["start_frame"].as_u64(), chapter["end_frame"].as_u64()), (Some(0), Some(125)));
    assert_eq!(chapter["end_tc"], "10:00:05:00");
    regie.json(&[
        "segments",
        "add",
        &asset,
        "--kind",
        "ad-break",
        "--in",
        "10:00:08:00",
        "--out",
        "10:00:10:00",
        "--json",
    ]);

    let listed = regie.json(&["segments", "list", &asset, "--json"]);
    let summary = kinds_frames_texts(&listed);
    assert_eq!(
        summary,
        [
            ("chapter".to_owned(), 0, 125, "First half".to_owned()),
            ("marker".to_owned(), 55, 55, "Goal by Ndiaye".to_owned()),
            ("ad-break".to_owned(), 200, 250, String::new()),
        ]
    );
    for key in ["id", "kind", "start_frame", "end_frame", "start_tc", "end_tc", "text"] {
        assert!(listed[0].get(key).is_some(), "{key} is listed");
    }
    assert_eq!(regie.json(&["segments", "list", &asset, "--kind", "chapter", "--json"]).as_array().unwrap().len(), 1);

    assert!(failure(&regie, &["segments", "add", &asset, "--in", "09:59:59:24"]).contains("before the first frame"));
    assert!(failure(&regie, &["segments", "add", &asset, "--in", "10:00:11:00"]).contains("after the end"));
    assert!(failure(&regie, &["segments", "add", &asset, "--in", "10:00:01:25"]).contains("frames run from 00 to 24"));
    assert!(
        failure(&regie, &["segments", "add", &asset, "--in", "10:00:01:00", "--kind", "../x"]).contains("segment kind")
    );
    let backwards = failure(&regie, &["segments", "add", &asset, "--in", "10:00:03:00", "--out", "10:00:02:00"]);
    assert!(backwards.contains("out-point comes before the in-point"), "{backwards}");

    let hits = regie.json(&["search", "ndiaye", "--json"]);
    assert_eq!(hits["hits"][0]["asset_id"], asset.as_str(), "{hits:#}");
    assert_eq!(hits["hits"][0]["field"], "segments");
    assert_eq!(hits["hits"][0]["timecode"], "10:00:02:05", "a hit names the source timecode");

    let id = marker["id"].as_str().unwrap();
    let edited =
        regie.json(&["segments", "edit", &asset, id, "--out", "10:00:03:00", "--text", "Goal by Diallo", "--json"]);
    assert_eq!((edited["start_frame"].as_u64(), edited["end_frame"].as_u64()), (Some(55), Some(75)));
    assert_eq!(regie.json(&["search", "diallo", "--json"])["hits"][0]["timecode"], "10:00:02:05");
    assert_eq!(regie.json(&["search", "ndiaye", "--json"])["total"], 0, "the old text is gone from the index");
    regie.json(&["segments", "remove", &asset, id, "--json"]);
    assert_eq!(regie.json(&["segments", "list", &asset, "--json"]).as_array().unwrap().len(), 2);
    assert!(failure(&regie, &["segments", "remove", &asset, id]).contains("no segment"));
    assert_eq!(regie.audit_entries("segment.add").len(), 3);
    assert_eq!(regie.audit_entries("segment.edit").len(), 1);
    assert_eq!(regie.audit_entries("segment.remove").len(), 1);
}

#[test]
fn a_drop_frame_source_counts_its_labels_the_smpte_way() {
    let regie = TestRegie::new();
    let path = regie.scratch("in").join("ntsc.mov");
    fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48:rate=30000/1001",
        "-t",
        "62",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-timecode",
        "01:00:00;00",
        path.to_str().unwrap(),
    ]);
    let asset = ingest_one(&regie, &path, "us");
    let marker = regie.json(&["segments", "add", &asset, "--in", "01:01:00;02", "--json"]);
    assert_eq!(marker["start_frame"], 1800, "00:01:00;02 is frame 1800 at 29.97 drop-frame");
    assert_eq!(marker["start_tc"], "01:01:00;02");
    assert!(failure(&regie, &["segments", "add", &asset, "--in", "01:01:00;00"]).contains("drop-frame"));
    let edl = regie.run(&["segments", "export", &asset, "--format", "edl"]);
    let edl = String::from_utf8(edl.stdout).unwrap();
    assert!(edl.contains("FCM: DROP FRAME") && edl.contains("* LOC: 01:01:00;02"), "{edl}");
}

#[test]
fn qc_detections_become_segments_once_and_a_new_check_replaces_them() {
    let regie = TestRegie::new();
    std::fs::create_dir_all(regie.data()).unwrap();
    std::fs::write(regie.data().join("regie.toml"), "[policies]\n\"qc\" = [\"broadcast-qc\"]\n").unwrap();
    let path = regie.scratch("in").join("black.mov");
    fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        "6",
        "-vf",
        "drawbox=color=black:t=fill:enable='between(t,2,3.999)'",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-timecode",
        "10:00:00:00",
        path.to_str().unwrap(),
    ]);
    let asset = ingest_one(&regie, &path, "qc");
    let black = regie.json(&["segments", "list", &asset, "--kind", "black", "--json"]);
    assert_eq!(black.as_array().unwrap().len(), 1, "{black:#}");
    let (start, end) = (black[0]["start_frame"].as_u64().unwrap(), black[0]["end_frame"].as_u64().unwrap());
    assert!(start.abs_diff(50) <= 1 && end.abs_diff(100) <= 1, "black at frames {start}..{end}");
    assert_eq!(black[0]["origin"], "qc");
    assert!(black[0]["start_tc"].as_str().unwrap().starts_with("10:00:0"), "{black:#}");
    let output = regie.run(&["check", &asset, "--policy", "broadcast-qc", "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let again = regie.json(&["segments", "list", &asset, "--kind", "black", "--json"]);
    assert_eq!(again.as_array().unwrap().len(), 1, "replaced, not doubled: {again:#}");
}

#[test]
fn edl_and_csv_round_trip_and_a_bad_file_is_refused_line_by_line_with_nothing_added() {
    let regie = TestRegie::new();
    let asset = ingest_one(&regie, &mov_at_ten_hours(&regie.scratch("in")), "sport");
    for (kind, in_tc, out_tc, text) in [
        ("marker", "10:00:02:05", None, "Goal"),
        ("chapter", "10:00:00:00", Some("10:00:05:00"), "First half"),
        ("ad-break", "10:00:08:00", Some("10:00:10:00"), "Break 1"),
    ] {
        let mut arguments = vec!["segments", "add", &asset, "--kind", kind, "--in", in_tc, "--text", text, "--json"];
        if let Some(out_tc) = out_tc {
            arguments.extend(["--out", out_tc]);
        }
        regie.json(&arguments);
    }
    let before = kinds_frames_texts(&regie.json(&["segments", "list", &asset, "--json"]));
    let exports = regie.scratch("exports");
    for format in ["edl", "csv"] {
        let file = exports.join(format!("markers.{format}"));
        let output = regie.run(&["segments", "export", &asset, "--output", file.to_str().unwrap()]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let again = regie.run(&["segments", "export", &asset, "--output", file.to_str().unwrap()]);
        assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "never overwritten");
    }
    // The same markers on a second asset with the same clock: import gives back what was exported.
    let target = {
        let folder = regie.scratch("second");
        let path = folder.join("second.mov");
        fixtures::ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25",
            "-t",
            "10",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-timecode",
            "10:00:00:00",
            "-metadata",
            "title=second",
            path.to_str().unwrap(),
        ]);
        ingest_one(&regie, &path, "second")
    };
    let imported =
        regie.json(&["segments", "import", &target, exports.join("markers.edl").to_str().unwrap(), "--json"]);
    assert_eq!(imported.as_array().unwrap().len(), 3);
    assert_eq!(kinds_frames_texts(&regie.json(&["segments", "list", &target, "--json"])), before, "EDL round trip");
    for segment in regie.json(&["segments", "list", &target, "--json"]).as_array().unwrap() {
        regie.json(&["segments", "remove", &target, segment["id"].as_str().unwrap(), "--json"]);
    }
    regie.json(&["segments", "import", &target, exports.join("markers.csv").to_str().unwrap(), "--json"]);
    assert_eq!(kinds_frames_texts(&regie.json(&["segments", "list", &target, "--json"])), before, "CSV round trip");

    let bad = exports.join("bad.edl");
    std::fs::write(
        &bad,
        "TITLE: bad\nFCM: NON-DROP FRAME\n* LOC: 10:00:01:00 RED fine\n* LOC: 10:00:01:30 RED frame 30\n\
         * LOC: 11:00:00:00 RED late\nnot an edl line\n",
    )
    .unwrap();
    let count = regie.json(&["segments", "list", &target, "--json"]).as_array().unwrap().len();
    let error = failure(&regie, &["segments", "import", &target, bad.to_str().unwrap()]);
    for line in ["line 4:", "line 5:", "line 6:"] {
        assert!(error.contains(line), "{line} named: {error}");
    }
    assert!(!error.contains("line 3:"), "{error}");
    assert_eq!(regie.json(&["segments", "list", &target, "--json"]).as_array().unwrap().len(), count, "nothing added");

    let vtt = String::from_utf8(regie.run(&["segments", "export", &asset, "--format", "vtt"]).stdout).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n1\n00:00:00.000 --> 00:00:05.000\nFirst half\n"), "{vtt}");
    let otio_text = String::from_utf8(regie.run(&["segments", "export", &asset, "--format", "otio"]).stdout).unwrap();
    let otio: Value = serde_json::from_str(&otio_text).unwrap();
    let clip = &otio["tracks"]["children"][0]["children"][0];
    assert_eq!(clip["markers"].as_array().unwrap().len(), 3);
    read_back_with_opentimelineio(&otio_text, &exports);
}

/// OpenTimelineIO's own reader opens the export and finds the markers at the source timecode.
fn read_back_with_opentimelineio(text: &str, folder: &Path) {
    let Ok(python) = std::env::var("REGIE_TEST_OTIO_PYTHON") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "REGIE_TEST_OTIO_PYTHON is not set: under CI the OpenTimelineIO check must run (.ci/run installs it)"
        );
        crate::harness::skip("otio-read-back", "REGIE_TEST_OTIO_PYTHON not set (a Python with opentimelineio)");
        return;
    };
    let file = folder.join("markers.otio");
    std::fs::write(&file, text).unwrap();
    let script = "import sys, opentimelineio as otio\n\
                  t = otio.adapters.read_from_file(sys.argv[1])\n\
                  clip = t.tracks[0][0]\n\
                  for m in clip.markers:\n\
                  \x20   r = m.marked_range\n\
                  \x20   print(m.name, otio.opentime.to_timecode(r.start_time, 25), int(r.duration.value))\n";
    let output = std::process::Command::new(python).args(["-c", script]).arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = String::from_utf8(output.stdout).unwrap();
    assert!(lines.contains("Goal 10:00:02:05 0"), "{lines}");
    assert!(lines.contains("First half 10:00:00:00 125"), "{lines}");
}

#[test]
fn review_comments_and_approvals_follow_permissions_are_audited_and_approval_delivers() {
    let regie = TestRegie::new();
    let playout = regie.scratch("playout");
    let rules = regie.data().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("approved-to-playout.toml"),
        "on = \"approved\"\n[when]\ncollection = \"promos\"\n[[do]]\naction = \"deliver\"\ndestination = \"playout\"\n",
    )
    .unwrap();
    regie.json(&[
        "destinations",
        "add",
        "playout",
        "--url",
        &format!("file://{}", playout.display()),
        "--sidecar",
        "none",
        "--json",
    ]);
    let asset = ingest_one(&regie, &mov_at_ten_hours(&regie.scratch("in")), "promos");
    let served = Served::start(regie);
    for (user, role) in [("vi", "viewer"), ("ed", "editor"), ("mm", "media-manager")] {
        served.add_user(user, role);
        let grantee = format!("user:{user}");
        served.regie.json(&["grants", "add", "--collection", "promos", "--to", &grantee, "--role", role, "--json"]);
    }
    let (viewer, editor, manager) = (served.login("vi"), served.login("ed"), served.login("mm"));
    let base = format!("/api/v1/assets/{asset}");

    let comment = served.send(
        "POST",
        &format!("{base}/review/comments"),
        Some(&viewer),
        Some(json!({"in": "10:00:03:10", "out": "10:00:04:00", "text": "Logo too late here"})),
    );
    assert_eq!(comment.status, 201, "a viewer may comment: {}", String::from_utf8_lossy(&comment.body));
    let comment = comment.json();
    assert_eq!((comment["start_frame"].as_u64(), comment["kind"].as_str()), (Some(85), Some("comment")));
    assert_eq!(comment["author"], "vi");
    let id = comment["id"].as_str().unwrap();
    let reply = served.send(
        "POST",
        &format!("{base}/review/comments"),
        Some(&editor),
        Some(json!({"parent": id, "text": "Fixed in v2"})),
    );
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["start_frame"], 85, "a reply takes its comment's place");
    let marker = served.send("POST", &format!("{base}/segments"), Some(&viewer), Some(json!({"in": "10:00:01:00"})));
    assert_eq!(marker.status, 403, "a viewer may not add segments");
    let refused =
        served.send("POST", &format!("{base}/review/decision"), Some(&editor), Some(json!({"state": "approved"})));
    assert_eq!(refused.status, 403, "an editor may not approve");
    let no_reason = served.send(
        "POST",
        &format!("{base}/review/decision"),
        Some(&manager),
        Some(json!({"state": "changes-requested"})),
    );
    assert_eq!(no_reason.status, 400, "asking for changes needs a reason");
    for (state, reason) in [("changes-requested", "logo timing"), ("approved", "")] {
        let decided = served.send(
            "POST",
            &format!("{base}/review/decision"),
            Some(&manager),
            Some(json!({"state": state, "reason": reason})),
        );
        assert_eq!(decided.status, 200, "{}", String::from_utf8_lossy(&decided.body));
    }
    let resolved = served.send(
        "POST",
        &format!("{base}/review/comments/{id}/resolve"),
        Some(&editor),
        Some(json!({"resolved": true})),
    );
    assert_eq!(resolved.status, 200);
    assert_eq!(resolved.json()["resolved_by"], "ed");

    let review = served.get(&format!("{base}/review"), &viewer).json();
    assert_eq!(review["state"], "approved");
    let history: Vec<&str> =
        review["history"].as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap()).collect();
    assert_eq!(history, ["changes-requested", "approved"]);
    assert_eq!(review["history"][0]["reason"], "logo timing");
    assert_eq!(review["comments"][0]["replies"][0]["text"], "Fixed in v2");
    assert_eq!(review["open_comments"], 0);

    let denied: Vec<Value> =
        served.regie.audit_entries("review.decide").into_iter().filter(|entry| entry["outcome"] == "denied").collect();
    assert_eq!(denied.len(), 1, "the editor's refused decision is in the trail");
    let decided: Vec<Value> =
        served.regie.audit_entries("review.decide").into_iter().filter(|entry| entry["outcome"] == "ok").collect();
    assert_eq!(decided.len(), 2);
    assert_eq!(decided[1]["actor"], "mm");
    assert_eq!(served.regie.audit_entries("review.comment").len(), 2);

    let worker = served.regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let deliveries = served.regie.json(&["deliveries", "list", "--json"]);
    assert_eq!(deliveries.as_array().unwrap().len(), 1, "approval delivered once: {deliveries:#}");
    assert_eq!(deliveries[0]["state"], "delivered", "{deliveries:#}");
    assert!(std::fs::read_dir(&playout).unwrap().count() >= 1);
}

/// The picture of frame `frame` of `path`, as 64x48 grey bytes.
fn frame_pixels(path: &Path, frame: u64) -> Vec<u8> {
    let output = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args([
            "-vf",
            &format!("select=eq(n\\,{frame}),scale=64:48"),
            "-frames:v",
            "1",
            "-pix_fmt",
            "gray",
            "-f",
            "rawvideo",
            "-",
        ])
        .output()
        .unwrap();
    assert!(output.status.success() && output.stdout.len() == 64 * 48, "{}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

fn difference(left: &[u8], right: &[u8]) -> u64 {
    left.iter().zip(right).map(|(a, b)| u64::from(a.abs_diff(*b))).sum()
}

fn probe(path: &Path) -> Value {
    let output = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "stream=codec_type,nb_frames:stream_tags=timecode", "-of", "json"])
        .arg(path)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_subclip_starts_at_its_in_point_frame_with_the_in_points_timecode_copied_or_encoded() {
    let regie = TestRegie::new();
    let source = mov_at_ten_hours(&regie.scratch("in"));
    let asset = ingest_one(&regie, &source, "sport");
    let out = regie.scratch("out");

    // Off a keyframe: encoded again, frame-accurate, stamped 10:00:02:05.
    let encoded = out.join("goal.mov");
    let report = regie.json(&[
        "subclip",
        &asset,
        "--in",
        "10:00:02:05",
        "--out",
        "10:00:04:00",
        "--output",
        encoded.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(report["method"], "encode", "{report:#}");
    assert!(report["why_encoded"].as_str().unwrap().contains("not on a keyframe"));
    assert_eq!((report["frames"].as_u64(), report["timecode"].as_str()), (Some(45), Some("10:00:02:05")));
    let probed = probe(&encoded);
    let video = probed["streams"].as_array().unwrap().iter().find(|stream| stream["codec_type"] == "video").unwrap();
    assert_eq!(video["nb_frames"], "45", "{probed:#}");
    assert_eq!(video["tags"]["timecode"], "10:00:02:05", "the extract's timecode is the in-point's: {probed:#}");
    let first = frame_pixels(&encoded, 0);
    let (before, at, after) = (frame_pixels(&source, 54), frame_pixels(&source, 55), frame_pixels(&source, 56));
    assert!(
        difference(&first, &at) < difference(&first, &before) && difference(&first, &at) < difference(&first, &after),
        "the first frame of the extract is frame 55 of the source"
    );

    // On keyframes (one a second): copied packet for packet.
    let copied = out.join("second-half.mov");
    let report = regie.json(&[
        "subclip",
        &asset,
        "--in",
        "10:00:02:00",
        "--out",
        "10:00:04:00",
        "--copy",
        "--output",
        copied.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(report["method"], "copy", "{report:#}");
    assert_eq!(probe(&copied)["streams"][0]["tags"]["timecode"], "10:00:02:00");
    assert_eq!(frame_pixels(&copied, 0), frame_pixels(&source, 50), "the very same picture");
    let refused = failure(&regie, &["subclip", &asset, "--in", "10:00:02:05", "--out", "10:00:04:00", "--copy"]);
    assert!(refused.contains("not on a keyframe") && refused.contains("10:00:02:00"), "{refused}");
    assert!(
        failure(&regie, &["subclip", &asset, "--in", "10:00:04:00", "--out", "10:00:02:00"])
            .contains("must come after")
    );
    let again = failure(
        &regie,
        &["subclip", &asset, "--in", "10:00:02:00", "--out", "10:00:04:00", "--output", copied.to_str().unwrap()],
    );
    assert!(again.contains("already exists"), "{again}");

    // Without --output: a rendition of the asset and a subclip segment naming it.
    let kept = regie.json(&["subclip", &asset, "--in", "10:00:01:00", "--out", "10:00:03:00", "--json"]);
    assert_eq!(kept["rendition"], "subclip-25-75");
    let shown = regie.json(&["assets", "show", &asset, "--json"]);
    let rendition = shown["renditions"].as_array().unwrap().iter().find(|r| r["profile"] == "subclip-25-75").unwrap();
    assert_eq!(rendition["files"][0]["blake3"], kept["blake3"]);
    let segments = regie.json(&["segments", "list", &asset, "--kind", "subclip", "--json"]);
    assert_eq!(
        (segments[0]["start_tc"].as_str(), segments[0]["end_tc"].as_str()),
        (Some("10:00:01:00"), Some("10:00:03:00"))
    );
    assert_eq!(regie.audit_entries("asset.subclip").len(), 3);
}
