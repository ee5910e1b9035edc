//! Fixity: every copy read again in full and its BLAKE3 (and MD5 when asked) compared with what
//! was recorded when it was stored. A bad copy is quarantined (moved aside, never deleted),
//! becomes a finding on its asset, and is repaired from a copy that reads back whole; a copy is
//! never "repaired" from a bad one. The workers run the `[[fixity]]` schedules.

use std::collections::HashMap;
use std::time::Instant;

use regie_core::keeping::{CopyState, PreservationEvent, Tier};
use regie_core::{AssetId, Blake3Hex, Finding, Severity};
use regie_db::{CopyFilter, CopyOfAsset, NewAuditEntry, NewJob};
use regie_storage::{CopyReading, Throttle};
use serde::{Deserialize, Serialize};

use super::StoreCache;
use crate::{AppError, Regie};

/// The job kind that runs a fixity schedule's share of work.
pub(crate) const FIXITY: &str = "fixity";

/// Audit events written per transaction during a long run.
const EVENTS_PER_BATCH: usize = 500;

/// What `regie fixity run` (or a scheduled job) checks, and how.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FixityRequest {
    pub location: Option<String>,
    pub asset: Option<String>,
    /// Compute MD5 besides BLAKE3.
    #[serde(default)]
    pub md5: bool,
    pub bytes_per_second: Option<u64>,
    /// Repair bad copies from good ones at the end of the run.
    #[serde(default)]
    pub repair: bool,
    /// Only copies not checked since this instant (RFC 3339): a schedule's due copies.
    pub due_before: Option<String>,
    /// Stop taking new copies once this many bytes were read (a scheduled job's share).
    pub byte_budget: Option<u64>,
    /// Who asked, as the audit trail names it (`cli:LOGIN`, `worker:NAME`).
    #[serde(default)]
    pub actor: String,
}

/// One copy as the run found it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedCopy {
    pub asset_id: String,
    pub house_id: String,
    pub blake3: String,
    pub location: String,
    pub size: u64,
    /// The recorded BLAKE3 (the address).
    pub expected: String,
    /// The BLAKE3 read now (`null` when nothing could be read).
    pub actual: Option<String>,
    pub md5_expected: String,
    pub md5_actual: Option<String>,
    pub state: CopyState,
    /// Why, in words, when the copy is not ok.
    pub detail: Option<String>,
    /// Where the bad copy was moved aside.
    pub quarantined_to: Option<String>,
    /// Whether it was repaired (`null` when no repair was tried).
    pub repaired: Option<bool>,
    /// The repair in words: where the good copy came from, or why none could be made.
    pub repair: Option<String>,
}

impl CheckedCopy {
    /// The copy as recorded, before anything is read: its state is the recorded one.
    fn recorded(copy: &CopyOfAsset, state: CopyState) -> Self {
        Self {
            asset_id: copy.asset_id.clone(),
            house_id: copy.house_id.clone(),
            blake3: copy.copy.blake3.clone(),
            location: copy.copy.location.clone(),
            size: copy.copy.size,
            expected: copy.copy.blake3.clone(),
            actual: None,
            md5_expected: copy.md5.clone(),
            md5_actual: None,
            state,
            detail: None,
            quarantined_to: copy.copy.quarantined_to.clone(),
            repaired: None,
            repair: None,
        }
    }
}

/// What a fixity run found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FixityReport {
    pub checked: Vec<CheckedCopy>,
    pub copies_checked: u64,
    pub bad: u64,
    pub repaired: u64,
    pub unrepaired: u64,
    pub bytes_read: u64,
    pub seconds: f64,
    /// Bytes read per second over the run.
    pub bytes_per_second: f64,
}

impl FixityReport {
    /// The totals, from the copies checked and the time since `started`.
    fn totalled(mut self, started: Instant) -> Self {
        self.copies_checked = self.checked.len() as u64;
        self.repaired = self.checked.iter().filter(|copy| copy.repaired == Some(true)).count() as u64;
        self.unrepaired = self.bad - self.repaired;
        self.seconds = started.elapsed().as_secs_f64();
        self.bytes_per_second = self.bytes_read as f64 / self.seconds.max(1e-6);
        self
    }
}

