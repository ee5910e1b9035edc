//! Search from the CLI and over HTTP: folding and stemming on metadata from sidecars, spoken
//! lines from subtitle sidecars with their moment, imported records with the thesaurus and
//! indexing rules, facets, date order and cursors, the index rebuilt after it is deleted, and
//! hits and facet counts filtered by the caller's permissions.

use serde_json::{Value, json};

use crate::fixtures::distinct_wavs;
use crate::harness::TestRegie;
use crate::served::{Served, ingest_into};

/// Two assets: a French news bulletin in `news`, an English sports programme in `sport`.
fn described(regie: &TestRegie) -> (String, String) {
    let inbox = regie.scratch("inbox");
    let wavs = distinct_wavs(&inbox, 2);
    let sidecar = |wav: &std::path::Path, body: Value| {
        std::fs::write(wav.with_extension("json"), serde_json::to_vec(&body).unwrap()).unwrap();
    };
    sidecar(
        &wavs[0],
        json!({"title": "Le Journal de 20 heures", "synopsis": "Les journaux télévisés du soir.", "language": "fr", "contributors": ["Anne Durand"]}),
    );
    std::fs::write(
        wavs[0].with_extension("fr.srt"),
        "1\n00:00:00,500 --> 00:00:01,500\nBonsoir.\n\n2\n00:00:02,250 --> 00:00:03,000\n<i>La tempête</i> a frappé la Bretagne.\n",
    )
    .unwrap();
    std::fs::write(wavs[1].with_extension("en.vtt"), "WEBVTT\n\n00:01.000 --> later\nHello\n").unwrap();
    sidecar(
        &wavs[1],
        json!({"title": "Evening football programmes", "synopsis": "Highlights of the Television coverage.", "language": "en"}),
    );
    (ingest_into(regie, &wavs[0], "news/2026"), ingest_into(regie, &wavs[1], "sport"))
}

