//! Transcoding profiles: the web ladder packaged for HLS and DASH, the broadcast MXF.

use std::path::PathBuf;

use serde_json::Value;

use crate::harness::TestRegie;
use crate::previews::{blob, ffprobe};

/// Ingests a fixture (no previews), transcodes it to `profile` and returns the asset id.
fn transcode(regie: &TestRegie, fixture: &str, profile: &str) -> String {
    let id = regie.ingest_without_previews(fixture);
    let queued = regie.json(&["transcode", &id, "--profile", profile, "--json"]);
    assert_eq!(queued["created"], true);
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(
        worker.status.success(),
        "worker: {}{}",
        String::from_utf8_lossy(&worker.stdout),
        String::from_utf8_lossy(&worker.stderr)
    );
    id
}

/// Rebuilds a rendition's package (its files under their paths) from the store.
fn package(regie: &TestRegie, profile: &str) -> PathBuf {
    let folder = regie.scratch(&format!("package-{profile}"));
    for asset in regie.assets() {
        for rendition in
            asset["renditions"].as_array().unwrap().iter().filter(|rendition| rendition["profile"] == profile)
        {
            for file in rendition["files"].as_array().unwrap() {
                let path = folder.join(file["path"].as_str().unwrap());
                std::fs::copy(blob(regie, file["blake3"].as_str().unwrap()), path).unwrap();
            }
        }
    }
    folder
}

fn video_heights(probe: &Value) -> Vec<u64> {
    let mut heights: Vec<u64> = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|stream| stream["codec_type"] == "video")
        .map(|stream| stream["height"].as_u64().unwrap())
        .collect();
    heights.sort_unstable();
    heights.dedup();
    heights
}

