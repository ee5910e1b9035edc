//! The event job: match the rules, queue each matching rule's actions (once per event), audit.

use regie_core::rules::Event;
use regie_db::{JobOutputs, NewJob};

use super::failure::JobFailure;
use super::worker::{Completed, JobContext};
use crate::NewAuditEntry;
use crate::workflow::{RULE_ACTION, asset_facts};

/// Events go before previews: a delivery may be waiting on them.
const EVENT_PRIORITY: i64 = 15;
const ACTION_PRIORITY: i64 = 15;
const ATTEMPTS: u32 = 5;

pub(crate) fn event_job(event: &Event) -> NewJob {
    NewJob {
        kind: crate::workflow::EVENT.to_owned(),
        asset_id: event.asset_id.parse().ok(),
        payload: serde_json::json!({ "event": event }),
        idempotency_key: Some(format!("event:{}", event.key)),
        priority: EVENT_PRIORITY,
        max_attempts: ATTEMPTS,
    }
}

pub(crate) async fn run_event(context: &JobContext) -> Result<Completed, JobFailure> {
    let event: Event = serde_json::from_value(context.job.payload["event"].clone())
        .map_err(|error| JobFailure::permanent(format!("the job carries no readable event: {error}")))?;
    let regie = &context.regie;
    let rules = regie.rules().map_err(JobFailure::from)?;
    if event.kind == regie_core::rules::EventKind::Schedule {
        return run_schedule(context, &event, &rules).await;
    }
    let asset_id = event.asset_id.parse().map_err(|_| JobFailure::permanent("the event names no asset"))?;
    let record = regie.db.get_asset(asset_id).await?;
    let facts = asset_facts(&record);
    let collection =
        record.collection.parse().map_err(|error: regie_core::CoreError| JobFailure::permanent(error.to_string()))?;
    let seen = regie_core::rules::AssetFacts { collection: &collection, tags: &record.tags, facts: &facts };
    let mut matched = Vec::new();
    for rule in rules.iter().filter(|rule| rule.on == event.kind) {
        if let Some(reason) = rule.mismatch(&event, &seen) {
            context.log("info", &format!("rule {}: not applied ({reason})", rule.name)).await;
            continue;
        }
        queue_actions(context, rule, &event, asset_id).await?;
        matched.push(rule.name.clone());
    }
    Ok(Completed {
        outputs: JobOutputs { asset_id: Some(asset_id), files: Vec::new(), rendition: None },
        result: serde_json::json!({ "event": event.key, "rules": matched }),
    })
}

/// Queues each action of `rule` for `event` on one asset (once: the key is rule, event, action)
/// and audits the run.
async fn queue_actions(
    context: &JobContext,
    rule: &regie_core::rules::Rule,
    event: &Event,
    asset_id: regie_core::AssetId,
) -> Result<(), JobFailure> {
    let regie = &context.regie;
    let mut queued = Vec::new();
    for (index, action) in rule.actions.iter().enumerate() {
        let key = format!("rule:{}:{}:{index}", rule.name, event.key);
        let job = NewJob {
            kind: RULE_ACTION.to_owned(),
            asset_id: Some(asset_id),
            payload: serde_json::json!({ "rule": rule.name, "index": index, "action": action, "event": event, "key": key }),
            idempotency_key: Some(key),
            priority: ACTION_PRIORITY,
            max_attempts: ATTEMPTS,
        };
        let enqueued = regie.db.enqueue_job(&job).await?;
        queued.push(format!("{} (job {})", action.name(), enqueued.job_id));
    }
    let detail = format!("rule {} on {} ({}): {}", rule.name, event.kind.as_str(), event.key, queued.join(", "));
    context.log("info", &detail).await;
    let entry = NewAuditEntry {
        actor: format!("rule:{}", rule.name),
        action: "rule.run".to_owned(),
        asset_id: Some(event.asset_id.clone()),
        address: None,
        outcome: "ok".to_owned(),
        detail,
    };
    regie.audit(entry).await.map_err(JobFailure::from)?;
    Ok(())
}

/// Assets one scheduled run looks at, at most.
const SCHEDULE_LIMIT: usize = 10_000;

/// A schedule's time came: the rule's actions for every asset that meets its conditions.
async fn run_schedule(
    context: &JobContext,
    event: &Event,
    rules: &[regie_core::rules::Rule],
) -> Result<Completed, JobFailure> {
    let regie = &context.regie;
    let name = event.rule.as_deref().unwrap_or_default();
    let Some(rule) = rules.iter().find(|rule| rule.name == name) else {
        context.log("warn", &format!("the rule {name} is gone; nothing to do")).await;
        return Ok(Completed {
            outputs: JobOutputs { asset_id: None, files: Vec::new(), rendition: None },
            result: serde_json::json!({ "event": event.key, "assets": 0 }),
        });
    };
    let assets = regie.list_assets(rule.collection.as_ref(), None).await.map_err(JobFailure::from)?;
    let mut applied = 0;
    for summary in assets.iter().take(SCHEDULE_LIMIT) {
        let record = regie.db.get_asset(summary.id).await?;
        let facts = asset_facts(&record);
        let collection = record
            .collection
            .parse()
            .map_err(|error: regie_core::CoreError| JobFailure::permanent(error.to_string()))?;
        let seen = regie_core::rules::AssetFacts { collection: &collection, tags: &record.tags, facts: &facts };
        if rule.mismatch(event, &seen).is_none() {
            let mut per_asset = event.clone();
            per_asset.asset_id = record.id.to_string();
            per_asset.key = format!("{}:{}", event.key, record.id);
            queue_actions(context, rule, &per_asset, record.id).await?;
            applied += 1;
        }
    }
    if assets.len() > SCHEDULE_LIMIT {
        context
            .log(
                "warn",
                &format!("rule {name}: only the first {SCHEDULE_LIMIT} of {} assets were looked at", assets.len()),
            )
            .await;
    }
    Ok(Completed {
        outputs: JobOutputs { asset_id: None, files: Vec::new(), rendition: None },
        result: serde_json::json!({ "event": event.key, "assets": applied }),
    })
}
