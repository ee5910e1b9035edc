//! Delivery: destinations, rights, and deliveries queued as jobs whose receipts say what arrived
//! where, verified. A delivery outside the rights, or of a file that fails the destination's
//! policy, is refused before any byte moves, and the refusal is recorded and audited.

mod destinations;
mod rights;
pub(crate) mod sidecar;

use chrono::{DateTime, Utc};
use regie_core::profile::Container;
use regie_db::{DeliveryRecord, NewDelivery, NewJob};

pub use destinations::{DestinationInfo, DestinationSettings, DestinationTest};
pub use regie_core::rights::{Conflict, RightsAnswer};
pub use regie_db::{ContractRow, DeliveryRecord as Delivery, ReceiptFile};
pub use rights::{ContractAdded, NewContract, RightsImport};

use crate::named_toml::Lookup;
use crate::profiles::load_profile;
use crate::{AppError, NewAuditEntry, Regie};

/// The kind of the jobs that make deliveries.
pub(crate) const DELIVER: &str = "deliver";

/// Normal deliveries wait behind previews; a close deadline moves them up (see `priority_for`).
const DELIVERY_PRIORITY: i64 = 20;

/// A delivery asked for.
#[derive(Debug, Clone)]
pub struct DeliveryRequest {
    pub asset: String,
    pub destination: String,
    /// The profile whose rendition goes (made first if missing); none: the destination's, or
    /// the original.
    pub profile: Option<String>,
    /// RFC 3339.
    pub deadline: Option<String>,
    /// Who asks, as the audit trail names them (`cli:LOGIN`, `user:NAME`).
    pub actor: String,
    pub address: Option<String>,
}

impl Regie {
    /// Checks the rights and the destination's policy, then queues the delivery; a refusal is
    /// recorded (state `refused`) and audited, and returned as the error.
    pub async fn deliver(&self, request: &DeliveryRequest, lookup: Lookup) -> Result<DeliveryRecord, AppError> {
        self.deliver_with(request, lookup, None).await
    }

    /// A delivery asked for by a workflow action: recorded under the action's key, so running the
    /// action again (a worker killed in between) gives the same delivery, never a second one.
    pub(crate) async fn deliver_once(&self, request: &DeliveryRequest, key: &str) -> Result<DeliveryRecord, AppError> {
        if let Some(existing) = self.db.delivery_by_trigger(key).await? {
            return Ok(existing);
        }
        self.deliver_with(request, Lookup::ByName, Some(key)).await
    }