#[test]
fn the_web_ladder_is_one_cmaf_package_that_hls_and_dash_players_both_read() {
    let regie = TestRegie::new();
    let id = transcode(&regie, "late_picture_1080p25.mp4", "web-ladder");
    let asset = regie.json(&["assets", "show", &id, "--json"]);
    let rendition = &asset["renditions"][0];
    assert_eq!(
        (rendition["profile"].as_str(), rendition["main_file"].as_str()),
        (Some("web-ladder"), Some("master.m3u8"))
    );

    // Described for the desk (issue 12, item 16): every file with its checksums, each rung.
    let files = rendition["files"].as_array().unwrap();
    assert_eq!(files.len() as u64, rendition["file_count"].as_u64().unwrap());
    assert!(files.iter().all(|file| file["md5"].as_str().unwrap().len() == 32
        && file["blake3"].as_str().unwrap().len() == 64
        && file["size"].as_u64().unwrap() > 0));
    assert!(files.iter().any(|file| file["path"] == "manifest.mpd"));
    let rung_heights: Vec<u64> =
        rendition["rungs"].as_array().unwrap().iter().map(|rung| rung["height"].as_u64().unwrap()).collect();
    assert_eq!(rung_heights, [1080, 720, 540, 360]);
    assert_eq!(rendition["media"]["container"], "hls");

    let folder = package(&regie, "web-ladder");
    let master = std::fs::read_to_string(folder.join("master.m3u8")).unwrap();
    for size in ["1920x1080", "1280x720", "960x540", "640x360"] {
        assert!(master.contains(&format!("RESOLUTION={size}")), "{size} in {master}");
    }
    let manifest = std::fs::read_to_string(folder.join("manifest.mpd")).unwrap();
    assert_eq!(manifest.matches("<Representation ").count(), 5, "four rungs and the audio: {manifest}");
    assert_eq!(video_heights(&ffprobe(&folder.join("master.m3u8"))), [360, 540, 720, 1080]);
    assert_eq!(video_heights(&ffprobe(&folder.join("manifest.mpd"))), [360, 540, 720, 1080]);

    // One decode: the job ran a single ffmpeg process for all rungs (then one per rung to
    // measure its quality).
    let jobs = regie.json(&["jobs", "list", "--json"]);
    let job = regie.json(&["jobs", "show", jobs[0]["id"].as_str().unwrap(), "--json"]);
    let commands = job["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| line["message"].as_str().unwrap().starts_with("transcode to web-ladder: ffmpeg "))
        .count();
    assert_eq!(commands, 1, "{job:#}");
    let command = job["result"]["command"].as_array().unwrap();
    assert_eq!(command.iter().filter(|argument| *argument == "-i").count(), 1);

    // Each rung's quality against the source, measured at the top rung's size: the smaller the
    // rung, the more detail it lost.
    let quality = job["result"]["quality"].as_array().unwrap();
    let heights: Vec<u64> = quality.iter().map(|rung| rung["height"].as_u64().unwrap()).collect();
    assert_eq!(heights, [1080, 720, 540, 360], "{job:#}");
    for rung in quality {
        let (psnr, ssim) = (rung["psnr"].as_f64().unwrap(), rung["ssim"].as_f64().unwrap());
        assert!(psnr > 25.0 && psnr < 100.0 && ssim > 0.8 && ssim < 1.0, "{rung}");
    }
    let ssim = |index: usize| quality[index]["ssim"].as_f64().unwrap();
    assert!(ssim(0) > ssim(3), "1080p keeps more than 360p: {quality:?}");

    // Recorded with the rendition (`assets show`, the API), with what the encode took.
    assert_eq!(rendition["quality"], job["result"]["quality"], "{rendition:#}");
    assert!(rendition["encode_s"].as_f64().unwrap() > 0.0);
    let worst = (0..4).map(ssim).fold(1.0, f64::min);

    // A policy reads it: the worst rung must reach the minimum.
    let policy = |name: &str, check: &str| {
        let path = regie.scratch(&format!("policy-{name}")).join(format!("{name}.toml"));
        std::fs::write(&path, format!("name = \"{name}\"\n[[rule]]\nid = \"ssim\"\ncheck = '{check}'\n")).unwrap();
        path.display().to_string()
    };
    let check = |policy: &str| regie.run(&["check", &id, "--rendition", "web-ladder", "--policy", policy, "--json"]);
    let passing = check(&policy("fair", "rendition.quality.ssim >= 0.8"));
    assert!(
        passing.status.success(),
        "{}{}",
        String::from_utf8_lossy(&passing.stdout),
        String::from_utf8_lossy(&passing.stderr)
    );
    let failing = check(&policy("strict", &format!("rendition.quality.ssim >= {:.6}", worst + 0.000_01)));
    assert_eq!(failing.status.code(), Some(1), "{}", String::from_utf8_lossy(&failing.stderr));
    let report: Value = serde_json::from_slice(&failing.stdout).unwrap();
    assert_eq!(report["passed"], false);
    assert!((report["rules"][0]["measured"].as_f64().unwrap() - worst).abs() < 1e-9, "{report:#}");
    let every_rung = check(&policy("rungs", "rendition.rungs[*].ssim >= 0.8"));
    assert!(every_rung.status.success(), "{}", String::from_utf8_lossy(&every_rung.stdout));
    // Loudness is measured on one file, not on a package of segments: said, not guessed.
    let package_loudness = check(&policy("loud", "loudness.integrated >= -30"));
    assert!(!package_loudness.status.success());
    assert!(
        String::from_utf8_lossy(&package_loudness.stderr).contains("package of"),
        "{}",
        String::from_utf8_lossy(&package_loudness.stderr)
    );
    let absent = regie.run(&[
        "check",
        &id,
        "--rendition",
        "broadcast-mxf",
        "--policy",
        &policy("fair", "rendition.quality.ssim >= 0.8"),
    ]);
    assert!(
        String::from_utf8_lossy(&absent.stderr).contains("has no broadcast-mxf rendition"),
        "{}",
        String::from_utf8_lossy(&absent.stderr)
    );
}

#[test]
fn hevc_and_av1_ladders_are_verified_cmaf_packages_with_full_codec_strings() {
    let regie = TestRegie::new();
    let id = regie.ingest_without_previews("late_picture_1080p25.mp4");
    for (profile, codec, pix_fmt, codecs_start) in
        [("web-ladder-hevc", "hevc", "yuv420p10le", "hvc1.2.4.L"), ("web-ladder-av1", "av1", "yuv420p", "av01.0.")]
    {
        let queued = regie.json(&["transcode", &id, "--profile", profile, "--json"]);
        assert_eq!(queued["created"], true);
        let worker = regie.run(&["worker", "--until-idle", "--json"]);
        assert!(worker.status.success(), "worker: {}", String::from_utf8_lossy(&worker.stderr));
        let asset = regie.json(&["assets", "show", &id, "--json"]);
        let rendition =
            asset["renditions"].as_array().unwrap().iter().find(|rendition| rendition["profile"] == profile);
        assert!(rendition.is_some(), "{profile} made and verified: {asset:#}");

        let folder = package(&regie, profile);
        let probe = ffprobe(&folder.join("manifest.mpd"));
        let video: Vec<&Value> =
            probe["streams"].as_array().unwrap().iter().filter(|stream| stream["codec_type"] == "video").collect();
        assert!(video.iter().all(|stream| stream["codec_name"] == codec && stream["pix_fmt"] == pix_fmt), "{probe:#}");
        assert_eq!(video_heights(&probe), [360, 540, 720, 1080]);
        // Every variant names its own rung's full codec string, in both HLS and DASH.
        let master = std::fs::read_to_string(folder.join("master.m3u8")).unwrap();
        let variants: Vec<&str> = master
            .lines()
            .filter(|line| line.starts_with("#EXT-X-STREAM-INF:"))
            .map(|line| line.split("CODECS=\"").nth(1).unwrap().split(',').next().unwrap())
            .collect();
        assert_eq!(variants.len(), 4, "{master}");
        assert!(variants.iter().all(|codecs| codecs.starts_with(codecs_start)), "{master}");
        let distinct: std::collections::BTreeSet<&&str> = variants.iter().collect();
        assert!(distinct.len() > 1, "the rungs' levels differ: {variants:?}");
        let manifest = std::fs::read_to_string(folder.join("manifest.mpd")).unwrap();
        for codecs in &variants {
            assert!(manifest.contains(&format!("codecs=\"{codecs}\"")), "{codecs} in {manifest}");
        }
    }
}

#[test]
fn an_hdr_source_keeps_its_pq_signalling_in_a_10_bit_hevc_ladder() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("hdr");
    let source = inbox.join("pq.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "2"])
        .args(["-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-x265-params"])
        .arg("log-level=error:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50):max-cll=1000,400")
        .args(["-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc"])
        .arg(&source)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, lines) = regie.ingest(&[&source], &[]);
    assert_eq!(code, 0, "{lines:#?}");
    let id = lines[0]["asset_id"].as_str().unwrap();
    let queued = regie.json(&["transcode", id, "--profile", "web-ladder-hevc", "--json"]);
    assert_eq!(queued["created"], true);
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "worker: {}", String::from_utf8_lossy(&worker.stderr));
    let folder = package(&regie, "web-ladder-hevc");
    let probe = ffprobe(&folder.join("manifest.mpd"));
    let video = probe["streams"].as_array().unwrap().iter().find(|stream| stream["codec_type"] == "video").unwrap();
    assert_eq!(
        (video["color_primaries"].as_str(), video["color_transfer"].as_str(), video["pix_fmt"].as_str()),
        (Some("bt2020"), Some("smpte2084"), Some("yuv420p10le")),
        "{video:#}"
    );
    // The master's display and light levels travel with the pictures.
    let frames = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_frames"])
        .args(["-show_entries", "frame=side_data_list", "-of", "json"])
        .arg(folder.join("master.m3u8"))
        .output()
        .unwrap();
    let frames: Value = serde_json::from_slice(&frames.stdout).unwrap();
    let side_data = frames["frames"][0]["side_data_list"].as_array().cloned().unwrap_or_default();
    let mastering = side_data.iter().find(|entry| entry["side_data_type"] == "Mastering display metadata");
    let mastering = mastering.unwrap_or_else(|| panic!("no mastering display in {frames:#}"));
    assert_eq!(
        (mastering["red_x"].as_str(), mastering["max_luminance"].as_str()),
        (Some("34000/50000"), Some("10000000/10000"))
    );
    let light = side_data.iter().find(|entry| entry["side_data_type"] == "Content light level metadata").unwrap();
    assert_eq!((light["max_content"].as_u64(), light["max_average"].as_u64()), (Some(1000), Some(400)));
}

