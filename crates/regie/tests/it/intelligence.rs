//! Media intelligence: speech transcribed by the real speech engine (faster-whisper, installed by
//! scripts/install-speech.sh; `REGIE_TEST_SPEECH_ENGINE` names it) on speech generated with
//! espeak-ng, found by search with its moment, listed as machine-made and downloadable; a
//! missing engine is a clear error.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::fixtures;
use crate::harness::TestRegie;
use crate::served::Served;

const FIRST: &str = "Good evening. Tonight the harbour of Marseille welcomes the sailing ships.";
const SECOND: &str = "Tomorrow the weather will be sunny and warm along the coast.";

/// The speech engine of the test run, or `None` (and the test skipped) when it is not installed;
/// under CI it must be.
fn speech_engine(test: &str) -> Option<PathBuf> {
    let engine = std::env::var_os("REGIE_TEST_SPEECH_ENGINE").map(PathBuf::from);
    let espeak = std::process::Command::new("espeak-ng").arg("--version").output().is_ok();
    if engine.is_none() || !espeak {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "REGIE_TEST_SPEECH_ENGINE and espeak-ng are needed under CI (scripts/test.sh installs them)"
        );
        crate::harness::skip(test, "REGIE_TEST_SPEECH_ENGINE not set or espeak-ng missing");
        return None;
    }
    engine
}

/// A video whose sound says `FIRST`, two seconds of silence, then `SECOND`.
fn spoken_video(folder: &Path) -> PathBuf {
    let speech = folder.join("speech.wav");
    let ssml = format!("<speak>{FIRST}<break time=\"2000ms\"/>{SECOND}</speak>");
    let status = std::process::Command::new("espeak-ng")
        .args(["-m", "-v", "en", "-s", "140", "-w"])
        .arg(&speech)
        .arg(&ssml)
        .status()
        .unwrap();
    assert!(status.success());
    let video = folder.join("evening-news.mp4");
    fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25",
        "-i",
        speech.to_str().unwrap(),
        "-shortest",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        video.to_str().unwrap(),
    ]);
    video
}

/// Word error rate: word-level edit distance over the reference's length, on lower-case words
/// without punctuation (British and American spellings counted as the same word).
fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let words = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .map(|word| word.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase())
            .map(|word| if word == "harbor" { "harbour".to_owned() } else { word })
            .filter(|word| !word.is_empty())
            .collect()
    };
    let (reference, hypothesis) = (words(reference), words(hypothesis));
    let mut previous: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, expected) in reference.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, heard) in hypothesis.iter().enumerate() {
            let substitution = previous[j] + usize::from(expected != heard);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[hypothesis.len()] as f64 / reference.len() as f64
}

fn hit_time(regie: &TestRegie, word: &str) -> f64 {
    let found = regie.json(&["search", word, "--json"]);
    let hit = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|hit| hit["field"] == "subtitles")
        .unwrap_or_else(|| panic!("{word:?} is found in the transcript: {found:#}"));
    hit["time_s"].as_f64().unwrap()
}

