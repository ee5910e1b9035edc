//! `regie check` against the built-in policy packs, on signals with known answers.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixtures::{ffmpeg, media};
use crate::harness::TestRegie;

/// A 20 s 1 kHz sine at `dbfs` peak level on both channels of a 48 kHz 24-bit WAV.
fn stereo_sine(folder: &Path, dbfs: f64) -> PathBuf {
    let amplitude = 10f64.powf(dbfs / 20.0);
    let path = folder.join(format!("sine_{}.wav", -dbfs as i32));
    let source = format!("aevalsrc={amplitude}*sin(2*PI*1000*t)|{amplitude}*sin(2*PI*1000*t):s=48000:d=20");
    ffmpeg(&["-f", "lavfi", "-i", &source, "-c:a", "pcm_s24le", path.to_str().unwrap()]);
    path
}

fn check(regie: &TestRegie, target: &Path, policy: &str) -> (i32, Value) {
    let output = regie.command().args(["check", "--json", "--policy", policy]).arg(target).output().unwrap();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code().unwrap(), report)
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"].as_array().unwrap().iter().find(|rule| rule["id"] == id).unwrap_or_else(|| panic!("no rule {id}"))
}

/// What ffmpeg's own ebur128 filter says the integrated loudness is.
fn ffmpeg_integrated_loudness(path: &Path) -> f64 {
    let output = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-i"])
        .arg(path)
        .args(["-af", "ebur128", "-f", "null", "-"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary = &stderr[stderr.rfind("Integrated loudness:").expect("the ebur128 summary")..];
    let line = summary.lines().find(|line| line.trim_start().starts_with("I:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_minus_23_dbfs_sine_measures_minus_23_lufs_and_passes_ebu_r128() {
    let regie = TestRegie::new();
    let sine = stereo_sine(&regie.scratch("signals"), -23.0);
    let (code, report) = check(&regie, &sine, "ebu-r128");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["passed"], true);
    let integrated = report["loudness"]["integrated"].as_f64().unwrap();
    assert!((integrated + 23.0).abs() <= 0.1, "{integrated}");
    assert!((integrated - ffmpeg_integrated_loudness(&sine)).abs() <= 0.1, "agrees with ffmpeg's ebur128 filter");
    assert!((report["loudness"]["true_peak"].as_f64().unwrap() + 23.0).abs() < 0.3);
}

#[test]
fn a_minus_16_dbfs_sine_fails_ebu_r128_with_the_measured_value() {
    let regie = TestRegie::new();
    let sine = stereo_sine(&regie.scratch("signals"), -16.0);
    let (code, report) = check(&regie, &sine, "ebu-r128");
    assert_eq!(code, 1, "an error-severity rule failed");
    let loudness = rule(&report, "r128-integrated-loudness");
    assert_eq!(loudness["passed"], false);
    let measured = loudness["measured"].as_f64().unwrap();
    assert!((measured + 16.0).abs() <= 0.1, "{measured}");
    assert!((measured - ffmpeg_integrated_loudness(&sine)).abs() <= 0.1);
    assert_eq!(loudness["expected"], "in -23 ± 0.5");
    let html = regie.scratch("reports").join("report.html");
    let text =
        regie.command().args(["check", "--policy", "ebu-r128", "--html"]).arg(&html).arg(&sine).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("FAIL r128-integrated-loudness"));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<h1>FAIL") && page.contains("<tr class=\"FAIL\"><td>FAIL</td><td>r128-integrated-loudness</td>"),
        "{page}"
    );
}

