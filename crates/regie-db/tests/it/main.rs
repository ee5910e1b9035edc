//! The catalogue on a real SQLite file and on a real PostgreSQL: the suite every backend must pass.

mod backend;
mod concurrency;
mod parity;

use regie_core::access::Visibility;
use regie_core::house_id::HouseIdTemplate;
use regie_core::{AssetId, Blake3Hex, Checksums, CollectionPath, FileFormat, Finding, Md5Hex, Severity};
use regie_db::{Database, NewAsset, NewFile};

pub(crate) fn new_asset<'a>(template: &'a HouseIdTemplate, collection: &str, content: u8) -> NewAsset<'a> {
    let digest = format!("{content:02x}").repeat(32);
    NewAsset {
        id: AssetId::new(),
        name: format!("clip_{content}.mxf"),
        collection: collection.parse().unwrap(),
        source_path: format!("/in/clip_{content}.mxf"),
        metadata: Default::default(),
        tags: vec!["news".to_owned()],
        findings: vec![Finding::new("extension-mismatch", Severity::Warning, "example")],
        file: NewFile {
            role: "original".to_owned(),
            checksums: Checksums {
                md5: Md5Hex::parse(&digest[..32]).unwrap(),
                blake3: Blake3Hex::parse(&digest).unwrap(),
                sha256: None,
                size: 1000 + u64::from(content),
            },
            format: FileFormat::Mxf,
            media: None,
        },
        frames: Vec::new(),
        verdicts: Vec::new(),
        jobs: Vec::new(),
        owner_id: None,
        subtitles: Vec::new(),
        segments: Vec::new(),
        house_id_template: template,
        ingest_date: "20261122".to_owned(),
    }
}

async fn assets_round_trip_with_house_ids_counted_per_collection(database: Database) {
    let template = HouseIdTemplate::parse("{collection}-{date}-{seq:03}").unwrap();
    let first = database.insert_asset(new_asset(&template, "news/evening", 1)).await.unwrap();
    let second = database.insert_asset(new_asset(&template, "news/evening", 2)).await.unwrap();
    let other = database.insert_asset(new_asset(&template, "sport", 3)).await.unwrap();
    assert_eq!(
        [first.as_str(), second.as_str(), other.as_str()],
        ["EVENING-20261122-001", "EVENING-20261122-002", "SPORT-20261122-001"]
    );

    let asset_id = database.resolve_asset("EVENING-20261122-002").await.unwrap();
    let record = database.get_asset(asset_id).await.unwrap();
    assert_eq!(record.collection, "news/evening");
    assert_eq!(record.tags, ["news"]);
    assert_eq!(record.findings[0].code, "extension-mismatch");
    assert_eq!(record.files[0].size, 1002);
    assert_eq!(record.files[0].format, "mxf");
    let found = database.find_by_content(&Blake3Hex::parse(&"02".repeat(32)).unwrap()).await.unwrap().unwrap();
    assert_eq!(found.asset_id, asset_id);
    assert_eq!(database.resolve_asset("NOPE").await.unwrap_err().code(), "not-found");
}

async fn listing_pages_with_a_keyset_cursor_and_filters_by_subtree(database: Database) {
    let template = HouseIdTemplate::parse("{seq}").unwrap();
    for content in 0..7u8 {
        let collection = if content % 2 == 0 { "news/a" } else { "newsroom" };
        database.insert_asset(new_asset(&template, collection, content)).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = database.list_assets(None, None, after, 3, &Visibility::All).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|asset| asset.id);
        seen.extend(page.into_iter().map(|asset| asset.house_id));
    }
    assert_eq!(seen, ["1", "2", "3", "4", "5", "6", "7"], "every asset once, in creation order");
    let news: CollectionPath = "news".parse().unwrap();
    assert_eq!(
        database.list_assets(Some(&news), None, None, 100, &Visibility::All).await.unwrap().len(),
        4,
        "news/a but not newsroom"
    );
    let collections = database.list_collections().await.unwrap();
    let paths: Vec<&str> = collections.iter().map(|collection| collection.path.as_str()).collect();
    assert_eq!(paths, ["news", "news/a", "newsroom"]);
}

async fn a_duplicate_path_is_recorded_once(database: Database) {
    let template = HouseIdTemplate::parse("{seq}").unwrap();
    database.insert_asset(new_asset(&template, "default", 9)).await.unwrap();
    let asset_id = database.resolve_asset("1").await.unwrap();
    assert!(database.record_duplicate(asset_id, "/elsewhere/copy.mxf").await.unwrap());
    assert!(!database.record_duplicate(asset_id, "/elsewhere/copy.mxf").await.unwrap());
    assert_eq!(database.get_asset(asset_id).await.unwrap().duplicates, ["/elsewhere/copy.mxf"]);
}

async fn sql_metacharacters_are_plain_data(database: Database) {
    let template = HouseIdTemplate::parse("{seq}").unwrap();
    database.insert_asset(new_asset(&template, "default", 5)).await.unwrap();
    let asset_id = database.resolve_asset("1").await.unwrap();
    let hostile = ["x'); DROP TABLE assets; --".to_owned(), "50%_off".to_owned()];
    database.add_tags(asset_id, &hostile).await.unwrap();
    assert_eq!(database.list_assets(None, Some("50%_off"), None, 10, &Visibility::All).await.unwrap().len(), 1);
    assert_eq!(database.list_assets(None, Some("50%"), None, 10, &Visibility::All).await.unwrap().len(), 0);
    assert_eq!(database.get_asset(asset_id).await.unwrap().tags.len(), 3);
}

async fn the_same_content_cannot_become_two_originals(database: Database) {
    let template = HouseIdTemplate::parse("{seq}").unwrap();
    database.insert_asset(new_asset(&template, "default", 4)).await.unwrap();
    let error = database.insert_asset(new_asset(&template, "other", 4)).await.unwrap_err();
    assert_eq!(error.code(), "duplicate-content");
    assert_eq!(
        database.list_assets(None, None, None, 10, &Visibility::All).await.unwrap().len(),
        1,
        "nothing of the second was written"
    );
}

async fn every_change_is_in_the_feed_in_order_and_old_ones_can_be_pruned(database: Database) {
    let template = HouseIdTemplate::parse("{seq}").unwrap();
    for content in 0..4u8 {
        database.insert_asset(new_asset(&template, "news", content)).await.unwrap();
    }
    let first = database.resolve_asset("1").await.unwrap();
    database.add_tags(first, &["late".to_owned()]).await.unwrap();
    let changes = database.changes_after(0, 100).await.unwrap();
    let numbers: Vec<u64> = changes.iter().map(|change| change.seq).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    assert_eq!(changes[4].asset_id, first.to_string(), "the tag change names its asset");
    assert_eq!(database.changes_after(3, 100).await.unwrap().len(), 2, "only what comes after the position");
    assert_eq!(database.prune_changes(2).await.unwrap(), 3);
    assert_eq!((database.first_change().await.unwrap(), database.last_change().await.unwrap()), (Some(4), 5));
}

on_both_backends!(
    every_change_is_in_the_feed_in_order_and_old_ones_can_be_pruned,
    assets_round_trip_with_house_ids_counted_per_collection,
    listing_pages_with_a_keyset_cursor_and_filters_by_subtree,
    a_duplicate_path_is_recorded_once,
    sql_metacharacters_are_plain_data,
    the_same_content_cannot_become_two_originals,
);
