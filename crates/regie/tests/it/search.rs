//! Search from the CLI and over HTTP: folding and stemming on metadata from sidecars, the index
//! rebuilt after it is deleted, and hits filtered by the caller's permissions.

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

    // The index is derived: deleted, it is rebuilt from the catalogue with the same answers.
    let before = regie.json(&["search", "television", "--json"]);
    std::fs::remove_dir_all(regie.data().join("search")).unwrap();
    assert_eq!(regie.json(&["search", "reindex", "--json"])["documents"], json!(2));
    let after = regie.json(&["search", "television", "--json"]);
    assert_eq!(hit_ids(&before), hit_ids(&after));
    assert_eq!(before["total"], after["total"]);
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
}