#[test]
fn the_broadcast_rendition_is_xdcam_hd_422_in_mxf_op1a_with_eight_pcm_tracks() {
    let regie = TestRegie::new();
    let id = transcode(&regie, "late_picture_1080p25.mp4", "broadcast-xdcamhd50");
    let asset = regie.json(&["assets", "show", &id, "--json"]);
    assert_eq!(asset["renditions"][0]["profile"], "broadcast-xdcamhd50");
    let described = &asset["renditions"][0];
    assert_eq!(described["media"]["container"], "mxf");
    assert_eq!(described["files"][0]["path"], "output.mxf");
    assert_eq!(described["files"][0]["media"]["streams"][0]["codec"], "mpeg2video");
    assert!(described.get("rungs").is_none(), "a single file has no rungs");
    let folder = package(&regie, "broadcast-xdcamhd50");
    let probe = ffprobe(&folder.join("output.mxf"));
    assert_eq!(probe["format"]["format_name"], "mxf");
    let streams = probe["streams"].as_array().unwrap();
    let video = streams.iter().find(|stream| stream["codec_type"] == "video").unwrap();
    assert_eq!(video["codec_name"], "mpeg2video");
    assert_eq!(video["pix_fmt"], "yuv422p");
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(1920), Some(1080)));
    assert!(matches!(video["field_order"].as_str(), Some("tt" | "tb")), "interlaced top field first: {video:#}");
    assert_eq!(video["r_frame_rate"], "25/1");
    let audio: Vec<&Value> = streams.iter().filter(|stream| stream["codec_type"] == "audio").collect();
    assert_eq!(audio.len(), 8);
    for track in audio {
        assert_eq!((track["codec_name"].as_str(), track["channels"].as_u64()), (Some("pcm_s24le"), Some(1)));
        assert_eq!(track["sample_rate"], "48000");
    }
    let described = regie.json(&["probe", folder.join("output.mxf").to_str().unwrap(), "--json"]);
    assert_eq!(described["operational_pattern"], "OP1a");
}