#[test]
fn speech_is_transcribed_at_ingest_found_by_search_at_its_moment_and_downloadable() {
    let Some(engine) = speech_engine("speech-to-text") else { return };
    let mut regie = TestRegie::new();
    regie.environment.extend([
        ("REGIE_INTELLIGENCE_SPEECH_ENGINE".to_owned(), engine.display().to_string()),
        ("REGIE_INTELLIGENCE_TRANSCRIBE_COLLECTIONS".to_owned(), "news".to_owned()),
        ("REGIE_JOBS_PREVIEWS_AT_INGEST".to_owned(), "0".to_owned()),
    ]);
    let video = spoken_video(&regie.scratch("in"));
    let (code, lines) = regie.ingest(&[&video], &["--collection", "news/evening"]);
    assert_eq!(code, 0, "{lines:?}");
    let asset = lines[0]["asset_id"].as_str().unwrap().to_owned();
    let elsewhere = regie.scratch("elsewhere").join("archive.mp4");
    std::fs::copy(&video, &elsewhere).unwrap();
    fixtures::ffmpeg(&["-i", video.to_str().unwrap(), "-c", "copy", "-t", "3", elsewhere.to_str().unwrap()]);
    let (code, _) = regie.ingest(&[&elsewhere], &["--collection", "archive"]);
    assert_eq!(code, 0);
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let jobs = regie.json(&["jobs", "list", "--json"]);
    let transcribed: Vec<&Value> = jobs.as_array().unwrap().iter().filter(|job| job["kind"] == "transcribe").collect();
    assert_eq!(transcribed.len(), 1, "only the news collection is transcribed at ingest: {jobs:#}");
    assert_eq!(transcribed[0]["state"], "succeeded", "{jobs:#}");

    // Listed with the asset as machine-made, in the detected language.
    let shown = regie.json(&["assets", "show", &asset, "--json"]);
    let track = &shown["subtitles"][0];
    assert_eq!(track["source"], "transcript");
    assert_eq!(track["language"], "en");
    assert_eq!((track["machine"].as_bool(), track["origin"].as_str()), (Some(true), Some("speech")));
    assert!(track["language_probability"].as_f64().unwrap() > 0.8, "{track}");
    assert_eq!(track["engine"], "faster-whisper base");

    // The text, measured against what was said.
    let srt = regie.run(&["subtitles", "export", &asset]);
    assert!(srt.status.success(), "{}", String::from_utf8_lossy(&srt.stderr));
    let srt = String::from_utf8(srt.stdout).unwrap();
    assert!(srt.starts_with("1\n00:00:0"), "{srt}");
    let heard: Vec<&str> = srt.split("\n\n").filter_map(|block| block.lines().nth(2)).collect();
    let wer = word_error_rate(&format!("{FIRST} {SECOND}"), &heard.join(" "));
    eprintln!("word error rate on generated English speech: {wer:.3} ({heard:?})");
    assert!(wer <= 0.25, "word error rate {wer:.3}: {heard:?}");

    // Search finds the words at their moment: the second sentence comes after the silence.
    let sailing = hit_time(&regie, "sailing");
    let weather = hit_time(&regie, "weather");
    assert!(sailing < 5.0, "the ships are said in the first seconds, found at {sailing}");
    assert!(weather > sailing + 2.0, "the weather comes after the pause: {weather} vs {sailing}");

    // WebVTT to a new file, never over an existing one.
    let file = regie.scratch("out").join("news.vtt");
    let written = regie.run(&["subtitles", "export", &asset, "--output", file.to_str().unwrap()]);
    assert!(written.status.success());
    let vtt = std::fs::read_to_string(&file).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n1\n00:00:0") && vtt.to_lowercase().contains("weather"), "{vtt}");
    let again = regie.run(&["subtitles", "export", &asset, "--output", file.to_str().unwrap()]);
    assert!(!again.status.success(), "an existing file is never overwritten");
    let unknown = regie.run(&["subtitles", "export", &asset, "--source", "clip.de.srt"]);
    assert_eq!(unknown.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("it has: transcript"));

    // Over the API: readers download, editors queue, others see nothing.
    let served = Served::start(regie);
    for (user, role) in [("vi", "viewer"), ("ed", "editor"), ("out", "viewer")] {
        served.add_user(user, role);
    }
    for (user, role) in [("vi", "viewer"), ("ed", "editor")] {
        let grantee = format!("user:{user}");
        served.regie.json(&["grants", "add", "--collection", "news", "--to", &grantee, "--role", role, "--json"]);
    }
    let (viewer, editor, outsider) = (served.login("vi"), served.login("ed"), served.login("out"));
    let base = format!("/api/v1/assets/{asset}");
    let listed = served.get(&format!("{base}/subtitles"), &viewer);
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()[0]["machine"], true);
    let download = served.get(&format!("{base}/subtitles/transcript?format=vtt"), &viewer);
    assert_eq!(download.status, 200);
    assert!(download.header("content-type").unwrap().starts_with("text/vtt"));
    assert!(String::from_utf8_lossy(&download.body).starts_with("WEBVTT"));
    assert_eq!(served.get(&format!("{base}/subtitles"), &outsider).status, 404, "not readable: not found");
    assert_eq!(served.get(&format!("{base}/subtitles/transcript"), &outsider).status, 404);
    let refused = served.send("POST", &format!("{base}/transcribe"), Some(&viewer), Some(json!({"language": "en"})));
    assert_eq!(refused.status, 403, "a viewer may not transcribe");
    let bad = served.send("POST", &format!("{base}/transcribe"), Some(&editor), Some(json!({"language": "de"})));
    assert_eq!(bad.status, 400);
    let queued = served.send("POST", &format!("{base}/transcribe"), Some(&editor), Some(json!({"language": "en"})));
    assert_eq!(queued.status, 202, "{}", String::from_utf8_lossy(&queued.body));
    assert_eq!(queued.json()["state"], "queued");
    let audited = served.regie.audit_entries("transcript.queue");
    let outcomes: Vec<&str> = audited.iter().map(|entry| entry["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["denied", "ok"], "the refusal and the queuing are on record: {audited:#?}");
}

#[test]
fn a_missing_speech_engine_or_a_silent_file_is_a_clear_error() {
    let mut regie = TestRegie::new();
    regie.environment.push(("REGIE_INTELLIGENCE_SPEECH_ENGINE".to_owned(), "/nonexistent/regie-speech".to_owned()));
    let folder = regie.scratch("in");
    let spoken = folder.join("tone.wav");
    fixtures::ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=440:duration=2", spoken.to_str().unwrap()]);
    let silent = folder.join("picture.mp4");
    fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=25:d=1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        silent.to_str().unwrap(),
    ]);
    let (code, lines) = regie.ingest(&[&spoken, &silent], &["--collection", "news"]);
    assert_eq!(code, 0, "{lines:?}");
    let id_of = |name: &str| {
        lines.iter().find(|line| line["path"].as_str().unwrap().ends_with(name)).unwrap()["asset_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let missing = regie.run(&["transcribe", &id_of("tone.wav")]);
    assert_eq!(missing.status.code(), Some(1));
    let message = String::from_utf8_lossy(&missing.stderr);
    assert!(
        message.contains("the speech engine is not installed at /nonexistent/regie-speech")
            && message.contains("scripts/install-speech.sh"),
        "{message}"
    );
    let shown = regie.json(&["assets", "show", &id_of("tone.wav"), "--json"]);
    assert_eq!(shown["subtitles"], json!([]), "nothing recorded");

    let silent = regie.run(&["transcribe", &id_of("picture.mp4")]);
    assert_eq!(silent.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&silent.stderr).contains("has no sound"),
        "{}",
        String::from_utf8_lossy(&silent.stderr)
    );
    let language = regie.run(&["transcribe", &id_of("tone.wav"), "--language", "de"]);
    assert_eq!(language.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&language.stderr).contains("use fr, en or auto"));
}

