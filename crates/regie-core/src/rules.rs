//! Workflow rules: on an event (an asset ingested, a policy passed or failed, a job succeeded,
//! metadata changed, a tag put, a file arriving in a watch folder), when the asset meets the
//! conditions, do the actions (transcode, deliver, check, tag, webhook). Pure: parsing and
//! matching; the app runs each action as a job.

use serde::{Deserialize, Serialize};

use crate::policy::Check;
use crate::policy::facts::{Resolved, resolve};
use crate::{CollectionPath, CoreError};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Ingested,
    PolicyPassed,
    PolicyFailed,
    JobSucceeded,
    MetadataChanged,
    Tagged,
    WatchFolder,
    /// A time of a cron schedule: the actions apply to every asset meeting the conditions.
    Schedule,
    /// Review decisions on an asset.
    Approved,
    ChangesRequested,
    Rejected,
    /// A review comment (or a reply) was written on an asset.
    Commented,
}

impl EventKind {
    pub const ALL: [Self; 12] = [
        Self::Ingested,
        Self::PolicyPassed,
        Self::PolicyFailed,
        Self::JobSucceeded,
        Self::MetadataChanged,
        Self::Tagged,
        Self::WatchFolder,
        Self::Schedule,
        Self::Approved,
        Self::ChangesRequested,
        Self::Rejected,
        Self::Commented,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingested => "ingested",
            Self::PolicyPassed => "policy-passed",
            Self::PolicyFailed => "policy-failed",
            Self::JobSucceeded => "job-succeeded",
            Self::MetadataChanged => "metadata-changed",
            Self::Tagged => "tagged",
            Self::WatchFolder => "watch-folder",
            Self::Schedule => "schedule",
            Self::Approved => "approved",
            Self::ChangesRequested => "changes-requested",
            Self::Rejected => "rejected",
            Self::Commented => "commented",
        }
    }

    pub fn parse(text: &str) -> Result<Self, CoreError> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text).ok_or_else(|| {
            let known: Vec<&str> = Self::ALL.iter().map(|kind| kind.as_str()).collect();
            CoreError::invalid("rule event", text, format!("use one of {}", known.join(", ")))
        })
    }
}

/// One event about one asset, with what conditions may look at.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    /// What makes this event unique (`ingested:ASSET`, `job-succeeded:JOB`...): actions are
    /// queued once per rule, event key and action.
    pub key: String,
    pub asset_id: String,
    /// The policy of a policy event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The profile of a transcode job that succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The job kind of a job-succeeded event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_kind: Option<String>,
    /// The watch folder a file came through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<String>,
    /// For a schedule: the rule whose time came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// For a watch folder that names its rules (`[[watch]] rules = [...]`): only those apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

/// What the conditions see of the asset.
#[derive(Debug, Clone)]
pub struct AssetFacts<'a> {
    pub collection: &'a CollectionPath,
    pub tags: &'a [String],
    /// The original's facts (`policy::facts`) joined with `metadata.*`.
    pub facts: &'a serde_json::Value,
}

/// A rule file as written in `DATA/rules/NAME.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(default)]
    pub description: Option<String>,
    /// The event: ingested, policy-passed, policy-failed, job-succeeded, metadata-changed,
    /// tagged, watch-folder.
    pub on: String,
    /// For `on = "schedule"`: when, as cron writes it (`0 3 * * *`, UTC).
    #[serde(default)]
    pub cron: Option<String>,
    #[serde(default)]
    pub when: Conditions,
    #[serde(rename = "do")]
    pub actions: Vec<Action>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// What the asset and the event must be; every condition given must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The asset's collection is this one or below it.
    #[serde(default)]
    pub collection: Option<String>,
    /// The asset carries every one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Checks with the policy language over the original's facts and `metadata.*`
    /// (`video.height >= 1080`, `metadata.series == "News"`).
    #[serde(default)]
    pub checks: Vec<String>,
    /// For policy events: the policy.
    #[serde(default)]
    pub policy: Option<String>,
    /// For job-succeeded: the profile of the transcode.
    #[serde(default)]
    pub profile: Option<String>,
    /// For job-succeeded: the job kind (`transcode`, `previews`, `deliver`).
    #[serde(default)]
    pub job_kind: Option<String>,
    /// For watch-folder: the watch folder's name.
    #[serde(default)]
    pub watch: Option<String>,
}