    async fn deliver_with(
        &self,
        request: &DeliveryRequest,
        lookup: Lookup,
        trigger: Option<&str>,
    ) -> Result<DeliveryRecord, AppError> {
        let asset = self.asset(&request.asset).await?;
        let destination = self.destination_info(&request.destination).await?;
        let profile_name = request.profile.clone().or_else(|| destination.settings.profile.clone());
        let loaded =
            profile_name.as_deref().map(|name| load_profile(name, &self.settings.data_dir, lookup)).transpose()?;
        if let Some(loaded) = &loaded
            && loaded.profile.container == Container::Cmaf
        {
            return Err(AppError::Invalid(format!(
                "{} is a streaming ladder (HLS/DASH packages of many files); deliver a single-file profile",
                loaded.profile.name
            )));
        }
        let deadline = request.deadline.as_deref().map(parse_deadline).transpose()?;
        let mut new = NewDelivery {
            asset_id: asset.id.to_string(),
            destination: destination.name.clone(),
            profile: loaded.as_ref().map(|loaded| loaded.profile.name.clone()),
            deadline: deadline.map(|deadline| deadline.to_rfc3339()),
            deadline_note: None,
            requested_by: Some(request.actor.clone()),
            contract_id: None,
            trigger: trigger.map(str::to_owned),
        };

        // Rights: every territory and platform the destination publishes on must be licensed.
        // The contracts are read once for every pair.
        let contracts = if destination.settings.territories.is_empty() {
            Vec::new()
        } else {
            self.contracts_of_asset(&new.asset_id).await?
        };
        let today = Utc::now().date_naive();
        let mut denials = Vec::new();
        for territory in &destination.settings.territories {
            for platform in &destination.settings.platforms {
                let wanted =
                    regie_core::rights::Use { territory: territory.clone(), platform: platform.clone(), on: today };
                let answer = regie_core::rights::check(&contracts, &wanted);
                if answer.allowed {
                    new.contract_id = new.contract_id.or(answer.contract);
                } else {
                    denials.push(format!("{territory} on {platform}: {}", answer.reasons.join("; ")));
                }
            }
        }
        if !denials.is_empty() {
            let reasons = denials.join(" | ");
            let record = self.refuse(&new, request, "rights-denied", &reasons).await?;
            return Err(AppError::RightsDenied {
                delivery: record.id,
                asset: asset.house_id,
                destination: destination.name,
                reasons,
            });
        }

        // The destination's policy, now when the file exists (else the job checks it once made).
        if let Some(policy_name) = &destination.settings.policy {
            let policy = crate::load_policy(policy_name, &self.settings.data_dir, Lookup::ByName)?;
            let existing = match &new.profile {
                None => Some(self.check_asset(&new.asset_id, &policy).await?),
                Some(profile) => match asset.renditions.iter().find(|rendition| &rendition.profile == profile) {
                    Some(rendition) => Some(self.check_rendition_record(&asset.house_id, rendition, &policy).await?),
                    None => None,
                },
            };
            if let Some(report) = existing
                && !report.report.passed
            {
                let failures = policy_failures(&report.report);
                let message = format!("fails policy {policy_name}: {failures}");
                let record = self.refuse(&new, request, "policy-failed", &message).await?;
                return Err(AppError::DeliveryPolicyFailed {
                    delivery: record.id,
                    asset: asset.house_id,
                    destination: destination.name,
                    policy: policy_name.clone(),
                    failures,
                });
            }
        }

        // Time to air: flagged now when the work cannot fit before the deadline.
        if let Some(deadline) = deadline {
            let rendition_exists = new
                .profile
                .as_ref()
                .is_none_or(|profile| asset.renditions.iter().any(|rendition| &rendition.profile == profile));
            let expected_s = expected_work_s(&asset, rendition_exists, destination.settings.limit_kbit_s);
            let left_s = (deadline - Utc::now()).num_milliseconds() as f64 / 1000.0;
            if expected_s > left_s {
                new.deadline_note = Some(format!(
                    "cannot make its deadline: about {expected_s:.0} s of work (transcode at real time, transfer at {} MB/s), {left_s:.0} s left",
                    assumed_rate(destination.settings.limit_kbit_s) / 1e6
                ));
            }
        }
        let job = NewJob {
            kind: DELIVER.to_owned(),
            asset_id: Some(asset.id),
            payload: serde_json::json!({
                "destination": destination.name,
                "profile": loaded.as_ref().map(|loaded| loaded.profile.name.clone()),
                "profile_toml": loaded.as_ref().map(|loaded| loaded.text.clone()),
                "deadline": new.deadline,
            }),
            idempotency_key: None,
            priority: priority_for(deadline, asset_duration(&asset)),
            max_attempts: self.settings.jobs.max_attempts,
        };
        let record = self.db.insert_delivery(&new, Some(&job), None).await?;
        self.audit(NewAuditEntry {
            actor: request.actor.clone(),
            action: "deliver".to_owned(),
            asset_id: Some(new.asset_id.clone()),
            address: request.address.clone(),
            outcome: "queued".to_owned(),
            detail: format!(
                "delivery {} of {} to {} ({}), job {}{}",
                record.id,
                asset.house_id,
                destination.name,
                new.profile.as_deref().unwrap_or("original"),
                record.job_id.as_deref().unwrap_or("-"),
                record.deadline_note.as_deref().map(|note| format!("; {note}")).unwrap_or_default()
            ),
        })
        .await?;
        Ok(record)
    }

    async fn refuse(
        &self,
        new: &NewDelivery,
        request: &DeliveryRequest,
        code: &str,
        reason: &str,
    ) -> Result<DeliveryRecord, AppError> {
        let record = self.db.insert_delivery(new, None, Some((code, reason))).await?;
        self.audit(NewAuditEntry {
            actor: request.actor.clone(),
            action: "deliver".to_owned(),
            asset_id: Some(new.asset_id.clone()),
            address: request.address.clone(),
            outcome: "refused".to_owned(),
            detail: format!("delivery {} to {} refused ({code}): {reason}", record.id, new.destination),
        })
        .await?;
        Ok(record)
    }