impl Regie {
    /// Reads the chosen copies in full, records what each holds, quarantines bad ones and, when
    /// asked, repairs them from good ones. Every check and repair is an audit event.
    pub async fn run_fixity(&self, request: &FixityRequest) -> Result<FixityReport, AppError> {
        self.run_fixity_with(request, &|_| {}).await
    }

    /// As `run_fixity`, telling `on_checked` of each copy as soon as it is read (a progress bar).
    pub async fn run_fixity_with(
        &self,
        request: &FixityRequest,
        on_checked: &(dyn Fn(&CheckedCopy) + Sync),
    ) -> Result<FixityReport, AppError> {
        let _gc_waits = self.shared_lock().await?;
        let started = Instant::now();
        if let Some(location) = &request.location {
            self.location_info(location).await?;
        }
        let asset_id = match &request.asset {
            Some(reference) => Some(self.db.resolve_asset(reference).await?.to_string()),
            None => None,
        };
        let throttle = Throttle::new(request.bytes_per_second);
        let mut stores = StoreCache::default();
        let mut report = FixityReport::default();
        let mut events = Vec::new();
        let mut findings: HashMap<String, Vec<Finding>> = HashMap::new();
        // Copies checked by this run are stamped after its start, so asking again for copies not
        // checked since the start walks the whole set once.
        let run_start = crate::audit_time(&chrono::Utc::now().to_rfc3339())?;
        let due_before = match &request.due_before {
            Some(due) if due < &run_start => due.clone(),
            _ => run_start,
        };
        'pages: loop {
            let page = self
                .db
                .copies_to_check(&CopyFilter {
                    location: request.location.clone(),
                    asset_id: asset_id.clone(),
                    due_before: Some(due_before.clone()),
                    bad_only: false,
                    limit: 1_000,
                })
                .await?;
            // A copy whose location did not answer keeps its old stamp: take it once.
            let fresh: Vec<CopyOfAsset> = page
                .into_iter()
                .filter(|copy| {
                    !report
                        .checked
                        .iter()
                        .any(|done| done.blake3 == copy.copy.blake3 && done.location == copy.copy.location)
                })
                .collect();
            if fresh.is_empty() {
                break;
            }
            for copy in fresh {
                if request.byte_budget.is_some_and(|budget| report.bytes_read >= budget) {
                    break 'pages;
                }
                let checked = self.check_copy(&copy, request, throttle.clone(), &mut stores).await?;
                report.bytes_read += checked.size.min(if checked.actual.is_some() { checked.size } else { 0 });
                if !checked.state.is_ok() {
                    report.bad += 1;
                    findings.entry(checked.asset_id.clone()).or_default().push(Finding::new(
                        &format!("fixity-{}", checked.state.as_str()),
                        Severity::Error,
                        format!(
                            "the copy of {} in {} is {}: {}",
                            checked.blake3,
                            checked.location,
                            checked.state.as_str(),
                            checked.detail.clone().unwrap_or_default()
                        ),
                    ));
                }
                events.push(check_event(&request.actor, &checked));
                on_checked(&checked);
                report.checked.push(checked);
                if events.len() >= EVENTS_PER_BATCH {
                    self.audit_batch(std::mem::take(&mut events)).await?;
                }
            }
        }
        self.audit_batch(std::mem::take(&mut events)).await?;
        for (asset, found) in findings {
            if let Ok(id) = asset.parse::<AssetId>() {
                self.db.add_findings(id, &found).await?;
            }
        }
        if request.repair {
            for index in 0..report.checked.len() {
                if report.checked[index].state.is_ok() {
                    continue;
                }
                let checked = report.checked[index].clone();
                let (repaired, words, event) = self.repair_copy(&checked, &request.actor, &mut stores).await?;
                events.push(event);
                report.checked[index].repaired = Some(repaired);
                report.checked[index].repair = Some(words);
            }
            self.audit_batch(events).await?;
        }
        Ok(report.totalled(started))
    }

    /// Repairs every copy whose last check found it bad (`regie fixity repair`).
    pub async fn repair_copies(&self, request: &FixityRequest) -> Result<FixityReport, AppError> {
        let _gc_waits = self.shared_lock().await?;
        let started = Instant::now();
        let asset_id = match &request.asset {
            Some(reference) => Some(self.db.resolve_asset(reference).await?.to_string()),
            None => None,
        };
        let bad = self
            .db
            .copies_to_check(&CopyFilter {
                location: request.location.clone(),
                asset_id,
                due_before: None,
                bad_only: true,
                limit: u32::MAX / 2,
            })
            .await?;
        let mut stores = StoreCache::default();
        let mut report = FixityReport::default();
        let mut events = Vec::new();
        for copy in bad {
            let state: CopyState = copy.copy.state.parse()?;
            let mut checked = CheckedCopy::recorded(&copy, state);
            checked.detail = Some(format!(
                "found {} by the check of {}",
                state.as_str(),
                copy.copy.checked_at.clone().unwrap_or_default()
            ));
            let (repaired, words, event) = self.repair_copy(&checked, &request.actor, &mut stores).await?;
            events.push(event);
            checked.repaired = Some(repaired);
            checked.repair = Some(words);
            report.bad += 1;
            report.checked.push(checked);
        }
        self.audit_batch(events).await?;
        Ok(report.totalled(started))
    }

    /// Reads one copy and records what it holds; a bad one is moved aside.
    async fn check_copy(
        &self,
        copy: &CopyOfAsset,
        request: &FixityRequest,
        throttle: Option<std::sync::Arc<Throttle>>,
        stores: &mut StoreCache,
    ) -> Result<CheckedCopy, AppError> {
        let mut checked = CheckedCopy::recorded(copy, CopyState::Ok);
        checked.quarantined_to = None;
        let address = Blake3Hex::parse(&copy.copy.blake3)?;
        let store = stores.open(self, &copy.copy.location).await?;
        let reading = match store.read_copy(&address, request.md5, throttle).await {
            Ok(reading) => reading,
            Err(error) => {
                // The location did not answer: nothing is known of the copy, so nothing moves.
                checked.state = CopyState::Unreadable;
                checked.detail = Some(format!("the location did not answer: {error}"));
                return Ok(checked);
            }
        };
        match reading {
            CopyReading::Read(digest) => {
                let md5_differs = digest.md5.as_ref().is_some_and(|md5| md5 != &copy.md5);
                if digest.blake3 != copy.copy.blake3 || md5_differs || digest.size != copy.copy.size {
                    checked.state = CopyState::Mismatch;
                    checked.detail = Some(format!(
                        "read {} bytes with BLAKE3 {}{}; expected {} bytes",
                        digest.size,
                        digest.blake3,
                        digest.md5.as_ref().map(|md5| format!(" and MD5 {md5}")).unwrap_or_default(),
                        copy.copy.size
                    ));
                }
                checked.actual = Some(digest.blake3);
                checked.md5_actual = digest.md5;
            }
            CopyReading::Missing => {
                checked.state = CopyState::Missing;
                checked.detail = Some("nothing is stored under its address".to_owned());
            }
            CopyReading::Unreadable(reason) => {
                checked.state = CopyState::Unreadable;
                checked.detail = Some(reason);
            }
        }
        if !checked.state.is_ok() && checked.state != CopyState::Missing {
            checked.quarantined_to = store.quarantine_blob(&address).await?;
        }
        self.db
            .set_copy_state(
                &checked.blake3,
                &checked.location,
                checked.state.as_str(),
                checked.quarantined_to.as_deref(),
            )
            .await?;
        Ok(checked)
    }

    /// Puts a good copy back in place of a bad one, from the first other copy that reads back
    /// whole (a source found bad on the way is marked so). Returns whether it worked, in words,
    /// and the audit event.
    async fn repair_copy(
        &self,
        bad: &CheckedCopy,
        actor: &str,
        stores: &mut StoreCache,
    ) -> Result<(bool, String, NewAuditEntry), AppError> {
        let address = Blake3Hex::parse(&bad.blake3)?;
        let places = self.places().await?;
        let tier_of = |name: &str| places.iter().find(|place| place.name == name).map(|place| place.tier);
        let mut sources: Vec<(Tier, String)> = self
            .db
            .copies_of(&bad.blake3)
            .await?
            .into_iter()
            .filter(|copy| copy.location != bad.location && copy.state == "ok")
            .filter_map(|copy| tier_of(&copy.location).map(|tier| (tier, copy.location)))
            .collect();
        sources.sort();
        let mut refused = Vec::new();
        let mut outcome = None;
        for (_, source) in &sources {
            let from = stores.open(self, source).await?;
            let to = stores.open(self, &bad.location).await?;
            match to.copy_from(&from, &address).await {
                Ok(made) => {
                    self.db.record_copy(&bad.blake3, &bad.location, made.size).await?;
                    outcome = Some(format!("copied from {source} and read back: BLAKE3 {} matches", bad.blake3));
                    break;
                }
                Err(regie_storage::StorageError::SourceCorrupt { .. }) => {
                    self.db.set_copy_state(&bad.blake3, source, CopyState::Mismatch.as_str(), None).await?;
                    refused.push(format!("{source} no longer matches either"));
                }
                Err(error) => refused.push(format!("{source}: {error}")),
            }
        }
        let repaired = outcome.is_some();
        let words = outcome.unwrap_or_else(|| {
            if sources.is_empty() {
                "no healthy copy to repair from: restore it from a backup".to_owned()
            } else {
                format!("no healthy copy to repair from ({}): restore it from a backup", refused.join("; "))
            }
        });
        let event = PreservationEvent {
            event_type: "repair".to_owned(),
            outcome: if repaired { "success" } else { "failure" }.to_owned(),
            agent: super::agent(actor),
            object: bad.blake3.clone(),
            location: bad.location.clone(),
            detail: words.clone(),
        };
        let entry = NewAuditEntry {
            actor: actor.to_owned(),
            action: "fixity.repair".to_owned(),
            asset_id: Some(bad.asset_id.clone()),
            address: None,
            outcome: if repaired { "ok" } else { "failed" }.to_owned(),
            detail: event.to_json(),
        };
        Ok((repaired, words, entry))
    }

    /// Queues each `[[fixity]]` schedule's next share of work: one job per location and hour,
    /// for the copies not checked within the schedule's period, as many bytes as the rate
    /// allows in 50 minutes. Called by workers on the catalogue every minute.
    pub(crate) async fn queue_fixity_schedules(&self) -> Result<(), AppError> {
        let now = chrono::Utc::now();
        for schedule in &self.settings.keeping.fixity {
            let every = chrono::Duration::from_std(schedule.every).unwrap_or(chrono::Duration::days(90));
            let due_before = crate::audit_time(&(now - every).to_rfc3339())?;
            let due = self
                .db
                .copies_to_check(&CopyFilter {
                    location: Some(schedule.location.clone()),
                    due_before: Some(due_before.clone()),
                    limit: 1,
                    ..CopyFilter::default()
                })
                .await?;
            if due.is_empty() {
                continue;
            }
            let request = FixityRequest {
                location: Some(schedule.location.clone()),
                md5: schedule.md5,
                bytes_per_second: schedule.bytes_per_second,
                repair: true,
                due_before: Some(due_before),
                byte_budget: schedule.bytes_per_second.map(|rate| rate.saturating_mul(50 * 60)),
                ..FixityRequest::default()
            };
            let job = NewJob {
                kind: FIXITY.to_owned(),
                asset_id: None,
                payload: serde_json::to_value(&request).map_err(|error| AppError::Internal(error.to_string()))?,
                idempotency_key: Some(format!("{FIXITY}:{}:{}", schedule.location, now.format("%Y%m%dT%H"))),
                priority: -10,
                max_attempts: self.settings.jobs.max_attempts,
            };
            self.db.enqueue_job(&job).await?;
        }
        Ok(())
    }
}

fn check_event(actor: &str, checked: &CheckedCopy) -> NewAuditEntry {
    let ok = checked.state.is_ok();
    let event = PreservationEvent {
        event_type: "fixity check".to_owned(),
        outcome: if ok { "success" } else { "failure" }.to_owned(),
        agent: super::agent(actor),
        object: checked.blake3.clone(),
        location: checked.location.clone(),
        detail: match &checked.detail {
            Some(detail) => format!("{}: {detail}", checked.state.as_str()),
            None => format!("BLAKE3 {} matches", checked.expected),
        },
    };
    NewAuditEntry {
        actor: actor.to_owned(),
        action: "fixity.check".to_owned(),
        asset_id: Some(checked.asset_id.clone()),
        address: None,
        outcome: if ok { "ok" } else { "failed" }.to_owned(),
        detail: event.to_json(),
    }
}