/// What a rule does, each as a job of its own.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    Transcode {
        profile: String,
    },
    Deliver {
        destination: String,
        profile: Option<String>,
    },
    Check {
        policy: String,
    },
    Tag {
        tags: Vec<String>,
    },
    /// Files the asset in another collection.
    Move {
        collection: String,
    },
    /// POSTs a JSON description of the event, signed with HMAC-SHA256 of the body under the
    /// secret held in the environment variable `secret_env` (`X-Regie-Signature: sha256=HEX`).
    Webhook {
        url: String,
        secret_env: Option<String>,
    },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Transcode { .. } => "transcode",
            Self::Deliver { .. } => "deliver",
            Self::Check { .. } => "check",
            Self::Tag { .. } => "tag",
            Self::Move { .. } => "move",
            Self::Webhook { .. } => "webhook",
        }
    }
}

/// A rule ready to match.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub name: String,
    pub on: EventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    #[serde(skip)]
    pub schedule: Option<crate::cron::Cron>,
    #[serde(skip)]
    pub collection: Option<CollectionPath>,
    #[serde(skip)]
    pub checks: Vec<Check>,
    pub conditions: Conditions,
    pub actions: Vec<Action>,
    pub enabled: bool,
}

impl Rule {
    /// Parses and checks a rule file; `name` is the file's stem.
    pub fn parse(name: &str, text: &str) -> Result<Self, CoreError> {
        let invalid = |reason: String| CoreError::invalid("rule", name, reason);
        let file: RuleFile = toml::from_str(text).map_err(|error| invalid(error.to_string()))?;
        let on = EventKind::parse(&file.on)?;
        let schedule = match (on, &file.cron) {
            (EventKind::Schedule, Some(cron)) => Some(crate::cron::Cron::parse(cron)?),
            (EventKind::Schedule, None) => {
                return Err(invalid("a schedule rule needs cron = \"MIN HOUR DAY MONTH WEEKDAY\"".to_owned()));
            }
            (_, Some(_)) => return Err(invalid("cron is for rules on \"schedule\"".to_owned())),
            (_, None) => None,
        };
        let collection = file.when.collection.as_deref().map(str::parse::<CollectionPath>).transpose()?;
        let checks = file
            .when
            .checks
            .iter()
            .map(|check| Check::parse(check).map_err(|error| invalid(error.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        if file.actions.is_empty() {
            return Err(invalid("a rule needs at least one [[do]] action".to_owned()));
        }
        if file.actions.len() > 20 {
            return Err(invalid("a rule has at most 20 actions".to_owned()));
        }
        for action in &file.actions {
            let names: Vec<&str> = match action {
                Action::Transcode { profile } => vec![profile.as_str()],
                Action::Deliver { destination, profile } => {
                    let mut names = vec![destination.as_str()];
                    names.extend(profile.as_deref());
                    names
                }
                Action::Check { policy } => vec![policy.as_str()],
                Action::Move { collection } => {
                    collection.parse::<CollectionPath>()?;
                    Vec::new()
                }
                Action::Tag { tags } => {
                    if tags.is_empty() {
                        return Err(invalid("a tag action names at least one tag".to_owned()));
                    }
                    Vec::new()
                }
                Action::Webhook { url, secret_env } => {
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        return Err(invalid(format!("webhook url {url:?} must start with http:// or https://")));
                    }
                    let plain_variable = |name: &String| {
                        !name.is_empty() && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
                    };
                    if let Some(name) = secret_env.as_ref().filter(|name| !plain_variable(name)) {
                        return Err(invalid(format!("secret_env {name:?} is not an environment variable name")));
                    }
                    Vec::new()
                }
            };
            if let Some(bad) = names.iter().find(|name| !crate::plain_name::is_plain_name(name)) {
                return Err(invalid(format!("{bad:?} is not a plain name (letters, digits, '-', '_')")));
            }
        }
        Ok(Self {
            name: name.to_owned(),
            on,
            cron: file.cron,
            schedule,
            collection,
            checks,
            conditions: file.when,
            actions: file.actions,
            enabled: file.enabled,
        })
    }

    /// Why the rule does not apply to `event` on `asset`, or `None` when it does.
    pub fn mismatch(&self, event: &Event, asset: &AssetFacts<'_>) -> Option<String> {
        if !self.enabled {
            return Some("the rule is disabled".to_owned());
        }
        if self.on != event.kind {
            return Some(format!("the rule is for {} events, this is {}", self.on.as_str(), event.kind.as_str()));
        }
        if event.kind == EventKind::WatchFolder && !event.rules.is_empty() && !event.rules.contains(&self.name) {
            return Some(format!(
                "the watch folder {} runs only the rules {}",
                event.watch.as_deref().unwrap_or("?"),
                event.rules.join(", ")
            ));
        }
        let conditions = &self.conditions;
        if let Some(collection) = &self.collection
            && !asset.collection.lineage().contains(collection)
        {
            return Some(format!("the asset is in {}, not in {collection}", asset.collection));
        }
        if let Some(tag) = conditions.tags.iter().find(|tag| !asset.tags.contains(tag)) {
            return Some(format!("the asset is not tagged {tag}"));
        }
        let wanted = [
            ("policy", &conditions.policy, &event.policy),
            ("profile", &conditions.profile, &event.profile),
            ("job kind", &conditions.job_kind, &event.job_kind),
            ("watch folder", &conditions.watch, &event.watch),
        ];
        for (what, wanted, actual) in wanted {
            if let Some(wanted) = wanted
                && actual.as_ref() != Some(wanted)
            {
                return Some(format!("the {what} is {}, not {wanted}", actual.as_deref().unwrap_or("none")));
            }
        }
        for check in &self.checks {
            let holds = match resolve(asset.facts, &check.field) {
                Resolved::One(value) => check.accepts(&value),
                Resolved::Many(values) => !values.is_empty() && values.iter().all(|value| check.accepts(value)),
                Resolved::Missing => false,
            };
            if !holds {
                return Some(format!("{} does not hold", check.field));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = r#"
        on = "ingested"
        [when]
        collection = "news"
        tags = ["urgent"]
        checks = ["video.height >= 1080", 'metadata.series == "Le Journal"']
        [[do]]
        action = "transcode"
        profile = "mobile-540p"
        [[do]]
        action = "deliver"
        destination = "playout"
        [[do]]
        action = "webhook"
        url = "http://127.0.0.1:9/hook"
        secret_env = "HOOK_SECRET"
    "#;

    fn event(kind: EventKind) -> Event {
        Event {
            kind,
            key: format!("{}:a", kind.as_str()),
            asset_id: "a".into(),
            policy: None,
            profile: None,
            job_kind: None,
            watch: None,
            rule: None,
            rules: Vec::new(),
        }
    }

    #[test]
    fn a_rule_matches_only_its_event_collection_tags_and_checks() {
        let rule = Rule::parse("news-out", RULE).unwrap();
        assert_eq!(rule.actions.len(), 3);
        let collection: CollectionPath = "news/sport".parse().unwrap();
        let tags = vec!["urgent".to_owned()];
        let facts = serde_json::json!({"video": {"height": 1080}, "metadata": {"series": "Le Journal"}});
        let asset = AssetFacts { collection: &collection, tags: &tags, facts: &facts };
        assert_eq!(rule.mismatch(&event(EventKind::Ingested), &asset), None);
        assert!(rule.mismatch(&event(EventKind::Tagged), &asset).unwrap().contains("ingested events"));
        let elsewhere: CollectionPath = "sport".parse().unwrap();
        let moved = AssetFacts { collection: &elsewhere, ..asset.clone() };
        assert!(rule.mismatch(&event(EventKind::Ingested), &moved).unwrap().contains("not in news"));
        let small = serde_json::json!({"video": {"height": 576}, "metadata": {"series": "Le Journal"}});
        let sd = AssetFacts { facts: &small, ..asset.clone() };
        assert!(rule.mismatch(&event(EventKind::Ingested), &sd).unwrap().contains("video.height"));
        let untagged = AssetFacts { tags: &[], ..asset };
        assert!(rule.mismatch(&event(EventKind::Ingested), &untagged).unwrap().contains("urgent"));
    }

    #[test]
    fn bad_rules_are_refused_with_their_reason() {
        let cases = [
            ("on = \"sunrise\"\n[[do]]\naction = \"tag\"\ntags = [\"x\"]", "rule event"),
            ("on = \"ingested\"", "do"),
            ("on = \"ingested\"\n[[do]]\naction = \"transcode\"\nprofile = \"../x\"", "not a plain name"),
            ("on = \"ingested\"\n[[do]]\naction = \"webhook\"\nurl = \"file:///etc/passwd\"", "http"),
            (
                "on = \"ingested\"\n[when]\nchecks = [\"video.height\"]\n[[do]]\naction = \"tag\"\ntags = [\"x\"]",
                "FIELD OP VALUE",
            ),
            ("on = \"ingested\"\n[[do]]\naction = \"explode\"", "explode"),
        ];
        for (text, expected) in cases {
            let error = Rule::parse("bad", text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