#[test]
fn an_xdcam_like_mxf_passes_the_playout_policy_and_an_h264_mp4_fails_it() {
    let regie = TestRegie::new();
    let folder = regie.scratch("masters");
    let mxf = folder.join("master.mxf");
    // Mono tracks of a 1 kHz sine at -20 dBFS: a mono programme at -23 LUFS on track 1.
    let tone = "aevalsrc=0.1*sin(2*PI*1000*t):s=48000:d=4";
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1920x1080:rate=25",
        "-f",
        "lavfi",
        "-i",
        tone,
        "-t",
        "4",
        "-filter_complex",
        "[1:a]asplit=8[a0][a1][a2][a3][a4][a5][a6][a7]",
        "-map",
        "0:v",
        "-map",
        "[a0]",
        "-map",
        "[a1]",
        "-map",
        "[a2]",
        "-map",
        "[a3]",
        "-map",
        "[a4]",
        "-map",
        "[a5]",
        "-map",
        "[a6]",
        "-map",
        "[a7]",
        "-c:v",
        "mpeg2video",
        "-pix_fmt",
        "yuv422p",
        "-b:v",
        "50M",
        "-minrate",
        "50M",
        "-maxrate",
        "50M",
        "-bufsize",
        "17825792",
        "-flags",
        "+ilme+ildct",
        "-top",
        "1",
        "-c:a",
        "pcm_s24le",
        "-f",
        "mxf",
        mxf.to_str().unwrap(),
    ]);
    let (code, report) = check(&regie, &mxf, "xdcamhd50-playout");
    let failed: Vec<&Value> =
        report["rules"].as_array().unwrap().iter().filter(|rule| rule["passed"] == false).collect();
    assert_eq!(code, 0, "failed rules: {failed:#?}");

    let (code, report) = check(&regie, &media().join("h264_aac.mp4"), "xdcamhd50-playout");
    assert_eq!(code, 1);
    assert_eq!(rule(&report, "container-mxf")["measured"], "mp4");
    assert_eq!(rule(&report, "video-codec-mpeg2")["measured"], "h264");
    assert_eq!(rule(&report, "video-codec-mpeg2")["passed"], false);
}

#[test]
fn an_ingested_asset_is_checked_by_house_id_and_unknown_policies_are_named() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    std::fs::copy(media().join("h264_aac.mp4"), inbox.join("clip.mp4")).unwrap();
    regie.ingest(&[&inbox], &["--collection", "web"]);
    let house_id = regie.json(&["assets", "list", "--json"])[0]["house_id"].as_str().unwrap().to_owned();
    let output = regie.command().args(["check", "--json", "--policy", "apple-hls", &house_id]).output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["passed"], true, "{report:#}");
    assert!(report["path"].as_str().unwrap().ends_with("clip.mp4"));

    let unknown = regie.run(&["check", "--policy", "no-such-pack", &house_id]);
    assert_eq!(unknown.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("ebu-r128"), "lists the built-in packs");
}

#[test]
fn a_house_policy_file_is_read_from_the_data_folder() {
    let regie = TestRegie::new();
    std::fs::create_dir_all(regie.data().join("policies")).unwrap();
    std::fs::write(
        regie.data().join("policies/radio.toml"),
        "name = \"radio\"\n[[rule]]\nid = \"flac\"\ncheck = 'container == \"flac\"'\n[[any]]\nid = \"rate\"\nrule = [{ id = \"r48\", check = \"audio[*].sample_rate == 48000\" }, { id = \"r44\", check = \"audio[*].sample_rate == 44100\" }]\n",
    )
    .unwrap();
    let (code, report) = check(&regie, &media().join("tone.flac"), "radio");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(rule(&report, "rate")["children"].as_array().unwrap().len(), 2);
    std::fs::write(
        regie.data().join("policies/broken.toml"),
        "name = \"broken\"\n[[rule]]\nid = \"x\"\ncheck = \"container ~ 1\"\n",
    )
    .unwrap();
    let broken = regie.run(&["check", "--policy", "broken", media().join("tone.flac").to_str().unwrap()]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("unknown operator"));
}