fn hit_ids(results: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        results["hits"].as_array().unwrap().iter().map(|hit| hit["asset_id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[test]
fn ingested_metadata_is_found_folded_and_stemmed_and_survives_a_lost_index() {
    let regie = TestRegie::new();
    let (news, sport) = described(&regie);
    let mut both = vec![news.clone(), sport.clone()];
    both.sort();
    assert_eq!(hit_ids(&regie.json(&["search", "television", "--json"])), both);
    let journal = regie.json(&["search", "journaux", "--json"]);
    assert_eq!(hit_ids(&journal), vec![news.clone()]);
    assert_eq!(journal["hits"][0]["field"], json!("title"));
    assert_eq!(hit_ids(&regie.json(&["search", "\"anne durand\"", "--json"])), vec![news.clone()]);
    assert_eq!(hit_ids(&regie.json(&["search", "programme", "collection:sport", "--json"])), vec![sport.clone()]);
    assert_eq!(
        hit_ids(&regie.json(&["search", "--json", "--", "television", "-collection:sport"])),
        vec![news.clone()]
    );
    assert_eq!(hit_ids(&regie.json(&["search", "codec:pcm_s24le", "duration:<60", "--json"])), both);
    // Tags edited later are found.
    regie.json(&["assets", "tag", &sport, "Coupe", "--json"]);
    assert_eq!(hit_ids(&regie.json(&["search", "tag:coupe", "--json"])), vec![sport.clone()]);
    let refused = regie.run(&["search", "nosuchfield:x", "--json"]);
    assert_eq!(refused.status.code(), Some(2), "an invalid query is invalid input");

    // A spoken line: the asset and the moment, stemmed and folded (tempêtes → tempête).
    let spoken = regie.json(&["search", "tempetes", "bretagne", "--json"]);
    assert_eq!(hit_ids(&spoken), vec![news.clone()]);
    assert_eq!(spoken["hits"][0]["field"], json!("subtitles"));
    assert_eq!(spoken["hits"][0]["timecode"], json!("00:00:02.250"));
    assert!(spoken["hits"][0]["snippet"].as_str().unwrap().contains("<b>tempête</b>"), "{spoken}");
    let broken = regie.json(&["assets", "show", &sport, "--json"]);
    let codes: Vec<&str> = broken["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"subtitles-unreadable"), "an unreadable subtitle file is a finding: {codes:?}");
    let shown = regie.json(&["assets", "show", &news, "--json"]);
    assert_eq!(shown["subtitles"][0]["language"], json!("fr"));
    assert_eq!(shown["subtitles"][0]["cues"], json!(2));
    let human = regie.run(&["search", "bretagne"]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("@00:00:02.250"), "the moment is printed");

    // The index is derived: deleted, it is rebuilt from the catalogue with the same answers.
    let everything = ["search", "*", "--facets", "--json"];
    let queries: [&[&str]; 3] = [&["search", "television", "--json"], &["search", "bretagne", "--json"], &everything];
    let before: Vec<Value> = queries.iter().map(|query| regie.json(query)).collect();
    assert_eq!(before[2]["facets"]["collection"].as_array().unwrap().len(), 2, "{}", before[2]);
    std::fs::remove_dir_all(regie.data().join("search")).unwrap();
    assert_eq!(regie.json(&["search", "reindex", "--json"])["documents"], json!(2));
    for (query, before) in queries.iter().zip(&before) {
        let after = regie.json(query);
        assert_eq!(hit_ids(before), hit_ids(&after));
        assert_eq!(before["total"], after["total"]);
        assert_eq!(before["facets"], after["facets"]);
        assert_eq!(before["hits"][0]["timecode"], after["hits"][0]["timecode"]);
    }
    std::fs::remove_dir_all(regie.data().join("search")).unwrap();
    assert_eq!(hit_ids(&regie.json(&["search", "tag:coupe", "--json"])), vec![sport], "a lost index is rebuilt on use");
}

#[test]
fn search_over_http_never_reveals_what_the_caller_cannot_read() {
    let regie = TestRegie::new();
    let (news, _) = described(&regie);
    let served = Served::start(regie);
    served.add_user("anne", "admin");
    served.add_user("eve", "editor");
    served.regie.json(&["grants", "add", "--collection", "news", "--to", "user:eve", "--role", "editor", "--json"]);
    let (anne, eve) = (served.login("anne"), served.login("eve"));
    assert_eq!(served.get("/api/v1/search?q=television", &anne).json()["total"], json!(2));
    let seen = served.get("/api/v1/search?q=television", &eve).json();
    assert_eq!(seen["total"], json!(1), "the sport asset is not even counted");
    assert_eq!(hit_ids(&seen), vec![news]);
    assert!(served.get("/api/v1/search?q=football", &eve).json()["hits"].as_array().unwrap().is_empty());
    let bad = served.get("/api/v1/search?q=duration:%3Eforever", &eve);
    assert_eq!((bad.status, bad.code()), (400, "invalid-query".to_owned()));
    // Facet counts follow the same filter: eve's collection facet knows nothing of sport.
    let all = served.get("/api/v1/search?q=*&facets=collection,codec,year", &anne).json();
    assert_eq!(all["facets"]["collection"].as_array().unwrap().len(), 2, "{all}");
    let hers = served.get("/api/v1/search?q=*&facets=collection,codec,year", &eve).json();
    assert_eq!(hers["facets"]["collection"], json!([{"value": "news/2026", "count": 1}]));
    assert_eq!(hers["facets"]["codec"][0]["count"], json!(1), "{hers}");
    let bad_facet = served.get("/api/v1/search?q=*&facets=password", &eve);
    assert_eq!((bad_facet.status, bad_facet.code()), (400, "invalid-query".to_owned()));
    // Paging with the cursor the previous page gave.
    let first = served.get("/api/v1/search?q=*&limit=1&sort=date", &anne).json();
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let second = served.get(&format!("/api/v1/search?q=*&limit=1&sort=date&cursor={cursor}"), &anne).json();
    assert_eq!(second["next_cursor"], Value::Null);
    assert_ne!(hit_ids(&first), hit_ids(&second));
}

const THESAURUS: &str = r#"
[search.fields]
department = "faceted"
series = "stored"
synopsis = "indexed"
rights_holder = "ignored"

[search.thesaurus]
"journal télévisé" = ["JT", "journal TV"]
"#;

#[test]
fn imported_records_are_catalogued_normalised_and_found() {
    let regie = TestRegie::new();
    std::fs::create_dir_all(regie.data()).unwrap();
    std::fs::write(regie.data().join("regie.toml"), THESAURUS).unwrap();
    let scratch = regie.scratch("records");
    let jsonl = scratch.join("archive.jsonl");
    std::fs::write(
        &jsonl,
        [
            r#"{"house_id": "ARC-0001", "collection": "archive/news", "title": "Le journal du soir", "language": "fr", "keywords": ["JT", "Météo"], "tags": ["Archive"], "air_date": "1998-03-14", "fields": {"department": "Rédaction"}, "rights_holder": "Agence Lumière", "technical": {"container": "mxf", "codecs": ["mpeg2video"], "height": 576, "duration_s": 1800}}"#,
            r#"{"house_id": "ARC-0002", "collection": "archive/sport", "title": "Football night", "language": "en", "capture_date": "2001-07", "fields": {"department": "Sports"}, "technical": {"height": 1080, "frame_rate": 25}}"#,
            r#"{"house_id": "ARC-0003", "air_date": "1998-02-30"}"#,
            "{not json",
            "",
        ]
        .join("
"),
    )
    .unwrap();
    let output = regie.run(&["import-metadata", jsonl.to_str().unwrap(), "--json"]);
    assert_eq!(output.status.code(), Some(1), "refused records make the exit code 1");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (report["records"].clone(), report["created"].clone(), report["refused"].clone()),
        (json!(4), json!(2), json!(2))
    );
    assert_eq!(report["refusals"][0]["line"], json!(3));
    assert!(report["refusals"][0]["reason"].as_str().unwrap().contains("air_date"), "{report}");
    assert_eq!(report["refusals"][1]["line"], json!(4));
    assert_eq!(report["indexed"], json!(2));

    // A CSV updates one record (keeping what it does not say) and creates another.
    let csv = scratch.join("more.csv");
    std::fs::write(
        &csv,
        "house_id,collection,series,synopsis,tags,department\n\
         ARC-0001,,Le 20h,Les journaux télévisés de la soirée,\"rediffusion;archive\",\n\
         ARC-0004,archive/news,,Un bulletin,,Rédaction\n",
    )
    .unwrap();
    let second = regie.json(&["import-metadata", csv.to_str().unwrap(), "--json"]);
    assert_eq!((second["created"].clone(), second["updated"].clone()), (json!(1), json!(1)), "{second}");
    let shown = regie.json(&["assets", "show", "ARC-0001", "--json"]);
    assert_eq!(shown["metadata"]["title"], json!("Le journal du soir"), "kept");
    assert_eq!(shown["metadata"]["series"], json!("Le 20h"), "added");
    assert_eq!(shown["metadata"]["keywords"], json!(["journal télévisé", "Météo"]), "JT normalised at import");
    assert_eq!(shown["tags"], json!(["archive", "rediffusion"]));
    assert_eq!(shown["collection"], json!("archive/news"));
    assert!(shown["files"].as_array().unwrap().is_empty(), "a record without media");

    // The synonym finds the preferred term and the other way round; stemming applies.
    let jt = regie.json(&["search", "JT", "--json"]);
    assert_eq!(jt["total"], json!(1));
    assert_eq!(jt["hits"][0]["house_id"], json!("ARC-0001"));
    assert_eq!(jt["hits"][0]["fields"]["series"], json!("Le 20h"), "stored fields come back");
    assert_eq!(regie.json(&["search", "\"journal TV\"", "--json"])["total"], json!(1));
    assert_eq!(regie.json(&["search", "lumiere", "--json"])["total"], json!(0), "rights holder ignored by rule");
    assert_eq!(regie.json(&["search", "department:redaction", "--json"])["total"], json!(0), "exact values");
    assert_eq!(regie.json(&["search", "department:rédaction", "--json"])["total"], json!(2));
    assert_eq!(regie.json(&["search", "aired:1998", "resolution:sd", "--json"])["total"], json!(1));
    assert_eq!(regie.json(&["search", "captured:2001-01..2001-12", "fps:25", "--json"])["total"], json!(1));

    // Facets count every match; date order puts 2001 first.
    let faceted =
        regie.json(&["search", "*", "--facets=collection,year,department,resolution", "--sort", "date", "--json"]);
    assert_eq!(faceted["total"], json!(3));
    let counts = |facet: &str| -> Vec<(String, u64)> {
        let mut counts: Vec<(String, u64)> = faceted["facets"][facet]
            .as_array()
            .unwrap()
            .iter()
            .map(|value| (value["value"].as_str().unwrap().to_owned(), value["count"].as_u64().unwrap()))
            .collect();
        counts.sort();
        counts
    };
    assert_eq!(counts("collection"), vec![("archive/news".into(), 2), ("archive/sport".into(), 1)]);
    assert_eq!(counts("department"), vec![("Rédaction".into(), 2), ("Sports".into(), 1)]);
    assert_eq!(counts("resolution"), vec![("HD".into(), 1), ("SD".into(), 1)]);
    assert_eq!(faceted["hits"][0]["house_id"], json!("ARC-0004"), "ingested today: the newest");
    assert_eq!(faceted["hits"][1]["house_id"], json!("ARC-0002"), "captured 2001");
    assert_eq!(faceted["hits"][2]["house_id"], json!("ARC-0001"), "aired 1998");
    let missing = regie.run(&["import-metadata", scratch.join("nothing.jsonl").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(3));
    let wrong_kind = regie.run(&["import-metadata", regie.data().join("regie.toml").to_str().unwrap()]);
    assert_eq!(wrong_kind.status.code(), Some(2));
}
