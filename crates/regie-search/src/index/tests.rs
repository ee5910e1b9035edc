use std::collections::BTreeMap;

use regie_core::access::Visibility;

use super::*;
use crate::{Cue, FieldRule, IndexRules, ThesaurusEntry};

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
    let (index, rebuilt) = SearchIndex::open(&folder.path().join("search"), rules()).unwrap();
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
    journal.air_date = Some("2026-03-14".into());
    journal.rights_holder = Some("Agence Lumière".into());
    journal.series = Some("Le 20h".into());
    journal.episode = Some("Les journaux".into());
    journal.fields = BTreeMap::from([("department".into(), "Rédaction".into())]);
    journal.cues = vec![
        Cue {
            start_ms: 1_000,
            text: "Bonsoir à tous.".into(),
            language: Some("fr".into()),
            kind: None,
            timecode: None,
        },
        Cue {
            start_ms: 754_560,
            text: "La tempête a frappé la Bretagne cette nuit.".into(),
            language: Some("fr".into()),
            kind: None,
            timecode: None,
        },
        Cue {
            start_ms: 900_000,
            text: "Interview du maire sur les digues".into(),
            language: None,
            kind: Some("marker".into()),
            timecode: Some("10:15:00:00".into()),
        },
    ];
    let mut match_report =
        document("b", "sport", "en", "Evening football programmes", "Highlights of the television coverage.");
    match_report.codecs = vec!["h264".into(), "aac".into()];
    match_report.duration_s = Some(300.0);
    match_report.ingested_at = "2026-07-02T08:00:00Z".into();
    match_report.keywords = vec!["news bulletin".into()];
    match_report.episode = Some("Journées".into());
    match_report.capture_date = Some("2025-11".into());
    match_report.fields = BTreeMap::from([("department".into(), "Sports".into())]);
    let mut private = document("c", "inbox", "fr", "Rushes tournage", "Images brutes.");
    private.owner_id = Some("u-eve".into());
    index.write(&[journal, match_report, private], &[]).unwrap();
    (folder, index)
}

fn rules() -> IndexRules {
    IndexRules {
        fields: BTreeMap::from([
            ("rights_holder".into(), FieldRule::Ignored),
            ("department".into(), FieldRule::Faceted),
            ("series".into(), FieldRule::Stored),
        ]),
        languages: BTreeMap::from([("episode".into(), "en".into())]),
        thesaurus: vec![ThesaurusEntry {
            preferred: "journal télévisé".into(),
            synonyms: vec!["JT".into(), "news bulletin".into()],
        }],
    }
}

fn find(index: &SearchIndex, query: &str, visible: &Visibility, limit: usize) -> Result<SearchResults, SearchError> {
    index.search(&SearchRequest {
        text: query,
        visible,
        limit,
        cursor: None,
        sort: SortOrder::Relevance,
        facets: &[],
        semantic: &[],
    })
}

fn ids(index: &SearchIndex, query: &str, visible: &Visibility) -> Vec<String> {
    let mut ids: Vec<String> =
        find(index, query, visible, 10).unwrap().hits.into_iter().map(|hit| hit.asset_id).collect();
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
    assert!(find(&index, "nosuchfield:x", &Visibility::All, 10).is_err());
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
    assert!(find(&index, "ingested:March", &Visibility::All, 10).is_err());
}

