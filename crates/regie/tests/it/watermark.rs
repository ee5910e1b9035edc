//! Screeners' invisible marks: made per recipient, read back from a leaked copy that was
//! re-encoded, rescaled and trimmed, and not read from an unmarked copy or another recipient's.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixtures::ffmpeg;
use crate::harness::TestRegie;
use crate::previews::blob;

/// 20 s of moving pictures with grain, and a tone.
fn programme(folder: &Path, name: &str, source: &str) -> PathBuf {
    let path = folder.join(name);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        source,
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        "20",
        "-vf",
        "noise=alls=10:allf=t,format=yuv420p",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "20",
        "-c:a",
        "aac",
        "-shortest",
        path.to_str().unwrap(),
    ]);
    path
}

/// What a leak does to a copy: cut from `from` for `seconds`, shrunk to `height`, re-encoded
/// at a low bit rate.
fn leak(input: &Path, output: &Path, from: &str, seconds: &str, height: &str, kbps: &str) {
    ffmpeg(&[
        "-ss",
        from,
        "-i",
        input.to_str().unwrap(),
        "-t",
        seconds,
        "-vf",
        &format!("scale=-2:{height}"),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-b:v",
        &format!("{kbps}k"),
        "-c:a",
        "aac",
        output.to_str().unwrap(),
    ]);
}

fn detect(regie: &TestRegie, file: &Path, extra: &[&str]) -> (i32, Value) {
    let mut arguments = vec!["watermark", "detect", file.to_str().unwrap(), "--json"];
    arguments.extend(extra);
    let output = regie.run(&arguments);
    let answer: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    let read = answer["found"].get(0).or(answer.get("strongest")).cloned().unwrap_or_default();
    eprintln!(
        "{}: {} strength {}, weakest tone {}, with the original {}",
        file.display(),
        read["recipient"],
        read["strength"],
        read["weakest"],
        read["with_original"]
    );
    (output.status.code().unwrap_or(-1), answer)
}

fn recipients(answer: &Value) -> Vec<String> {
    answer["found"].as_array().unwrap().iter().map(|found| found["recipient"].as_str().unwrap().to_owned()).collect()
}

fn screener_file(regie: &TestRegie, asset: &str, rendition: &str) -> PathBuf {
    let shown = regie.json(&["assets", "show", asset, "--json"]);
    let made = shown["renditions"].as_array().unwrap().iter().find(|made| made["profile"] == rendition);
    let made = made.unwrap_or_else(|| panic!("no rendition {rendition}: {shown:#}"));
    let main = made["files"].as_array().unwrap().iter().find(|file| file["path"] == made["main_file"]).unwrap();
    blob(regie, main["blake3"].as_str().unwrap())
}

#[test]
fn a_leaked_screener_names_its_recipient_after_re_encoding_rescaling_and_trimming() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let news = programme(&inbox, "news.mp4", "testsrc2=size=640x360:rate=25");
    let film = programme(&inbox, "film.mp4", "mandelbrot=size=640x360:rate=25");
    let (code, lines) = regie.ingest(&[&news, &film], &[]);
    assert_eq!(code, 0, "{lines:?}");
    let id = |name: &str| {
        let line = lines.iter().find(|line| line["path"].as_str().unwrap().ends_with(name)).unwrap();
        line["asset_id"].as_str().unwrap().to_owned()
    };
    let (news, film) = (id("news.mp4"), id("film.mp4"));
    let profile = regie.scratch("profiles").join("review.toml");
    std::fs::write(
        &profile,
        "name = \"review\"\ncontainer = \"mp4\"\nspeed = \"fast\"\n[video]\ncodec = \"h264\"\nmax_height = 360\n\
         bitrate_kbps = 900\n[audio]\ncodec = \"aac\"\nchannels = 2\nbitrate_kbps = 96\n[watermark]\n",
    )
    .unwrap();
    let profile = profile.display().to_string();
    // Two recipients of the news, one of the film: the film's first recipient gets the same
    // code as the news' first (codes are per programme).
    for (asset, recipient) in [(&news, "ACME Films"), (&news, "Bravo"), (&film, "Charlie TV")] {
        regie.json(&["transcode", asset, "--profile", &profile, "--recipient", recipient, "--json"]);
    }
    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let made = regie.audit_entries("screener.made");
    assert_eq!(made.len(), 3, "{made:#?}");
    assert!(made.iter().any(|entry| entry["detail"].as_str().unwrap().contains("invisible mark 1")), "{made:#?}");

    // ACME's copy, trimmed to 13 s from 3 s in, shrunk to 240 lines, re-encoded at 200 kbit/s.
    let leaks = regie.scratch("leaks");
    let acme = leaks.join("acme.mp4");
    leak(&screener_file(&regie, &news, "review-acme-films"), &acme, "3", "13", "240", "200");
    let (code, answer) = detect(&regie, &acme, &[]);
    assert_eq!((code, recipients(&answer)), (0, vec!["ACME Films".to_owned()]), "{answer:#}");
    assert_eq!(answer["found"][0]["asset_id"], news.as_str());
    assert!(answer["found"][0]["weakest"].as_f64().unwrap() >= 3.0, "{answer:#}");
    // Read against the original: the clip was found in the news' original by its pictures.
    assert_eq!(answer["found"][0]["with_original"], true, "{answer:#}");
    assert_eq!(answer["compared"], 3);
    // The film's Charlie has the same code: the news' pictures tell them apart.
    assert!(answer["note"].as_str().unwrap_or_default().contains("recognised from its pictures"), "{answer:#}");

    // Bravo's copy, rescaled up to 540 lines and trimmed: Bravo, not ACME.
    let bravo = leaks.join("bravo.mp4");
    leak(&screener_file(&regie, &news, "review-bravo"), &bravo, "4", "14", "540", "700");
    let (code, answer) = detect(&regie, &bravo, &[]);
    assert_eq!((code, recipients(&answer)), (0, vec!["Bravo".to_owned()]), "{answer:#}");
    let (code, answer) = detect(&regie, &bravo, &["--asset", &news]);
    assert_eq!((code, recipients(&answer)), (0, vec!["Bravo".to_owned()]), "{answer:#}");

    // Charlie's copy of the film: Charlie.
    let charlie = leaks.join("charlie.mp4");
    leak(&screener_file(&regie, &film, "review-charlie-tv"), &charlie, "2", "14", "240", "250");
    let (code, answer) = detect(&regie, &charlie, &[]);
    assert_eq!((code, recipients(&answer)), (0, vec!["Charlie TV".to_owned()]), "{answer:#}");

    // The unmarked programme treated the same way: nobody, exit 1.
    let clean = leaks.join("clean.mp4");
    leak(&news_path(&inbox), &clean, "3", "13", "240", "200");
    let (code, answer) = detect(&regie, &clean, &[]);
    assert_eq!((code, recipients(&answer)), (1, Vec::<String>::new()), "{answer:#}");
    assert!(answer["note"].as_str().unwrap().contains("no recipient"), "{answer:#}");

    // Too short to read, and not a file: clear refusals.
    let short = leaks.join("short.mp4");
    leak(&acme, &short, "0", "4", "240", "200");
    let refused = regie.run(&["watermark", "detect", short.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("at least 8 s"), "{refused:?}");
    let missing = regie.run(&["watermark", "detect", leaks.join("nothing.mp4").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(3));
}

fn news_path(inbox: &Path) -> PathBuf {
    inbox.join("news.mp4")
}
