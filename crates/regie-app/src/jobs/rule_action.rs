//! One action of a workflow rule, run as a job of its own: transcode, deliver (once per event:
//! the delivery carries the action's key), check, tag, or a signed webhook (retried when the
//! receiver fails).

use std::time::Duration;

use regie_core::rules::{Action, Event, EventKind};
use regie_db::JobOutputs;

use super::failure::JobFailure;
use super::worker::{Completed, JobContext};
use crate::delivery::DeliveryRequest;
use crate::{AppError, Lookup, NewAuditEntry};

const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) async fn run(context: &JobContext) -> Result<Completed, JobFailure> {
    let payload = &context.job.payload;
    let action: Action = serde_json::from_value(payload["action"].clone())
        .map_err(|error| JobFailure::permanent(format!("the job carries no readable action: {error}")))?;
    let event: Event = serde_json::from_value(payload["event"].clone())
        .map_err(|error| JobFailure::permanent(format!("the job carries no readable event: {error}")))?;
    let rule = payload["rule"].as_str().unwrap_or("?").to_owned();
    let key = payload["key"].as_str().unwrap_or_default().to_owned();
    let regie = &context.regie;
    let asset = regie.db.get_asset(event.asset_id.parse().map_err(|_| JobFailure::permanent("no asset"))?).await?;
    let outcome = match &action {
        Action::Transcode { profile } => regie
            .queue_transcode(&event.asset_id, profile, 0, Lookup::ByName)
            .await
            .map(|job| serde_json::json!({ "transcode_job": job.job_id })),
        Action::Deliver { destination, profile } => {
            let request = DeliveryRequest {
                asset: event.asset_id.clone(),
                destination: destination.clone(),
                profile: profile.clone(),
                deadline: None,
                actor: format!("rule:{rule}"),
                address: None,
            };
            match regie.deliver_once(&request, &key).await {
                Ok(delivery) => Ok(serde_json::json!({ "delivery": delivery.id, "state": delivery.state })),
                // A refusal is an outcome of the rule, on record as a refused delivery.
                Err(error @ (AppError::RightsDenied { .. } | AppError::DeliveryPolicyFailed { .. })) => {
                    Ok(serde_json::json!({ "refused": error.code(), "reason": error.to_string() }))
                }
                Err(error) => Err(error),
            }
        }
        Action::Check { policy } => check(context, &event, policy, &key).await,
        Action::Move { collection } => regie
            .move_asset(&event.asset_id, collection)
            .await
            .map(|record| serde_json::json!({ "collection": record.collection })),
        Action::Tag { tags } => {
            regie.tag_asset(&event.asset_id, tags).await.map(|record| serde_json::json!({ "tags": record.tags }))
        }
        Action::Webhook { url, secret_env } => {
            webhook(context, &rule, &key, &event, &asset, url, secret_env.as_deref()).await
        }
    };
    let (audit_outcome, detail) = match &outcome {
        Ok(result) => ("ok", format!("rule {rule}: {} for {} ({key}): {result}", action.name(), asset.house_id)),
        Err(error) => ("failed", format!("rule {rule}: {} for {} ({key}): {error}", action.name(), asset.house_id)),
    };
    let entry = NewAuditEntry {
        actor: format!("rule:{rule}"),
        action: format!("rule.{}", action.name()),
        asset_id: Some(event.asset_id.clone()),
        address: None,
        outcome: audit_outcome.to_owned(),
        detail: detail.clone(),
    };
    if let Err(error) = regie.audit(entry).await {
        tracing::error!(%error, "cannot audit a rule action");
    }
    context.log(if outcome.is_ok() { "info" } else { "error" }, &detail).await;
    let result = outcome.map_err(JobFailure::from)?;
    Ok(Completed { outputs: JobOutputs { asset_id: Some(asset.id), files: Vec::new(), rendition: None }, result })
}

/// Checks the asset against a policy and raises policy-passed or policy-failed for it.
async fn check(context: &JobContext, event: &Event, policy: &str, key: &str) -> Result<serde_json::Value, AppError> {
    let regie = &context.regie;
    let loaded = crate::load_policy(policy, &regie.settings.data_dir, Lookup::ByName)?;
    let report = regie.check_asset(&event.asset_id, &loaded).await?;
    let kind = if report.report.passed { EventKind::PolicyPassed } else { EventKind::PolicyFailed };
    regie
        .raise(Event {
            kind,
            key: format!("{}:{}:{policy}:{key}", kind.as_str(), event.asset_id),
            asset_id: event.asset_id.clone(),
            policy: Some(policy.to_owned()),
            profile: None,
            job_kind: None,
            watch: event.watch.clone(),
            rule: None,
            rules: Vec::new(),
        })
        .await;
    Ok(serde_json::json!({ "policy": policy, "passed": report.report.passed, "errors": report.report.errors }))
}

/// POSTs the event as JSON, signed with HMAC-SHA256 when a secret is named; anything but a 2xx
/// answer fails the job, which is retried with backoff (the receiver sees the same
/// `X-Regie-Delivery` each time, to drop repeats).
async fn webhook(
    context: &JobContext,
    rule: &str,
    key: &str,
    event: &Event,
    asset: &regie_db::AssetRecord,
    url: &str,
    secret_env: Option<&str>,
) -> Result<serde_json::Value, AppError> {
    let body = serde_json::json!({
        "event": event.kind.as_str(),
        "key": event.key,
        "rule": rule,
        "asset_id": asset.id.to_string(),
        "house_id": asset.house_id,
        "title": asset.metadata.title,
        "collection": asset.collection,
        "policy": event.policy,
        "profile": event.profile,
        "attempt": context.job.attempt,
    });
    let bytes = serde_json::to_vec(&body).map_err(|error| AppError::Internal(error.to_string()))?;
    let client = reqwest::Client::builder()
        .timeout(WEBHOOK_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-regie-event", event.kind.as_str())
        .header("x-regie-delivery", key);
    if let Some(variable) = secret_env {
        let secret = std::env::var(variable).map_err(|_| {
            AppError::Invalid(format!(
                "rule {rule}: the environment variable {variable} (the webhook secret) is not set"
            ))
        })?;
        let signature = hex::encode(crate::workflow::hmac_sha256(secret.as_bytes(), &bytes));
        request = request.header("x-regie-signature", format!("sha256={signature}"));
    }
    let remote = |message: String| AppError::Remote { server: url.to_owned(), step: "calling a webhook", message };
    let answer = request.body(bytes).send().await.map_err(|error| remote(error.to_string()))?;
    let status = answer.status();
    if !status.is_success() {
        return Err(remote(format!("answered {status}")));
    }
    Ok(serde_json::json!({ "url": url, "status": status.as_u16() }))
}