/// Ten seconds at 25 fps over a moving test pattern: a lower third "Breaking news from Lyon" from
/// 2 s to 5 s, then a French slate "Générique de fin" from 6 s.
fn captioned_video(folder: &Path) -> PathBuf {
    let video = folder.join("captions.mp4");
    let graph = "drawbox=y=ih*0.74:w=iw:h=ih*0.16:color=black@0.8:t=fill:enable='between(t,2,5)',\
                 drawtext=text='Breaking news from Lyon':x=(w-text_w)/2:y=h*0.77:fontsize=40:fontcolor=white:enable='between(t,2,5)',\
                 drawbox=w=iw:h=ih:color=0x102030:t=fill:enable='gte(t,6)',\
                 drawtext=text='Générique de fin':x=(w-text_w)/2:y=(h-text_h)/2:fontsize=56:fontcolor=white:enable='gte(t,6)'";
    fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=960x540:rate=25:d=10",
        "-vf",
        graph,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        video.to_str().unwrap(),
    ]);
    video
}

#[test]
fn text_burnt_into_the_picture_is_read_at_ingest_kept_as_segments_and_found_by_search() {
    if std::process::Command::new("tesseract").arg("--version").output().is_err() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "tesseract is needed under CI (install-deps --tests)");
        crate::harness::skip("ocr", "tesseract is not installed");
        return;
    }
    let mut regie = TestRegie::new();
    regie.environment.extend([
        ("REGIE_INTELLIGENCE_OCR_COLLECTIONS".to_owned(), "news".to_owned()),
        ("REGIE_INTELLIGENCE_OCR_EVERY_S".to_owned(), "1".to_owned()),
        ("REGIE_JOBS_PREVIEWS_AT_INGEST".to_owned(), "0".to_owned()),
    ]);
    let video = captioned_video(&regie.scratch("in"));
    let (code, lines) = regie.ingest(&[&video], &["--collection", "news"]);
    assert_eq!(code, 0, "{lines:?}");
    let asset = lines[0]["asset_id"].as_str().unwrap().to_owned();
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let jobs = regie.json(&["jobs", "list", "--json"]);
    let job = jobs.as_array().unwrap().iter().find(|job| job["kind"] == "ocr").expect("an ocr job was queued");
    assert_eq!(job["state"], "succeeded", "{jobs:#}");

    let segments = regie.json(&["segments", "list", &asset, "--kind", "ocr", "--json"]);
    let read: Vec<(String, u64, u64)> = segments
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["text"].as_str().unwrap().to_owned(),
                s["start_frame"].as_u64().unwrap(),
                s["end_frame"].as_u64().unwrap(),
            )
        })
        .collect();
    let caption = read.iter().find(|(text, _, _)| text.contains("Breaking news from Lyon")).unwrap_or_else(|| {
        panic!("the lower third is read: {read:?}");
    });
    assert!((50..=75).contains(&caption.1), "on screen from 2 s (frame 50): {read:?}");
    assert!((125..=150).contains(&caption.2), "until 5 s (frame 125): {read:?}");
    let slate = read.iter().find(|(text, _, _)| text.contains("Générique de fin")).unwrap_or_else(|| {
        panic!("the French slate is read with its accent: {read:?}");
    });
    assert!((150..=175).contains(&slate.1) && slate.2 == 250, "the slate from 6 s to the end: {read:?}");
    assert!(read.len() <= 4, "the moving pattern is not read as text: {read:?}");

    let found = regie.json(&["search", "lyon", "--json"]);
    let hit = &found["hits"][0];
    assert_eq!((hit["field"].as_str(), hit["segment_kind"].as_str()), (Some("segments"), Some("ocr")), "{found:#}");
    assert!(hit["timecode"].as_str().unwrap().starts_with("00:00:0"), "{hit}");
    let folded = regie.json(&["search", "generique", "--json"]);
    assert_eq!(folded["total"], 1, "accents folded: {folded:#}");

    // Read again: replaced, never doubled.
    let again = regie.json(&["ocr", &asset, "--every", "1", "--json"]);
    assert_eq!(again["lines"].as_u64().unwrap() as usize, read.len());
    let segments = regie.json(&["segments", "list", &asset, "--kind", "ocr", "--json"]);
    assert_eq!(segments.as_array().unwrap().len(), read.len());
}