/// A 360p file profile of `codec` at `kbps`, written where `regie` reads a path.
fn small_profile(regie: &TestRegie, name: &str, codec: &str, codec_profile: &str, kbps: u32) -> String {
    let path = regie.scratch(&format!("profile-{name}")).join(format!("{name}.toml"));
    let text = format!(
        "name = \"{name}\"\ncontainer = \"mp4\"\nspeed = \"fast\"\n[video]\ncodec = \"{codec}\"\n\
         codec_profile = \"{codec_profile}\"\nmax_height = 360\nbitrate_kbps = {kbps}\ngop_seconds = 2\n\
         [audio]\ncodec = \"aac\"\nchannels = 2\nbitrate_kbps = 96\n"
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn ladder_compare_reuses_what_exists_encodes_what_is_missing_and_puts_them_side_by_side() {
    let regie = TestRegie::new();
    let h264 = small_profile(&regie, "small-h264", "h264", "main", 600);
    let hevc = small_profile(&regie, "small-hevc", "hevc", "main", 400);
    let id = transcode(&regie, "late_picture_1080p25.mp4", &h264);
    let transcodes = |regie: &TestRegie| {
        let jobs = regie.json(&["jobs", "list", "--json"]);
        jobs.as_array().unwrap().iter().filter(|job| job["kind"] == "transcode").count()
    };
    assert_eq!(transcodes(&regie), 1);

    let profiles = format!("{h264},{hevc}");
    let compared = regie.json(&["ladder", "compare", &id, "--profiles", &profiles, "--json"]);
    assert_eq!(transcodes(&regie), 2, "the H.264 rendition is reused, the HEVC one made: {compared:#}");
    assert_eq!(compared["duration_s"].as_f64().map(f64::round), Some(5.0));
    let figures = compared["profiles"].as_array().unwrap();
    let names: Vec<&str> = figures.iter().map(|figures| figures["profile"].as_str().unwrap()).collect();
    assert_eq!(names, ["small-h264", "small-hevc"]);
    for (figures, codec) in figures.iter().zip(["h264", "hevc"]) {
        assert_eq!(figures["measured"], true, "{figures:#}");
        assert_eq!(figures["codec"], codec);
        assert!(figures["size"].as_u64().unwrap() > 10_000);
        let bit_rate = figures["bit_rate"].as_u64().unwrap();
        assert!((100_000..2_000_000).contains(&bit_rate), "{figures:#}");
        assert!(figures["encode_s"].as_f64().unwrap() > 0.0 && figures["speed"].as_f64().unwrap() > 0.0);
        let rung = &figures["rungs"][0];
        assert_eq!((rung["width"].as_u64(), rung["height"].as_u64()), (Some(640), Some(360)));
        assert_eq!(rung["bytes"], figures["size"], "a single file is its one rung");
        assert!(rung["psnr"].as_f64().unwrap() > 25.0 && rung["ssim"].as_f64().unwrap() > 0.8, "{rung}");
        assert_eq!(figures["mean_ssim"], rung["ssim"]);
    }

    // For people: a line per profile and the rungs side by side; nothing encoded again.
    let table = regie.run(&["ladder", "compare", &id, "--profiles", &profiles]);
    assert!(table.status.success());
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("small-h264") && table.contains("small-hevc") && table.contains("640x360"), "{table}");
    assert_eq!(transcodes(&regie), 2);

    // Without encoding, a profile never made is said, and the exit code says it.
    let mobile = regie.run(&["ladder", "compare", &id, "--profiles", &format!("{h264},mobile-540p"), "--no-encode"]);
    assert_eq!(mobile.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&mobile.stderr).contains("not compared: mobile-540p"),
        "{}",
        String::from_utf8_lossy(&mobile.stderr)
    );

    // Made with quality measurement off ([jobs] measure_quality), a rendition has no quality:
    // it is not compared as it is, and comparing makes it again, measured.
    regie.json(&["transcode", &id, "--profile", "mobile-540p", "--json"]);
    let worker =
        regie.command().env("REGIE_JOBS_MEASURE_QUALITY", "0").args(["worker", "--until-idle"]).output().unwrap();
    assert!(worker.status.success());
    let unmeasured = regie.json(&["assets", "show", &id, "--json"]);
    let mobile = unmeasured["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|rendition| rendition["profile"] == "mobile-540p")
        .unwrap();
    assert!(mobile.get("quality").is_none(), "{mobile:#}");
    let again = regie.run(&["ladder", "compare", &id, "--profiles", "mobile-540p", "--no-encode"]);
    assert_eq!(again.status.code(), Some(1));
    let remade = regie.json(&["ladder", "compare", &id, "--profiles", "mobile-540p", "--json"]);
    assert_eq!(remade["profiles"][0]["measured"], true, "{remade:#}");
    assert_eq!(remade["profiles"][0]["rungs"][0]["height"], 540);
}

/// Ingests a file made with ffmpeg from `source` (a lavfi graph), without previews.
fn ingest_generated(regie: &TestRegie, name: &str, source: &str) -> String {
    let path = regie.scratch("generated").join(name);
    crate::fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        source,
        "-t",
        "6",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "8",
        "-pix_fmt",
        "yuv420p",
        path.to_str().unwrap(),
    ]);
    let output = regie
        .command()
        .env("REGIE_JOBS_PREVIEWS_AT_INGEST", "0")
        .env("REGIE_INTELLIGENCE_FINGERPRINT_AT_INGEST", "0")
        .args(["ingest", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    line["asset_id"].as_str().unwrap().to_owned()
}

#[test]
fn per_title_spends_fewer_bits_on_an_easy_picture_than_on_a_hard_one_at_the_same_target() {
    let regie = TestRegie::new();
    let profile = small_profile(&regie, "small-h264", "h264", "main", 800);
    let easy = ingest_generated(&regie, "easy.mp4", "color=c=0x406080:size=1280x720:rate=25");
    let hard = ingest_generated(&regie, "hard.mp4", "testsrc2=size=1280x720:rate=25,noise=alls=40:allf=t+u");
    let mut chosen = Vec::new();
    for id in [&easy, &hard] {
        let queued =
            regie.json(&["transcode", id, "--profile", &profile, "--per-title", "--target-ssim", "0.95", "--json"]);
        assert_eq!(queued["created"], true);
        let worker = regie.run(&["worker", "--until-idle", "--json"]);
        assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
        let job = regie.json(&["jobs", "show", queued["job_id"].as_str().unwrap(), "--json"]);
        assert_eq!(job["state"], "succeeded", "{job:#}");
        let rung = &job["result"]["per_title"][0];
        assert_eq!(rung["height"], 360);
        assert_eq!(rung["profile_kbps"], 800);
        // Five trials at the rung's size, three at a smaller one of the same shape (270 lines).
        let trials = rung["trials"].as_array().unwrap();
        let at = |height: u64| trials.iter().filter(|trial| trial["height"] == height).count();
        assert_eq!((at(360), at(270), trials.len()), (5, 3, 8), "{rung:#}");
        let made_at = rung["chosen_height"].as_u64().unwrap();
        assert!([360, 270].contains(&made_at), "{rung:#}");
        // The curve is in the job log.
        let logged = job["log"].as_array().unwrap().iter().any(|line| {
            let message = line["message"].as_str().unwrap();
            message.starts_with("per-title 360p: ") && message.contains("SSIM 0.95") && message.contains("270p ")
        });
        assert!(logged, "{job:#}");
        // Kept beside the fixed rendition, under its own name.
        let asset = regie.json(&["assets", "show", id, "--json"]);
        assert_eq!(asset["renditions"][0]["profile"], "small-h264-per-title");
        // The rendition is made at the size chosen.
        let rendition = &asset["renditions"][0];
        let main = rendition["files"].as_array().unwrap().iter().find(|file| file["path"] == rendition["main_file"]);
        let video =
            main.unwrap()["media"]["streams"].as_array().unwrap().iter().find(|stream| stream["type"] == "video");
        assert_eq!(video.unwrap()["height"].as_u64(), Some(made_at), "{rendition:#}");
        chosen.push((rung["chosen_kbps"].as_u64().unwrap(), rung["reached"].as_bool().unwrap()));
    }
    let ((easy_kbps, easy_reached), (hard_kbps, _)) = (chosen[0], chosen[1]);
    assert!(easy_reached, "a flat colour reaches SSIM 0.95 at once");
    assert!(easy_kbps * 2 < hard_kbps, "easy {easy_kbps} kbit/s against hard {hard_kbps} kbit/s");

    // A target out of range is refused before anything is queued.
    let refused = regie.run(&["transcode", &easy, "--profile", &profile, "--per-title", "--target-ssim", "1.5"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("target SSIM"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// What tesseract reads in the bottom fifth of a picture, enlarged.
#[allow(clippy::disallowed_methods)] // the test reads the picture as a person would, with OCR
fn text_at_the_bottom(regie: &TestRegie, video: &std::path::Path, at_seconds: &str) -> String {
    let picture = regie.scratch("ocr").join("bottom.png");
    crate::fixtures::ffmpeg(&[
        "-ss",
        at_seconds,
        "-i",
        video.to_str().unwrap(),
        "-frames:v",
        "1",
        "-vf",
        "crop=iw:ih/5:0:ih*4/5,scale=iw*2:-1,format=gray",
        "-y",
        picture.to_str().unwrap(),
    ]);
    let output = std::process::Command::new("tesseract").arg(&picture).arg("-").args(["--psm", "6"]).output().unwrap();
    assert!(output.status.success(), "tesseract: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_screener_names_its_recipient_in_its_pictures_and_in_the_audit_trail() {
    let regie = TestRegie::new();
    let id = regie.ingest_without_previews("late_picture_1080p25.mp4");
    let house_id = regie.json(&["assets", "show", &id, "--json"])["house_id"].as_str().unwrap().to_owned();
    let profile = regie.scratch("profile-review").join("review.toml");
    std::fs::write(
        &profile,
        "name = \"review\"\ncontainer = \"mp4\"\nspeed = \"fast\"\n[video]\ncodec = \"h264\"\nmax_height = 720\n\
         bitrate_kbps = 1500\n[audio]\ncodec = \"aac\"\nchannels = 2\nbitrate_kbps = 96\n\
         [watermark]\nposition = \"bottom-left\"\nopacity = 1.0\ntext_height = 0.05\n",
    )
    .unwrap();
    let profile = profile.display().to_string();
    let queued = regie.json(&["transcode", &id, "--profile", &profile, "--recipient", "ACME Films", "--json"]);
    assert_eq!(queued["created"], true);
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let job = regie.json(&["jobs", "show", queued["job_id"].as_str().unwrap(), "--json"]);
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(job["result"]["recipient"], "ACME Films");

    // One rendition per recipient, the notice in its pictures (read back by OCR on a frame).
    let asset = regie.json(&["assets", "show", &id, "--json"]);
    let rendition = &asset["renditions"][0];
    assert_eq!(rendition["profile"], "review-acme-films");
    let main =
        rendition["files"].as_array().unwrap().iter().find(|file| file["path"] == rendition["main_file"]).unwrap();
    let read = text_at_the_bottom(&regie, &blob(&regie, main["blake3"].as_str().unwrap()), "1");
    assert!(read.contains("ACME Films"), "OCR read {read:?}");
    assert!(read.replace(' ', "").contains(&house_id), "OCR read {read:?}, house id {house_id}");

    // Who received which copy is in the audit trail.
    let audit = regie.json(&["audit", "list", "--json"]);
    let made = audit.as_array().unwrap().iter().find(|entry| entry["action"] == "screener.made");
    let made = made.unwrap_or_else(|| panic!("no screener.made entry: {audit:#}"));
    assert!(made["detail"].as_str().unwrap().contains("\"ACME Films\""), "{made:#}");

    // A screener without a recipient, a hostile recipient, and a recipient without a screener
    // are refused before anything is queued.
    for (arguments, said) in [
        (vec!["--profile", "screener"], "--recipient"),
        (vec!["--profile", "screener", "--recipient", "x:y'%{localtime}"], "recipient"),
        (vec!["--profile", "mobile-540p", "--recipient", "ACME"], "no [watermark]"),
    ] {
        let mut command = vec!["transcode", id.as_str()];
        command.extend(arguments);
        let refused = regie.run(&command);
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains(said),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
    }
}