#[test]
fn black_silence_and_freeze_are_reported_with_their_time_ranges() {
    let regie = TestRegie::new();
    let clip = regie.scratch("qc").join("clip.mov");
    // 9 s at 25 fps: black picture from 3 s to 5 s (also a frozen picture), silence from 2 s to
    // 5 s, then a still test card (frozen picture) from 6 s to the end.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=25:d=6",
        "-f",
        "lavfi",
        "-i",
        "smptebars=size=640x360:rate=25:d=3",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000:d=9",
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1,drawbox=color=black:t=fill:enable='between(t,3,4.999)'[v];[2:a]volume=enable='between(t,2,4.999)':volume=0[a]",
        "-map",
        "[v]",
        "-map",
        "[a]",
        "-c:v",
        "mpeg2video",
        "-q:v",
        "2",
        "-c:a",
        "pcm_s16le",
        clip.to_str().unwrap(),
    ]);
    let (code, report) = check(&regie, &clip, "broadcast-qc");
    assert_eq!(code, 0, "QC findings are warnings: {report:#}");
    let segments = |kind: &str| -> Vec<(f64, f64)> {
        let found = report["detections"][kind].as_array().unwrap();
        found.iter().map(|segment| (segment["start_s"].as_f64().unwrap(), segment["end_s"].as_f64().unwrap())).collect()
    };
    let segment = |kind: &str| {
        let found = segments(kind);
        assert_eq!(found.len(), 1, "{kind}: {found:?}");
        found[0]
    };
    let frame = 1.0 / 25.0;
    let (black_start, black_end) = segment("black");
    assert!((black_start - 3.0).abs() <= frame && (black_end - 5.0).abs() <= frame, "black {black_start}..{black_end}");
    let (silence_start, silence_end) = segment("silence");
    assert!(
        (silence_start - 2.0).abs() <= frame && (silence_end - 5.0).abs() <= frame,
        "silence {silence_start}..{silence_end}"
    );
    let freezes = segments("freeze");
    assert_eq!(freezes.len(), 2, "the black stretch and the still card: {freezes:?}");
    let (freeze_start, freeze_end) = freezes[1];
    assert!(
        (freeze_start - 6.0).abs() <= frame && (freeze_end - 9.0).abs() <= frame,
        "freeze {freeze_start}..{freeze_end}"
    );
    assert_eq!(rule(&report, "qc-silence")["passed"], false);
    assert_eq!(rule(&report, "qc-black")["passed"], false);
    assert_eq!(report["warnings"], 3);
}

#[test]
fn the_collection_policies_give_every_ingested_asset_its_verdicts() {
    let regie = TestRegie::new();
    std::fs::create_dir_all(regie.data()).unwrap();
    std::fs::write(
        regie.data().join("regie.toml"),
        "[policies]\n\"playout\" = [\"xdcamhd50-playout\"]\n\"playout/news\" = [\"apple-hls\"]\n",
    )
    .unwrap();
    let inbox = regie.scratch("inbox");
    std::fs::copy(media().join("h264_aac.mp4"), inbox.join("clip.mp4")).unwrap();
    std::fs::copy(media().join("tone.flac"), inbox.join("tone.flac")).unwrap();

    let (code, lines) = regie.ingest(&[&inbox.join("clip.mp4")], &["--collection", "playout/news"]);
    assert_eq!(code, 0, "a failing verdict is a finding, not a failed ingest: {lines:#?}");
    let asset = regie.json(&["assets", "show", "--json", lines[0]["asset_id"].as_str().unwrap()]);
    let verdicts = asset["verdicts"].as_array().unwrap();
    let summary: Vec<(&str, bool)> = verdicts
        .iter()
        .map(|verdict| (verdict["policy"].as_str().unwrap(), verdict["passed"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [("xdcamhd50-playout", false), ("apple-hls", true)],
        "inherited from the parent collection too"
    );
    let finding = asset["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["code"] == "policy-failed")
        .expect("a policy-failed finding");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("xdcamhd50-playout") && message.contains("video-codec-mpeg2") && message.contains("h264"),
        "{message}"
    );

    let (_, elsewhere) = regie.ingest(&[&inbox.join("tone.flac")], &["--collection", "radio"]);
    let other = regie.json(&["assets", "show", "--json", elsewhere[0]["asset_id"].as_str().unwrap()]);
    assert_eq!(other["verdicts"], serde_json::json!([]), "no policy for this collection");
}

#[test]
fn an_unknown_collection_policy_stops_the_ingest_before_anything_is_written() {
    let regie = TestRegie::new();
    std::fs::create_dir_all(regie.data()).unwrap();
    std::fs::write(regie.data().join("regie.toml"), "[policies]\n\"playout\" = [\"nope\"]\n").unwrap();
    let inbox = regie.scratch("inbox");
    std::fs::copy(media().join("tone.flac"), inbox.join("tone.flac")).unwrap();
    let output = regie.command().args(["ingest", "--collection", "playout"]).arg(&inbox).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no policy named \"nope\""));
    assert!(regie.blobs().is_empty());
}