#[test]
fn hits_and_totals_respect_visibility() {
    let (_folder, index) = catalogue();
    let newsroom = Visibility::Limited { collections: vec!["news".into()], owner_id: Some("u-eve".into()) };
    assert_eq!(ids(&index, "", &newsroom), vec!["a", "c"], "the grant's tree and the caller's own asset");
    let results = find(&index, "television", &newsroom, 10).unwrap();
    assert_eq!(results.total, 1, "the sport asset is not counted");
    let nothing = Visibility::Limited { collections: vec![], owner_id: None };
    assert_eq!(find(&index, "", &nothing, 10).unwrap().total, 0);
    let hit = &find(&index, "journaux", &Visibility::All, 10).unwrap().hits[0];
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
    let (reopened, rebuilt) = SearchIndex::open(&folder.path().join("search"), rules()).unwrap();
    assert!(!rebuilt);
    assert_eq!(reopened.len(), 2);
    reopened.mark_stale();
    drop(reopened);
    let (stale, rebuilt) = SearchIndex::open(&folder.path().join("search"), rules()).unwrap();
    assert!(rebuilt && stale.is_empty(), "an index marked stale after a failed write is rebuilt");
    drop(stale);
    std::fs::write(folder.path().join("search/schema-version"), "0").unwrap();
    let (fresh, rebuilt) = SearchIndex::open(&folder.path().join("search"), rules()).unwrap();
    assert!(rebuilt && fresh.is_empty(), "an index of another schema is rebuilt, never trusted");
    drop(fresh);
    let (_, rebuilt) = SearchIndex::open(&folder.path().join("search"), IndexRules::default()).unwrap();
    assert!(rebuilt, "an index filled under other rules is rebuilt");
    std::fs::write(folder.path().join("search/tantivy/meta.json"), "garbage").unwrap();
    let (_, rebuilt) = SearchIndex::open(&folder.path().join("search"), rules()).unwrap();
    assert!(rebuilt, "a corrupt index is rebuilt");
}

fn request<'a>(text: &'a str, visible: &'a Visibility, facets: &'a [String]) -> SearchRequest<'a> {
    SearchRequest { text, visible, limit: 10, cursor: None, sort: SortOrder::Relevance, facets, semantic: &[] }
}

fn counts(results: &SearchResults, facet: &str) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> =
        results.facets[facet].iter().map(|count| (count.value.clone(), count.count)).collect();
    counts.sort();
    counts
}

#[test]
fn facets_count_what_the_caller_may_read() {
    let (_folder, index) = catalogue();
    let names: Vec<String> =
        ["collection", "codec", "year", "tag", "department", "language"].map(String::from).to_vec();
    let everything = index.search(&request("", &Visibility::All, &names)).unwrap();
    assert_eq!(
        counts(&everything, "collection"),
        vec![("inbox".into(), 1), ("news/2026".into(), 1), ("sport".into(), 1)]
    );
    assert_eq!(counts(&everything, "codec").iter().find(|(codec, _)| codec == "h264"), Some(&("h264".into(), 1)));
    assert_eq!(counts(&everything, "year"), vec![("2025".into(), 1), ("2026".into(), 2)], "air, capture, ingest");
    assert_eq!(counts(&everything, "department"), vec![("Rédaction".into(), 1), ("Sports".into(), 1)]);
    assert_eq!(counts(&everything, "language"), vec![("en".into(), 1), ("fr".into(), 2)]);
    let newsroom = Visibility::Limited { collections: vec!["news".into()], owner_id: None };
    let limited = index.search(&request("", &newsroom, &names)).unwrap();
    assert_eq!(limited.total, 1);
    assert_eq!(counts(&limited, "collection"), vec![("news/2026".into(), 1)], "no count reveals sport or inbox");
    assert_eq!(counts(&limited, "department"), vec![("Rédaction".into(), 1)]);
    let unknown = vec!["rights_holder".to_owned()];
    assert!(index.search(&request("", &Visibility::All, &unknown)).is_err(), "not a faceted field");
}

