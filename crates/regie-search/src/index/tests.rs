use super::*;

fn document(id: &str, collection: &str, language: &str, title: &str, synopsis: &str) -> SearchDocument {
    SearchDocument {
        asset_id: id.into(),
        house_id: format!("H-{id}"),
        name: format!("{id}.mxf"),
        collection: collection.into(),
        language: Some(language.into()),
        title: Some(title.into()),
        synopsis: Some(synopsis.into()),
        ingested_at: "2026-03-14T10:00:00Z".into(),
        ..Default::default()
    }
}

fn catalogue() -> (tempfile::TempDir, SearchIndex) {
    let folder = tempfile::tempdir().unwrap();
    let (index, rebuilt) = SearchIndex::open(&folder.path().join("search")).unwrap();
    assert!(rebuilt, "a new index must be filled");
    let mut journal = document(
        "a",
        "news/2026",
        "fr",
        "Le journal de 20 heures",
        "Les journaux télévisés du soir, présentés par Anne Durand.",
    );
    journal.codecs = vec!["mpeg2video".into(), "pcm_s24le".into()];
    journal.duration_s = Some(1800.0);
    journal.tags = vec!["JT".into()];
    let mut match_report =
        document("b", "sport", "en", "Evening football programmes", "Highlights of the television coverage.");
    match_report.codecs = vec!["h264".into(), "aac".into()];
    match_report.duration_s = Some(300.0);
    match_report.ingested_at = "2026-07-02T08:00:00Z".into();
    let mut private = document("c", "inbox", "fr", "Rushes tournage", "Images brutes.");
    private.owner_id = Some("u-eve".into());
    index.write(&[journal, match_report, private], &[]).unwrap();
    (folder, index)
}

fn ids(index: &SearchIndex, query: &str, visible: &Visibility) -> Vec<String> {
    let mut ids: Vec<String> =
        index.search(query, visible, 10).unwrap().hits.into_iter().map(|hit| hit.asset_id).collect();
    ids.sort();
    ids
}

#[test]
fn accents_are_folded_and_words_stemmed_in_both_languages() {
    let (_folder, index) = catalogue();
    assert_eq!(ids(&index, "television", &Visibility::All), vec!["a", "b"], "télévisés and television");
    assert_eq!(ids(&index, "journal", &Visibility::All), vec!["a"], "journaux is journal in French");
    assert_eq!(ids(&index, "programme", &Visibility::All), vec!["b"], "programmes in English");
    assert_eq!(ids(&index, "présentés", &Visibility::All), vec!["a"]);
    assert_eq!(ids(&index, "PRESENTE", &Visibility::All), vec!["a"]);
}

#[test]
fn phrases_prefixes_fields_and_operators() {
    let (_folder, index) = catalogue();
    assert_eq!(ids(&index, "\"anne durand\"", &Visibility::All), vec!["a"]);
    assert!(ids(&index, "\"durand anne\"", &Visibility::All).is_empty());
    assert_eq!(ids(&index, "tourn*", &Visibility::All), vec!["c"]);
    assert_eq!(ids(&index, "title:football", &Visibility::All), vec!["b"]);
    assert!(ids(&index, "synopsis:football", &Visibility::All).is_empty());
    assert_eq!(ids(&index, "codec:H264 OR codec:mpeg2video", &Visibility::All), vec!["a", "b"]);
    assert_eq!(ids(&index, "tag:jt", &Visibility::All), vec!["a"]);
    assert_eq!(ids(&index, "collection:news", &Visibility::All), vec!["a"]);
    assert_eq!(ids(&index, "-collection:news", &Visibility::All), vec!["b", "c"]);
    assert_eq!(
        ids(&index, "television NOT sport", &Visibility::All),
        vec!["a", "b"],
        "sport is a word, not the collection"
    );
    assert!(index.search("nosuchfield:x", &Visibility::All, 10).is_err());
}

#[test]
fn ranges_on_duration_and_ingest_date() {
    let (_folder, index) = catalogue();
    assert_eq!(ids(&index, "duration:>600", &Visibility::All), vec!["a"]);
    assert_eq!(ids(&index, "duration:<=300", &Visibility::All), vec!["b"]);
    assert_eq!(ids(&index, "duration:100..2000", &Visibility::All), vec!["a", "b"]);
    assert_eq!(ids(&index, "ingested:2026-01..2026-06", &Visibility::All), vec!["a", "c"]);
    assert_eq!(ids(&index, "ingested:2026-07", &Visibility::All), vec!["b"]);
    assert_eq!(ids(&index, "ingested:>2026-03-14", &Visibility::All), vec!["b"]);
    assert!(index.search("ingested:March", &Visibility::All, 10).is_err());
}

#[test]
fn hits_and_totals_respect_visibility() {
    let (_folder, index) = catalogue();
    let newsroom = Visibility::Limited { collections: vec!["news".into()], owner_id: Some("u-eve".into()) };
    assert_eq!(ids(&index, "", &newsroom), vec!["a", "c"], "the grant's tree and the caller's own asset");
    let results = index.search("television", &newsroom, 10).unwrap();
    assert_eq!(results.total, 1, "the sport asset is not counted");
    let nothing = Visibility::Limited { collections: vec![], owner_id: None };
    assert_eq!(index.search("", &nothing, 10).unwrap().total, 0);
    let hit = &index.search("journaux", &Visibility::All, 10).unwrap().hits[0];
    assert_eq!(hit.field.as_deref(), Some("title"));
    assert!(hit.snippet.as_deref().unwrap().contains("<b>journal</b>"), "{hit:?}");
}

#[test]
fn replacing_and_removing_documents_and_reopening() {
    let (folder, index) = catalogue();
    let renamed = document("a", "news/2026", "fr", "Édition spéciale", "Soirée électorale.");
    index.write(&[renamed], &["c".into()]).unwrap();
    assert_eq!(index.len(), 2);
    assert!(ids(&index, "journal", &Visibility::All).is_empty());
    assert_eq!(ids(&index, "electorale", &Visibility::All), vec!["a"]);
    drop(index);
    let (reopened, rebuilt) = SearchIndex::open(&folder.path().join("search")).unwrap();
    assert!(!rebuilt);
    assert_eq!(reopened.len(), 2);
    drop(reopened);
    std::fs::write(folder.path().join("search/schema-version"), "0").unwrap();
    let (fresh, rebuilt) = SearchIndex::open(&folder.path().join("search")).unwrap();
    assert!(rebuilt && fresh.is_empty(), "an index of another schema is rebuilt, never trusted");
    std::fs::write(folder.path().join("search/tantivy/meta.json"), "garbage").unwrap();
    let (_, rebuilt) = SearchIndex::open(&folder.path().join("search")).unwrap();
    assert!(rebuilt, "a corrupt index is rebuilt");
}