#[test]
fn normalisation_brings_a_loud_file_to_the_policy_target_and_never_overwrites() {
    let regie = TestRegie::new();
    let folder = regie.scratch("signals");
    let loud = stereo_sine(&folder, -16.0);
    let original = std::fs::read(&loud).unwrap();
    let output = folder.join("normalised.wav");
    let run = || {
        regie
            .command()
            .args(["normalize", "--json", "--policy", "ebu-r128", "--output"])
            .arg(&output)
            .arg(&loud)
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let report: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert!((report["before"]["integrated"].as_f64().unwrap() + 16.0).abs() <= 0.1);
    assert!((report["gain_db"].as_f64().unwrap() + 7.0).abs() <= 0.1);
    assert_eq!(report["after"]["passed"], true);

    let (code, check_after) = check(&regie, &output, "ebu-r128");
    assert_eq!(code, 0, "the normalised file passes: {check_after:#}");
    let integrated = check_after["loudness"]["integrated"].as_f64().unwrap();
    assert!((integrated + 23.0).abs() <= 0.1, "{integrated}");
    assert!((integrated - ffmpeg_integrated_loudness(&output)).abs() <= 0.1);
    assert_eq!(std::fs::read(&loud).unwrap(), original, "the input is untouched");

    let second = run();
    assert_eq!(second.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already exists"));
    let leftovers: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(".regie"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left");
}

#[test]
fn video_levels_outside_the_r103_range_are_found() {
    let regie = TestRegie::new();
    let folder = regie.scratch("levels");
    let legal = folder.join("legal.mov");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:d=2",
        "-c:v",
        "mpeg2video",
        "-q:v",
        "2",
        "-pix_fmt",
        "yuv422p",
        legal.to_str().unwrap(),
    ]);
    let (code, report) = check(&regie, &legal, "ebu-r103-levels");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["levels"]["frames"], 50);
    assert_eq!(report["levels"]["legal_max"], 246);

    // Luma forced to 255 (super-white) from 1 s on.
    let hot = folder.join("hot.mov");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:d=2",
        "-vf",
        "format=yuv422p,geq=lum='if(gte(T,1),255,lum(X,Y))':cb='cb(X,Y)':cr='cr(X,Y)'",
        "-c:v",
        "mpeg2video",
        "-q:v",
        "2",
        hot.to_str().unwrap(),
    ]);
    let (code, report) = check(&regie, &hot, "ebu-r103-levels");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["levels"]["out_of_range_frames"], 25);
    assert!((report["levels"]["first_out_of_range_s"].as_f64().unwrap() - 1.0).abs() < 1e-6);
    assert!(report["levels"]["luma_max"].as_u64().unwrap() > 246);
    assert_eq!(rule(&report, "0051B-luma-range")["passed"], false);
}

#[test]
fn apple_hls_checks_the_keyframe_interval_and_level() {
    let regie = TestRegie::new();
    let folder = regie.scratch("web");
    let encode = |name: &str, gop: &str| {
        let path = folder.join(name);
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30:d=6",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            gop,
            "-keyint_min",
            gop,
            "-sc_threshold",
            "0",
            path.to_str().unwrap(),
        ]);
        path
    };
    let (code, report) = check(&regie, &encode("gop2s.mp4", "60"), "apple-hls");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["keyframes"]["count"], 3);
    assert!(rule(&report, "hls-h264-level")["measured"].as_u64().unwrap() <= 42);

    let (code, report) = check(&regie, &encode("gop5s.mp4", "150"), "apple-hls");
    assert_eq!(code, 1);
    let interval = rule(&report, "hls-keyframe-interval");
    assert_eq!(interval["passed"], false);
    assert!((interval["measured"].as_f64().unwrap() - 5.0).abs() < 0.05, "{interval}");
}

#[test]
fn every_built_in_pack_loads_and_the_netflix_pack_takes_either_target() {
    let regie = TestRegie::new();
    let sine = stereo_sine(&regie.scratch("signals"), -26.0);
    for pack in [
        "ebu-r128",
        "atsc-a85",
        "netflix-audio",
        "xdcamhd50-playout",
        "as11-uk-dpp-hd-core",
        "apple-hls",
        "broadcast-qc",
        "ebu-r103-levels",
    ] {
        let (_, report) = check(&regie, &sine, pack);
        assert_eq!(report["policy"], pack);
        assert!(!report["source"].as_str().unwrap().is_empty(), "{pack} cites its source");
    }
    let (code, report) = check(&regie, &sine, "netflix-audio");
    assert_eq!(code, 0, "-26 LUFS is within -27 ±2: {report:#}");
    let (code, _) = check(&regie, &sine, "ebu-r128");
    assert_eq!(code, 1);
}