/// The transformations a near-duplicate finder must see through, as ffmpeg arguments.
const VARIANTS: [(&str, &[&str]); 6] = [
    ("reencoded", &["-c:v", "libx264", "-b:v", "150k"]),
    ("rescaled", &["-vf", "scale=iw/2:-2"]),
    ("trimmed", &["-ss", "3", "-t", "5"]),
    ("recoloured", &["-vf", "eq=saturation=0.3:brightness=0.08,hue=h=25"]),
    ("logo", &["-vf", "drawbox=x=iw-iw/5-10:y=10:w=iw/5:h=ih/8:color=red@0.9:t=fill"]),
    ("cropped", &["-vf", "crop=iw*0.85:ih*0.85"]),
];

#[test]
fn near_duplicates_of_real_clips_are_found_with_their_offset_and_unrelated_clips_are_not() {
    let Ok(footage) = std::env::var("REGIE_TEST_FOOTAGE") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "REGIE_TEST_FOOTAGE is needed under CI");
        crate::harness::skip("near-duplicates", "REGIE_TEST_FOOTAGE not set (bench/shots/footage.sh)");
        return;
    };
    let mut regie = TestRegie::new();
    regie.environment.extend([
        ("REGIE_JOBS_PREVIEWS_AT_INGEST".to_owned(), "0".to_owned()),
        ("REGIE_TIMELINE_SHOTS_AT_INGEST".to_owned(), "0".to_owned()),
    ]);
    let masters = regie.scratch("masters");
    let copies = regie.scratch("copies");
    let mut clips: Vec<PathBuf> = std::fs::read_dir(&footage).unwrap().map(|entry| entry.unwrap().path()).collect();
    clips.sort();
    assert!(clips.len() >= 6, "the footage has its clips: {clips:?}");
    for clip in &clips {
        let stem = clip.file_stem().unwrap().to_string_lossy().into_owned();
        let master = masters.join(format!("{stem}.mp4"));
        // The first ten seconds, as the master.
        fixtures::ffmpeg(&[
            "-i",
            clip.to_str().unwrap(),
            "-t",
            "10",
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            master.to_str().unwrap(),
        ]);
        for (variant, arguments) in VARIANTS {
            let copy = copies.join(format!("{stem}.{variant}.mp4"));
            let mut all = vec!["-i", master.to_str().unwrap()];
            all.extend_from_slice(arguments);
            all.extend(["-an", "-preset", "ultrafast", "-pix_fmt", "yuv420p", copy.to_str().unwrap()]);
            fixtures::ffmpeg(&all);
        }
    }
    // A still of the first clip and a rescaled copy of it.
    let first = clips[0].file_stem().unwrap().to_string_lossy().into_owned();
    let still = masters.join(format!("{first}.still.jpg"));
    fixtures::ffmpeg(&["-ss", "1", "-i", clips[0].to_str().unwrap(), "-frames:v", "1", still.to_str().unwrap()]);
    let still_copy = copies.join(format!("{first}.still-rescaled.png"));
    fixtures::ffmpeg(&["-i", still.to_str().unwrap(), "-vf", "scale=iw/2:-2", still_copy.to_str().unwrap()]);

    let (code, _) = regie.ingest(&[&masters], &["--collection", "masters"]);
    assert_eq!(code, 0);
    assert!(regie.run(&["worker", "--until-idle"]).status.success());
    let (code, lines) = regie.ingest(&[&copies], &["--collection", "copies"]);
    assert_eq!(code, 0, "{lines:?}");
    assert!(regie.run(&["worker", "--until-idle"]).status.success());

    let assets = regie.assets();
    let name_of =
        |id: &str| assets.iter().find(|asset| asset["id"] == id).unwrap()["name"].as_str().unwrap().to_owned();
    let source_of = |name: &str| name.split('.').next().unwrap().to_owned();
    let (mut found, mut expected, mut wrong, mut missed) = (0, 0, Vec::<String>::new(), Vec::<String>::new());
    for line in &lines {
        let copy = line["path"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
        let id = line["asset_id"].as_str().unwrap();
        let shown = regie.json(&["assets", "show", id, "--json"]);
        let flagged: Vec<String> = shown["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| finding["code"] == "near-duplicate")
            .map(|finding| finding["message"].as_str().unwrap().to_owned())
            .collect();
        // Its master, when it was ingested before it (all were).
        expected += 1;
        let master_named = flagged.iter().any(|message| message.contains(&format!("({}.mp4,", source_of(&copy))));
        found += usize::from(master_named);
        if !master_named {
            missed.push(copy.clone());
        }
        for message in &flagged {
            let other = message.split(" (").nth(1).unwrap().split(',').next().unwrap();
            if source_of(other) != source_of(&copy) {
                wrong.push(format!("{copy} flagged as {other}"));
            }
        }
        // The offset of a trimmed copy, where its master is long enough to be trimmed 3 s in and
        // keep 5 s.
        let long_enough = ["Megamind", "bikes", "box", "tree", "vtest"].contains(&source_of(&copy).as_str());
        if copy.contains(".trimmed.") && long_enough {
            let similar = regie.json(&["similar", id, "--json"]);
            let master = similar["similar"]
                .as_array()
                .unwrap()
                .iter()
                .find(|other| {
                    source_of(other["name"].as_str().unwrap()) == source_of(&copy) && other["collection"] == "masters"
                })
                .unwrap_or_else(|| panic!("{copy}'s master is listed: {similar:#}"));
            assert_eq!(master["offset_s"], 3.0, "the trimmed copy starts 3 s into its master: {master}");
            assert_eq!(master["query_share"], 1.0, "{master}");
        }
    }
    let recall = found as f64 / expected as f64;
    eprintln!(
        "near-duplicates: recall {recall:.3} ({found}/{expected}, missed {missed:?}), wrong matches {}",
        wrong.len()
    );
    assert!(recall >= 0.9, "recall {recall:.3}, missed {missed:?}");
    assert!(wrong.is_empty(), "unrelated clips matched: {wrong:?}");
    let still_id =
        lines.iter().find(|line| line["path"].as_str().unwrap().ends_with("still-rescaled.png")).unwrap()["asset_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let similar = regie.json(&["similar", &still_id, "--json"]);
    let names: Vec<String> = similar["similar"]
        .as_array()
        .unwrap()
        .iter()
        .map(|other| name_of(other["asset_id"].as_str().unwrap()))
        .collect();
    assert!(names.contains(&format!("{first}.still.jpg")), "the still's original: {similar:#}");
    let still_match = similar["similar"]
        .as_array()
        .unwrap()
        .iter()
        .find(|other| name_of(other["asset_id"].as_str().unwrap()).ends_with(".still.jpg"))
        .unwrap();
    assert_eq!(still_match["offset_s"], Value::Null, "stills have no offset");

    // Over the API, only what the caller may read: a user of the copies never sees the masters.
    let trimmed =
        lines.iter().find(|line| line["path"].as_str().unwrap().ends_with("box.trimmed.mp4")).unwrap()["asset_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let served = Served::start(regie);
    served.add_user("cc", "viewer");
    served.regie.json(&["grants", "add", "--collection", "copies", "--to", "user:cc", "--role", "viewer", "--json"]);
    let viewer = served.login("cc");
    let similar = served.get(&format!("/api/v1/assets/{trimmed}/similar"), &viewer).json();
    let collections: Vec<&str> =
        similar["similar"].as_array().unwrap().iter().map(|other| other["collection"].as_str().unwrap()).collect();
    assert!(!collections.is_empty() && collections.iter().all(|collection| *collection == "copies"), "{similar:#}");
}

#[test]
fn recommendations_follow_what_people_watched_only_among_readable_assets_and_fall_back_to_popular() {
    let regie = TestRegie::new();
    let shows = fixtures::distinct_wavs(&regie.scratch("shows"), 4);
    let secret = fixtures::distinct_wavs(&regie.scratch("secret"), 5).pop().unwrap();
    let (code, lines) =
        regie.ingest(&shows.iter().map(PathBuf::as_path).collect::<Vec<_>>(), &["--collection", "shows"]);
    assert_eq!(code, 0, "{lines:?}");
    let id = |name: &str| {
        lines.iter().find(|line| line["path"].as_str().unwrap().ends_with(name)).unwrap()["asset_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (a, b, c, d) = (id("clip_0000.wav"), id("clip_0001.wav"), id("clip_0002.wav"), id("clip_0003.wav"));
    let (code, lines) = regie.ingest(&[&secret], &["--collection", "secret"]);
    assert_eq!(code, 0);
    let s = lines[0]["asset_id"].as_str().unwrap().to_owned();
    let out = regie.scratch("out");
    let url = format!("file://{}", out.display());
    regie.json(&["destinations", "add", "out", "--url", &url, "--sidecar", "none", "--json"]);

    let served = Served::start(regie);
    for user in ["u1", "u2", "u3", "u4", "new"] {
        served.add_user(user, "editor");
        let grantee = format!("user:{user}");
        served.regie.json(&["grants", "add", "--collection", "shows", "--to", &grantee, "--role", "editor", "--json"]);
    }
    served.regie.json(&["grants", "add", "--collection", "secret", "--to", "user:u4", "--role", "editor", "--json"]);
    let token = |user: &str| served.login(user);
    let (u1, u2, u3, u4, new) = (token("u1"), token("u2"), token("u3"), token("u4"), token("new"));
    let play = |who: &str, asset: &str| {
        let answer =
            served.send("POST", &format!("/api/v1/assets/{asset}/events"), Some(who), Some(json!({"kind": "play"})));
        assert_eq!(answer.status, 204, "{}", String::from_utf8_lossy(&answer.body));
    };
    // A and B are watched together; C by one who watched both; the secret S with A.
    for (who, assets) in
        [(&u1, vec![&a, &b]), (&u2, vec![&a, &b, &c]), (&u3, vec![&a, &b, &c]), (&u4, vec![&a, &s, &b])]
    {
        for asset in assets {
            play(who, asset);
        }
    }
    play(&u1, &a); // again within the minute: one viewing
    let bad = served.send(
        "POST",
        &format!("/api/v1/assets/{a}/events"),
        Some(&u1),
        Some(json!({"kind": "rating", "rating": 9})),
    );
    assert_eq!(bad.status, 400);
    let wrong =
        served.send("POST", &format!("/api/v1/assets/{a}/events"), Some(&u1), Some(json!({"kind": "delivery"})));
    assert_eq!(wrong.status, 400, "deliveries are recorded by deliveries, not by clients");
    let hidden = served.send("POST", &format!("/api/v1/assets/{s}/events"), Some(&u1), Some(json!({"kind": "play"})));
    assert_eq!(hidden.status, 404, "an asset the caller may not read does not exist for them");

    // A new user gets the most watched.
    let fresh = served.get("/api/v1/recommendations?limit=3", &new).json();
    assert_eq!(fresh["model"], "popularity", "{fresh:#}");
    let ids: Vec<&str> =
        fresh["recommendations"].as_array().unwrap().iter().map(|r| r["asset_id"].as_str().unwrap()).collect();
    let mut first_two = ids[..2].to_vec();
    first_two.sort_unstable();
    let mut most_watched = [a.as_str(), b.as_str()];
    most_watched.sort_unstable();
    assert_eq!(first_two, most_watched, "the most watched (four views each) first: {fresh:#}");
    assert!(!ids.contains(&s.as_str()), "never an asset the user may not read");

    // u1 watched A and B: C comes from those who watched the same; the secret S never does.
    let mine = served.get("/api/v1/recommendations", &u1).json();
    assert_eq!(mine["model"], "ease");
    assert_eq!(mine["history"], 2);
    let ids: Vec<&str> =
        mine["recommendations"].as_array().unwrap().iter().map(|r| r["asset_id"].as_str().unwrap()).collect();
    assert_eq!(ids.first(), Some(&c.as_str()), "{mine:#}");
    assert!(!ids.contains(&s.as_str()) && !ids.contains(&a.as_str()) && !ids.contains(&b.as_str()), "{mine:#}");
    let theirs = served.get("/api/v1/recommendations", &u4).json();
    let ids: Vec<&str> =
        theirs["recommendations"].as_array().unwrap().iter().map(|r| r["asset_id"].as_str().unwrap()).collect();
    assert_eq!(ids.first(), Some(&c.as_str()), "{theirs:#}");

    // More like A: B, watched with it by everyone.
    let like = served.get(&format!("/api/v1/assets/{a}/more-like-this"), &u1).json();
    assert_eq!(like["recommendations"][0]["asset_id"], b.as_str(), "{like:#}");
    assert!(!like.to_string().contains(&s), "{like:#}");
    assert_eq!(served.get(&format!("/api/v1/assets/{s}/more-like-this"), &u1).status, 404);
    // D, watched by nobody: the metadata fallback, its collection.
    let unseen = served.get(&format!("/api/v1/assets/{d}/more-like-this"), &u1).json();
    assert_eq!(unseen["model"], "metadata");
    assert!(unseen["recommendations"].as_array().unwrap().iter().all(|r| r["collection"] == "shows"), "{unseen:#}");

    // A download is a viewing: the new user now has a history.
    let download = served.get(&format!("/api/v1/assets/{c}/files/original"), &new);
    assert_eq!(download.status, 200);
    let after = served.get("/api/v1/recommendations", &new).json();
    assert_eq!((after["model"].as_str(), after["history"].as_u64()), (Some("ease"), Some(1)), "{after:#}");

    // The same from the command line, as u1.
    let cli = served.regie.json(&["recommend", "--user", "u1", "--json"]);
    assert_eq!(cli["recommendations"][0]["asset_id"], c.as_str());
    let nobody = served.regie.run(&["recommend", "--user", "nobody"]);
    assert_eq!(nobody.status.code(), Some(3));

    // Trends: D, suddenly played and downloaded by everyone, is in a burst and leads the day.
    for who in [&u1, &u2, &u3, &u4, &new] {
        play(who, &d);
        assert_eq!(served.get(&format!("/api/v1/assets/{d}/files/original"), who).status, 200);
    }
    let bursts = served.get("/api/v1/trending?bursts=true", &u1).json();
    assert_eq!(bursts["assets"].as_array().unwrap().len(), 1, "{bursts:#}");
    assert_eq!(
        (bursts["assets"][0]["asset_id"].as_str(), bursts["assets"][0]["burst"].as_bool()),
        (Some(d.as_str()), Some(true))
    );
    let day = served.get("/api/v1/trending?window=24h", &u1).json();
    let ids: Vec<&str> = day["assets"].as_array().unwrap().iter().map(|t| t["asset_id"].as_str().unwrap()).collect();
    assert_eq!(ids.first(), Some(&d.as_str()), "{day:#}");
    assert_eq!(day["assets"][0]["views"], 10);
    assert!(!ids.contains(&s.as_str()), "never an asset the caller may not read: {day:#}");
    let theirs = served.get("/api/v1/trending?window=7d", &u4).json();
    assert!(theirs.to_string().contains(&s), "u4 may read S: {theirs:#}");
    assert_eq!(served.get("/api/v1/trending?window=2h", &u1).status, 400);
    let cli = served.regie.json(&["trending", "--bursts", "--json"]);
    assert_eq!(cli["assets"][0]["asset_id"], d.as_str());

    // A delivery asked for is a viewing too.
    served.add_user("mm", "media-manager");
    served.regie.json(&[
        "grants",
        "add",
        "--collection",
        "shows",
        "--to",
        "user:mm",
        "--role",
        "media-manager",
        "--json",
    ]);
    let mm = served.login("mm");
    let delivered =
        served.send("POST", "/api/v1/deliveries", Some(&mm), Some(json!({"asset": c, "destination": "out"})));
    assert_eq!(delivered.status, 202, "{}", String::from_utf8_lossy(&delivered.body));
    let theirs = served.get("/api/v1/recommendations", &mm).json();
    assert_eq!(theirs["history"], 1, "{theirs:#}");
}

#[test]
fn burst_detection_is_measured_on_simulated_traffic() {
    let regie = TestRegie::new();
    let figures = regie.json(&["trending", "--simulate", "2", "--json"]);
    assert_eq!(figures["injected_bursts"], 40);
    assert!(figures["recall"].as_f64().unwrap() >= 0.8, "{figures:#}");
    assert!(figures["precision"].as_f64().unwrap() >= 0.8, "{figures:#}");
}

#[test]
fn the_recommendation_harness_measures_the_models_on_a_log() {
    let regie = TestRegie::new();
    // Two audiences of 60: each watches 12 of its 20 titles, always including its favourite.
    let mut log = String::from("user_id:token\titem_id:token\trating:float\n");
    let mut state = 7u64;
    for user in 0..120u64 {
        let base = if user < 60 { 0 } else { 20 };
        let mut watched = vec![base];
        while watched.len() < 12 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let item = base + (state >> 33) % 20;
            if !watched.contains(&item) {
                watched.push(item);
            }
        }
        for item in watched {
            log.push_str(&format!("u{user}\ti{item}\t4\n"));
        }
    }
    let file = regie.scratch("log").join("synthetic.inter");
    std::fs::write(&file, log).unwrap();
    let report = regie.json(&["recommend", "--evaluate", file.to_str().unwrap(), "--json"]);
    assert_eq!(
        (report["interactions"].as_u64(), report["users"].as_u64(), report["items"].as_u64()),
        (Some(1440), Some(120), Some(40))
    );
    let recall = |name: &str| {
        report["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|model| model["model"].as_str().unwrap().starts_with(name))
            .unwrap()["recall_at_10"]
            .as_f64()
            .unwrap()
    };
    assert!(recall("ease") > recall("pop") + 0.2, "{report:#}");
    assert!(recall("itemknn") > recall("pop") + 0.2, "{report:#}");
    let unreadable = regie.run(&["recommend", "--evaluate", "/nonexistent.inter"]);
    assert_eq!(unreadable.status.code(), Some(2));
}
