//! Workflow rules: TOML files in `DATA/rules/` that say what to do when something happens to an
//! asset. An event is queued as a job in the transaction that makes it happen (an asset recorded,
//! a job marked succeeded) or right after (a tag, an edit); its job matches the rules and queues
//! one job per action, each under a key made of the rule, the event and the action, so the same
//! event never runs an action twice, even when a worker is killed in between.

mod signature;

use std::path::Path;

use chrono::{DateTime, Timelike, Utc};
use regie_core::rules::{AssetFacts, Event, EventKind, Rule};
use serde::Serialize;

pub(crate) use crate::jobs::event_job;
pub(crate) use signature::hmac_sha256;

use crate::{AppError, Regie};

/// The job kinds of the workflow.
pub(crate) const EVENT: &str = "event";
pub(crate) const RULE_ACTION: &str = "rule-action";

/// The folder of the house's rules.
fn rules_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("rules")
}

/// Whether any rule file exists (events are only queued then).
pub(crate) fn rules_exist(data_dir: &Path) -> bool {
    std::fs::read_dir(rules_dir(data_dir))
        .map(|entries| entries.flatten().any(|entry| entry.path().extension().is_some_and(|ext| ext == "toml")))
        .unwrap_or(false)
}

/// Every rule of `DATA/rules/*.toml`, by name; a file that does not parse is an error naming it.
pub fn load_rules(data_dir: &Path) -> Result<Vec<Rule>, AppError> {
    let folder = rules_dir(data_dir);
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(AppError::DataFolder { path: folder, source }),
    };
    let mut rules = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|extension| extension != "toml") {
            continue;
        }
        let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path)
            .map_err(|source| AppError::InputUnreadable { path: path.clone(), source })?;
        rules.push(Rule::parse(&name, &text)?);
    }
    rules.sort_by(|left, right| left.name.cmp(&right.name));
    Ok(rules)
}

/// What `rules test` answers.
#[derive(Debug, Clone, Serialize)]
pub struct RuleTest {
    pub rule: String,
    pub event: String,
    pub asset_id: String,
    pub applies: bool,
    /// Why it does not apply.
    pub reason: Option<String>,
    /// What it would do, in words.
    pub would: Vec<String>,
}

impl Regie {
    pub fn rules(&self) -> Result<Vec<Rule>, AppError> {
        load_rules(&self.settings.data_dir)
    }

    /// Checks a rule's TOML and writes it as `DATA/rules/NAME.toml` (atomically: a temporary
    /// file, synced, renamed), replacing one of the same name.
    pub fn save_rule(&self, name: &str, text: &str) -> Result<Rule, AppError> {
        if !regie_core::plain_name::is_plain_name(name) {
            return Err(AppError::InvalidName { what: "rule", name: name.to_owned() });
        }
        let rule = Rule::parse(name, text)?;
        let folder = rules_dir(&self.settings.data_dir);
        let failed = |source| AppError::DataFolder { path: folder.clone(), source };
        std::fs::create_dir_all(&folder).map_err(failed)?;
        let mut temporary = tempfile::NamedTempFile::new_in(&folder).map_err(failed)?;
        std::io::Write::write_all(&mut temporary, text.as_bytes()).map_err(failed)?;
        temporary.as_file().sync_all().map_err(failed)?;
        temporary.persist(folder.join(format!("{name}.toml"))).map_err(|error| failed(error.error))?;
        Ok(rule)
    }

    /// Removes `DATA/rules/NAME.toml`.
    pub fn remove_rule(&self, name: &str) -> Result<(), AppError> {
        if !regie_core::plain_name::is_plain_name(name) {
            return Err(AppError::InvalidName { what: "rule", name: name.to_owned() });
        }
        let path = rules_dir(&self.settings.data_dir).join(format!("{name}.toml"));
        std::fs::remove_file(&path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => AppError::NoSuchFile(format!("no rule named {name} in DATA/rules/")),
            _ => AppError::DataFolder { path: path.clone(), source },
        })
    }

    /// What `rule` would do for `asset` on its event, without doing anything.
    pub async fn test_rule(&self, name: &str, asset: &str) -> Result<RuleTest, AppError> {
        let rule = self
            .rules()?
            .into_iter()
            .find(|rule| rule.name == name)
            .ok_or_else(|| AppError::NoSuchFile(format!("no rule named {name} in DATA/rules/")))?;
        let record = self.asset(asset).await?;
        let event = Event {
            kind: rule.on,
            key: format!("test:{}", record.id),
            asset_id: record.id.to_string(),
            policy: rule.conditions.policy.clone(),
            profile: rule.conditions.profile.clone(),
            job_kind: rule.conditions.job_kind.clone(),
            watch: rule.conditions.watch.clone(),
            rule: Some(rule.name.clone()),
            rules: Vec::new(),
        };
        let facts = asset_facts(&record);
        let collection = record.collection.parse()?;
        let seen = AssetFacts { collection: &collection, tags: &record.tags, facts: &facts };
        let reason = rule.mismatch(&event, &seen);
        let would = rule.actions.iter().map(|action| describe(action, &record.house_id)).collect();
        Ok(RuleTest {
            rule: rule.name,
            event: rule.on.as_str().to_owned(),
            asset_id: record.id.to_string(),
            applies: reason.is_none(),
            reason,
            would,
        })
    }

    /// Queues an event's job when rules exist; a failure is logged, never stops the change that
    /// raised it.
    pub(crate) async fn raise(&self, event: Event) {
        if !rules_exist(&self.settings.data_dir) {
            return;
        }
        if let Err(error) = self.db.enqueue_job(&event_job(&event)).await {
            tracing::error!(%error, event = %event.key, "cannot queue a workflow event");
        }
    }
}