#[test]
fn sorting_by_date_and_paging_with_cursors() {
    let (_folder, index) = catalogue();
    let mut sorted = request("", &Visibility::All, &[]);
    sorted.sort = SortOrder::Newest;
    sorted.limit = 2;
    let first = index.search(&sorted).unwrap();
    // Dates: a aired 2026-03-14, b captured 2025-11, c ingested 2026-03-14T10:00.
    let order: Vec<&str> = first.hits.iter().map(|hit| hit.asset_id.as_str()).collect();
    assert_eq!(order, vec!["c", "a"]);
    assert!(first.hits[0].score.is_none());
    let cursor = first.next_cursor.clone().expect("a second page");
    sorted.cursor = Some(&cursor);
    let second = index.search(&sorted).unwrap();
    assert_eq!(second.hits.iter().map(|hit| hit.asset_id.as_str()).collect::<Vec<_>>(), vec!["b"]);
    assert_eq!(second.next_cursor, None);
    sorted.cursor = Some("garbage");
    assert!(index.search(&sorted).is_err());
}

#[test]
fn subtitle_hits_carry_the_moment() {
    let (_folder, index) = catalogue();
    let results = find(&index, "tempêtes bretagne", &Visibility::All, 10).unwrap();
    assert_eq!(results.total, 1);
    let hit = &results.hits[0];
    assert_eq!(hit.asset_id, "a");
    assert_eq!(hit.field.as_deref(), Some("subtitles"));
    assert_eq!(hit.timecode.as_deref(), Some("00:12:34.560"));
    assert_eq!(hit.time_s, Some(754.56));
    assert!(hit.snippet.as_deref().unwrap().contains("<b>tempête</b>"), "{hit:?}");
    assert_eq!(ids(&index, "subtitles:bonsoir", &Visibility::All), vec!["a"]);
    assert!(ids(&index, "title:bonsoir", &Visibility::All).is_empty());
}

#[test]
fn segment_hits_name_the_source_timecode_and_kind() {
    let (_folder, index) = catalogue();
    let results = find(&index, "maire digues", &Visibility::All, 10).unwrap();
    assert_eq!(results.total, 1);
    let hit = &results.hits[0];
    assert_eq!((hit.asset_id.as_str(), hit.field.as_deref()), ("a", Some("segments")));
    assert_eq!(hit.timecode.as_deref(), Some("10:15:00:00"));
    assert_eq!(hit.segment_kind.as_deref(), Some("marker"));
    assert_eq!(hit.time_s, Some(900.0));
}

#[test]
fn synonyms_expand_queries_both_ways() {
    let (_folder, index) = catalogue();
    // a is tagged JT but its text says "journaux télévisés"; b's keyword is "news bulletin".
    assert_eq!(ids(&index, "JT", &Visibility::All), vec!["a", "b"]);
    assert_eq!(ids(&index, "\"journal télévisé\"", &Visibility::All), vec!["a", "b"]);
    assert_eq!(ids(&index, "keywords:jt", &Visibility::All), vec!["b"]);
}

#[test]
fn rules_decide_what_is_indexed_returned_and_in_which_language() {
    let (_folder, index) = catalogue();
    assert!(ids(&index, "lumiere", &Visibility::All).is_empty(), "rights_holder is ignored");
    assert_eq!(ids(&index, "department:sports", &Visibility::All), vec!["b"]);
    assert_eq!(ids(&index, "redaction", &Visibility::All), vec!["a"], "house field values are words too");
    let hit = &find(&index, "journaux", &Visibility::All, 10).unwrap().hits[0];
    assert_eq!(hit.fields.as_ref().unwrap()["series"], "Le 20h", "stored fields come back with hits");
    assert_eq!(hit.fields.as_ref().unwrap()["department"], "Rédaction");
    // Asset a is French, but the rule says episodes are English: "journaux" is not stemmed to
    // "journal" there (in its French synopsis it is).
    assert_eq!(ids(&index, "episode:journaux", &Visibility::All), vec!["a"]);
    assert!(ids(&index, "episode:journal", &Visibility::All).is_empty());
    assert_eq!(ids(&index, "synopsis:journal", &Visibility::All), vec!["a"]);
    assert_eq!(ids(&index, "aired:2026-03", &Visibility::All), vec!["a"]);
    assert_eq!(ids(&index, "captured:2025", &Visibility::All), vec!["b"]);
}