    pub async fn list_deliveries(
        &self,
        asset: Option<&str>,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, AppError> {
        if let Some(state) = state
            && !["queued", "running", "delivered", "failed", "refused"].contains(&state)
        {
            return Err(AppError::Invalid(format!(
                "{state:?} is not a delivery state: use queued, running, delivered, failed or refused"
            )));
        }
        let asset_id = match asset {
            Some(reference) => Some(self.resolve_asset(reference).await?.to_string()),
            None => None,
        };
        Ok(self.db.list_deliveries(asset_id.as_deref(), state, limit).await?)
    }

    pub async fn delivery(&self, reference: &str) -> Result<DeliveryRecord, AppError> {
        Ok(self.db.get_delivery(reference).await?)
    }

    /// Reads a delivered delivery's files back at the destination and compares them with its
    /// receipt; a file that changed or vanished marks it (and each such file) not verified.
    pub async fn recheck_delivery(&self, reference: &str, actor: &str) -> Result<DeliveryRecord, AppError> {
        let record = self.delivery(reference).await?;
        if record.state != "delivered" {
            return Err(AppError::Invalid(format!(
                "delivery {} is {}: only a delivered one can be checked again",
                record.id, record.state
            )));
        }
        let info = self.destination_info(&record.destination).await?;
        let work_dir = self.settings.data_dir.join("work").join(format!("recheck-{}", uuid::Uuid::now_v7()));
        tokio::fs::create_dir_all(&work_dir)
            .await
            .map_err(|source| AppError::DataFolder { path: work_dir.clone(), source })?;
        let checked = async {
            let destination = self.open_destination(&info, &work_dir, std::time::Duration::from_secs(3600)).await?;
            let delivered: Vec<regie_transfer::Delivered> = record
                .files
                .iter()
                .map(|file| regie_transfer::Delivered {
                    name: file.path.rsplit('/').next().unwrap_or(&file.path).to_owned(),
                    path: file.path.clone(),
                    size: file.size,
                    cksum: file.cksum,
                    resumed_from: 0,
                })
                .collect();
            let runner = regie_media::ToolRunner::new(1, std::time::Duration::from_secs(3600));
            Ok::<_, AppError>(destination.recheck(&runner, &delivered).await?)
        }
        .await;
        let _ = tokio::fs::remove_dir_all(&work_dir).await;
        let wrong = checked?;
        let mut files = record.files.clone();
        for file in &mut files {
            file.verified = !wrong.iter().any(|(path, _)| path == &file.path);
        }
        let (state, error) = if wrong.is_empty() {
            ("delivered", None)
        } else {
            let reasons: Vec<String> = wrong.iter().map(|(path, reason)| format!("{path}: {reason}")).collect();
            ("failed", Some(("verification-failed", format!("checked again: {}", reasons.join("; ")))))
        };
        self.db
            .finish_delivery(&record.id, state, &files, error.as_ref().map(|(code, text)| (*code, text.as_str())))
            .await?;
        self.audit(NewAuditEntry {
            actor: actor.to_owned(),
            action: "deliver.verify".to_owned(),
            asset_id: Some(record.asset_id.clone()),
            address: None,
            outcome: if wrong.is_empty() { "ok" } else { "failed" }.to_owned(),
            detail: match &error {
                None => format!(
                    "delivery {}: {} files read back at {} and matching",
                    record.id,
                    files.len(),
                    record.destination
                ),
                Some((_, text)) => format!("delivery {}: {text}", record.id),
            },
        })
        .await?;
        self.delivery(&record.id).await
    }
}

/// The failed error-severity rules of a report, in words.
pub(crate) fn policy_failures(report: &regie_core::policy::PolicyReport) -> String {
    let failed: Vec<String> = report
        .rules
        .iter()
        .filter(|rule| !rule.passed && rule.severity == regie_core::Severity::Error)
        .map(|rule| {
            format!("{} (measured {})", rule.label.clone().unwrap_or_else(|| rule.check.clone()), rule.measured)
        })
        .collect();
    if failed.is_empty() { "failed".to_owned() } else { failed.join("; ") }
}

fn parse_deadline(text: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(text.trim()).map(|time| time.with_timezone(&Utc)).map_err(|_| {
        regie_core::CoreError::invalid("deadline", text, "write an RFC 3339 time, such as 2026-12-01T18:00:00Z").into()
    })
}

/// Bytes per second a transfer is expected to move: the destination's limit, or 50 MB/s.
fn assumed_rate(limit_kbit_s: Option<u32>) -> f64 {
    limit_kbit_s.map_or(50e6, |limit| f64::from(limit.max(1)) * 125.0)
}

/// Seconds of work a delivery needs: a transcode at real time when its rendition is missing,
/// and the transfer of the original's size at the expected rate (renditions are smaller).
fn expected_work_s(asset: &regie_db::AssetRecord, rendition_exists: bool, limit_kbit_s: Option<u32>) -> f64 {
    let size = asset.files.iter().find(|file| file.role == "original").map_or(0, |file| file.size);
    let transcode = if rendition_exists { 0.0 } else { asset_duration(asset) };
    transcode + size as f64 / assumed_rate(limit_kbit_s)
}

fn asset_duration(asset: &regie_db::AssetRecord) -> f64 {
    asset
        .files
        .iter()
        .find(|file| file.role == "original")
        .and_then(|file| file.media.as_ref()?.duration_s)
        .unwrap_or(0.0)
}

/// Deliveries with a deadline go by slack (deadline minus the expected work, counted as the
/// programme's duration): the less slack, the higher the priority, above normal deliveries.
pub(crate) fn priority_for(deadline: Option<DateTime<Utc>>, duration_s: f64) -> i64 {
    let Some(deadline) = deadline else { return DELIVERY_PRIORITY };
    let slack_s = (deadline - Utc::now()).num_seconds() as f64 - duration_s;
    // 100 at no slack, down to 30 a day or more ahead.
    let hours = (slack_s / 3600.0).clamp(0.0, 24.0);
    (100.0 - hours * 70.0 / 24.0).round() as i64
}