impl Regie {
    /// Queues the events of the schedule rules whose times came in the minutes after `since`
    /// up to now (at most an hour back); returns the minute checked last. Every worker may do
    /// it: an event's key (rule and minute) makes it happen once.
    pub(crate) async fn fire_schedules(&self, since: DateTime<Utc>) -> DateTime<Utc> {
        let now = minute_of(Utc::now());
        if now <= since || !rules_exist(&self.settings.data_dir) {
            return now.max(since);
        }
        let rules = match self.rules() {
            Ok(rules) => rules,
            Err(error) => {
                tracing::warn!(%error, "cannot read the rules for their schedules");
                return now;
            }
        };
        let mut minute = (since + chrono::Duration::minutes(1)).max(now - chrono::Duration::minutes(60));
        while minute <= now {
            for rule in rules.iter().filter(|rule| rule.enabled) {
                if rule.schedule.as_ref().is_some_and(|cron| cron.matches(minute)) {
                    let event = Event {
                        kind: EventKind::Schedule,
                        key: format!("schedule:{}:{}", rule.name, minute.format("%Y%m%dT%H%MZ")),
                        asset_id: String::new(),
                        policy: None,
                        profile: None,
                        job_kind: None,
                        watch: None,
                        rule: Some(rule.name.clone()),
                        rules: Vec::new(),
                    };
                    if let Err(error) = self.db.enqueue_job(&event_job(&event)).await {
                        tracing::error!(%error, rule = %rule.name, "cannot queue a scheduled event");
                    }
                }
            }
            minute += chrono::Duration::minutes(1);
        }
        now
    }
}

/// The start of the minute `time` is in.
pub(crate) fn minute_of(time: DateTime<Utc>) -> DateTime<Utc> {
    time - chrono::Duration::seconds(i64::from(time.second()))
        - chrono::Duration::nanoseconds(i64::from(time.nanosecond()))
}

/// What conditions see: the original's facts with the descriptive metadata under `metadata`.
pub(crate) fn asset_facts(record: &regie_db::AssetRecord) -> serde_json::Value {
    let media = record.files.iter().find(|file| file.role == "original").and_then(|file| file.media.as_ref());
    let mut facts = media.map(regie_core::policy::facts::facts).unwrap_or_else(|| serde_json::json!({}));
    if let Some(object) = facts.as_object_mut() {
        object.insert("metadata".to_owned(), serde_json::to_value(&record.metadata).unwrap_or_default());
        object.insert("tags".to_owned(), serde_json::to_value(&record.tags).unwrap_or_default());
    }
    facts
}

fn describe(action: &regie_core::rules::Action, house_id: &str) -> String {
    use regie_core::rules::Action;
    match action {
        Action::Transcode { profile } => format!("transcode {house_id} to {profile}"),
        Action::Deliver { destination, profile } => {
            format!(
                "deliver {house_id} ({}) to {destination}",
                profile.as_deref().unwrap_or("destination's profile or original")
            )
        }
        Action::Check { policy } => format!("check {house_id} against {policy}"),
        Action::Tag { tags } => format!("tag {house_id} {}", tags.join(", ")),
        Action::Move { collection } => format!("move {house_id} to the collection {collection}"),
        Action::Webhook { url, secret_env } => format!(
            "POST the event to {url}{}",
            secret_env.as_ref().map(|name| format!(" signed with ${name}")).unwrap_or_default()
        ),
    }
}

/// An event that carries nothing but its asset and key.
pub(crate) fn simple_event(kind: EventKind, asset_id: regie_core::AssetId, key: String) -> Event {
    Event {
        kind,
        key,
        asset_id: asset_id.to_string(),
        policy: None,
        profile: None,
        job_kind: None,
        watch: None,
        rule: None,
        rules: Vec::new(),
    }
}

/// The events an ingested asset raises: ingested, its policies' verdicts, and the watch folder
/// it came through.
pub(crate) fn ingest_events(
    asset_id: &str,
    verdicts: &[(String, bool)],
    watch: Option<&str>,
    watch_rules: &[String],
) -> Vec<Event> {
    let base = |kind: EventKind, key: String| Event {
        kind,
        key,
        asset_id: asset_id.to_owned(),
        policy: None,
        profile: None,
        job_kind: None,
        watch: watch.map(str::to_owned),
        rule: None,
        rules: Vec::new(),
    };
    let mut events = vec![base(EventKind::Ingested, format!("ingested:{asset_id}"))];
    if let Some(watch) = watch {
        let mut event = base(EventKind::WatchFolder, format!("watch-folder:{watch}:{asset_id}"));
        event.rules = watch_rules.to_vec();
        events.push(event);
    }
    for (policy, passed) in verdicts {
        let kind = if *passed { EventKind::PolicyPassed } else { EventKind::PolicyFailed };
        let mut event = base(kind, format!("{}:{asset_id}:{policy}:ingest", kind.as_str()));
        event.policy = Some(policy.clone());
        events.push(event);
    }
    events
}