#[test]
fn matches_in_meaning_come_after_exact_matches_and_obey_the_filters() {
    use regie_core::AssetId;
    use regie_core::semantic::SemanticMatch;
    let folder = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open(&folder.path().join("search"), IndexRules::default()).unwrap();
    let (exact, english, private) = (AssetId::new(), AssetId::new(), AssetId::new());
    let mut fishing = document(&english.to_string(), "docs", "en", "Deep sea trawlers", "Three weeks off Brittany.");
    fishing.cues = vec![
        Cue { start_ms: 1_000, text: "Good evening.".into(), language: Some("en".into()), kind: None, timecode: None },
        Cue {
            start_ms: 60_000,
            text: "The nets come up <full> at dawn.".into(),
            language: Some("en".into()),
            kind: None,
            timecode: None,
        },
    ];
    let mut hidden = document(&private.to_string(), "inbox", "en", "Harbour rushes", "Boats.");
    hidden.owner_id = Some("u-eve".into());
    let french = document(&exact.to_string(), "docs", "fr", "La pêche en haute mer", "Les chalutiers bretons.");
    index.write(&[french, fishing, hidden], &[]).unwrap();
    let semantic = vec![
        SemanticMatch { asset_id: english, score: 0.91, start_ms: Some(60_000) },
        SemanticMatch { asset_id: private, score: 0.88, start_ms: None },
        SemanticMatch { asset_id: exact, score: 0.86, start_ms: None },
    ];
    let docs_only = Visibility::Limited { collections: vec!["docs".into()], owner_id: None };
    let search = |text: &str, visible: &Visibility, semantic: &[SemanticMatch]| {
        index
            .search(&SearchRequest {
                text,
                visible,
                limit: 10,
                cursor: None,
                sort: SortOrder::Relevance,
                facets: &[],
                semantic,
            })
            .unwrap()
    };

    let found = search("pêche", &docs_only, &semantic);
    assert_eq!(found.total, 2, "the private asset is not counted: {found:?}");
    assert_eq!(found.hits[0].asset_id, exact.to_string(), "the exact match first");
    assert_eq!(found.hits[0].matched, Matched::Words);
    assert_eq!(found.hits[0].semantic_score, Some(0.86));
    assert!(found.hits[0].score.unwrap() > 0.0 && found.hits[0].score.unwrap() < EXACT_SCORE_CEILING);
    let meaning = &found.hits[1];
    assert_eq!(meaning.asset_id, english.to_string());
    assert_eq!(meaning.matched, Matched::Meaning);
    assert_eq!(meaning.score, Some(0.91));
    assert_eq!(meaning.field.as_deref(), Some("meaning"));
    assert_eq!(meaning.timecode.as_deref(), Some("00:01:00.000"));
    assert_eq!(meaning.snippet.as_deref(), Some("The nets come up &lt;full&gt; at dawn."));

    let everyone = search("pêche", &Visibility::All, &semantic);
    assert_eq!(everyone.total, 3);
    assert_eq!(everyone.hits[2].snippet.as_deref(), Some("Boats."), "a description's match shows its synopsis");

    let excluded = search("pêche -trawlers", &Visibility::All, &semantic);
    assert!(!excluded.hits.iter().any(|hit| hit.asset_id == english.to_string()), "exclusions hold");
    let fielded = search("pêche collection:inbox", &Visibility::All, &semantic);
    assert_eq!(fielded.hits.iter().map(|hit| hit.asset_id.clone()).collect::<Vec<_>>(), vec![private.to_string()]);
    let words_only = search("pêche", &Visibility::All, &[]);
    assert_eq!(words_only.total, 1, "without semantic matches, words alone");
    assert_eq!(words_only.hits[0].matched, Matched::Words);
    assert!(
        search("collection:docs", &Visibility::All, &semantic).hits.iter().all(|hit| hit.matched == Matched::Words)
    );
}

/// Relevance of one short title: far below the tier exact matches are lifted by.
const EXACT_SCORE_CEILING: f32 = 5.0;
