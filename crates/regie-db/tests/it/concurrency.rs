//! Writers side by side: what SQLite's single writer gave for free must hold on PostgreSQL too,
//! where transactions run at once (one job, one holder; one linear audit chain; get-or-create
//! paths that do not fail or double when two callers race).

use std::collections::BTreeSet;
use std::time::Duration;

use regie_core::audit::ChainWalker;
use regie_core::house_id::HouseIdTemplate;
use regie_db::{Database, JobOutputs, NewAuditEntry, NewJob};

use crate::new_asset;

fn job(key: Option<String>) -> NewJob {
    NewJob {
        kind: "noop".to_owned(),
        asset_id: None,
        payload: serde_json::json!({}),
        idempotency_key: key,
        priority: 0,
        max_attempts: 3,
    }
}

async fn every_job_is_claimed_by_exactly_one_worker(database: Database) {
    const JOBS: usize = 300;
    for _ in 0..JOBS {
        database.enqueue_job(&job(None)).await.unwrap();
    }
    let mut workers = Vec::new();
    for worker in 0..12 {
        let database = database.clone();
        workers.push(tokio::spawn(async move {
            let name = format!("worker-{worker}");
            let mut claimed = Vec::new();
            while let Some(job) = database.claim_job(&name, Duration::from_secs(60), false).await.unwrap() {
                assert_eq!(job.attempt, 1, "a job with a live lease is never claimed twice");
                let outputs = JobOutputs { asset_id: None, files: Vec::new(), rendition: None };
                assert!(database.succeed_job(&job.id, &name, &outputs, &serde_json::json!({})).await.unwrap());
                claimed.push(job.id);
            }
            claimed
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), JOBS, "every job ran");
    assert_eq!(distinct.len(), JOBS, "no job ran twice");
    assert_eq!(database.live_job_count().await.unwrap(), 0);
}

async fn concurrent_appends_keep_one_linear_audit_chain(database: Database) {
    let mut appenders = Vec::new();
    for appender in 0..6 {
        let database = database.clone();
        appenders.push(tokio::spawn(async move {
            for entry in 0..40 {
                database
                    .append_audit(NewAuditEntry {
                        actor: format!("cli:appender-{appender}"),
                        action: "test".to_owned(),
                        outcome: "ok".to_owned(),
                        detail: format!("entry {entry}"),
                        ..NewAuditEntry::default()
                    })
                    .await
                    .unwrap();
            }
        }));
    }
    for appender in appenders {
        appender.await.unwrap();
    }
    let entries = database.audit_page(0, 1000).await.unwrap();
    assert_eq!(entries.len(), 240);
    let sequence: Vec<u64> = entries.iter().map(|entry| entry.seq).collect();
    assert_eq!(sequence, (1..=240).collect::<Vec<u64>>(), "no sequence number repeats or is skipped");
    let mut walker = ChainWalker::default();
    for entry in &entries {
        walker.check(entry).expect("each entry seals the one before it");
    }
}

async fn racing_ingests_share_new_collections_and_count_house_ids_once(database: Database) {
    let template = HouseIdTemplate::parse("{collection}-{seq:03}").unwrap();
    let mut inserts = Vec::new();
    for content in 0..16u8 {
        let database = database.clone();
        let template = template.clone();
        inserts.push(tokio::spawn(async move {
            database.insert_asset(new_asset(&template, "sport/live/final", content)).await.unwrap()
        }));
    }
    let mut house_ids = BTreeSet::new();
    for insert in inserts {
        house_ids.insert(insert.await.unwrap());
    }
    let expected: BTreeSet<String> = (1..=16).map(|n| format!("FINAL-{n:03}")).collect();
    assert_eq!(house_ids, expected, "sixteen different house ids, none skipped");
    let paths: Vec<String> = database.list_collections().await.unwrap().into_iter().map(|c| c.path).collect();
    assert_eq!(paths, ["sport", "sport/live", "sport/live/final"], "each collection created once");
}

async fn racing_callers_with_one_idempotency_key_get_one_job(database: Database) {
    let mut callers = Vec::new();
    for _ in 0..10 {
        let database = database.clone();
        callers
            .push(tokio::spawn(async move { database.enqueue_job(&job(Some("proxy:one".to_owned()))).await.unwrap() }));
    }
    let mut answers = Vec::new();
    for caller in callers {
        answers.push(caller.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|answer| answer.created).count(), 1, "one caller created it");
    let ids: BTreeSet<&str> = answers.iter().map(|answer| answer.job_id.as_str()).collect();
    assert_eq!(ids.len(), 1, "every caller was given the same job");
    assert_eq!(database.live_job_count().await.unwrap(), 1);
}

crate::on_both_backends!(
    every_job_is_claimed_by_exactly_one_worker,
    concurrent_appends_keep_one_linear_audit_chain,
    racing_ingests_share_new_collections_and_count_house_ids_once,
    racing_callers_with_one_idempotency_key_get_one_job,
);

/// Processes that open a new SQLite catalogue at the same moment (two ingests started together)
/// all get it: none is told "database is locked" while another turns it to WAL and migrates it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_openers_of_a_new_sqlite_catalogue_all_succeed() {
    for _ in 0..20 {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("catalogue.sqlite");
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let path = path.clone();
                tokio::spawn(async move { Database::open_sqlite(&path).await })
            })
            .collect();
        for opener in openers {
            let database = opener.await.unwrap().expect("every opener gets the catalogue");
            assert!(database.list_collections().await.unwrap().is_empty());
            database.close().await;
        }
    }
}
