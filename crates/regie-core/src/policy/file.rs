//! The policy file form (deserialised from TOML at the edge) and its parsed shape.

use serde::Deserialize;

use super::check::Expected;
use super::{Check, Operator};
use crate::Severity;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PolicyError {
    #[error("invalid check {check:?}: {reason}")]
    InvalidCheck { check: String, reason: String },
    #[error("invalid policy: {0}")]
    Invalid(String),
}

impl PolicyError {
    pub fn code(&self) -> &'static str {
        "invalid-policy"
    }
}

/// A policy as written in its TOML file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The published specification the rules come from.
    #[serde(default)]
    pub source: String,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
    #[serde(default)]
    pub any: Vec<GroupSpec>,
    #[serde(default)]
    pub all: Vec<GroupSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub severity: Option<Severity>,
    pub check: String,
    /// What the rule means, for the report.
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub id: String,
    pub severity: Option<Severity>,
    pub label: Option<String>,
    pub rule: Vec<RuleSpec>,
}

/// A parsed, ready-to-evaluate policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub description: String,
    pub source: String,
    pub nodes: Vec<RuleNode>,
}

#[derive(Debug, Clone)]
pub enum RuleNode {
    Rule { id: String, severity: Severity, label: Option<String>, text: String, check: Check },
    Group { id: String, severity: Severity, label: Option<String>, any: bool, children: Vec<RuleNode> },
}

impl RuleNode {
    pub fn id(&self) -> &str {
        match self {
            Self::Rule { id, .. } | Self::Group { id, .. } => id,
        }
    }

    fn fields(&self) -> Vec<&str> {
        match self {
            Self::Rule { check, .. } => vec![check.field.as_str()],
            Self::Group { children, .. } => children.iter().flat_map(Self::fields).collect(),
        }
    }
}

impl Policy {
    pub fn from_file(file: PolicyFile) -> Result<Self, PolicyError> {
        let mut nodes: Vec<RuleNode> = file.rules.into_iter().map(parse_rule).collect::<Result<_, _>>()?;
        for (groups, any) in [(file.all, false), (file.any, true)] {
            for group in groups {
                if group.rule.is_empty() {
                    return Err(PolicyError::Invalid(format!("group {} has no rule", group.id)));
                }
                nodes.push(RuleNode::Group {
                    id: group.id,
                    severity: group.severity.unwrap_or(Severity::Error),
                    label: group.label,
                    any,
                    children: group.rule.into_iter().map(parse_rule).collect::<Result<_, _>>()?,
                });
            }
        }
        if nodes.is_empty() {
            return Err(PolicyError::Invalid(format!("policy {} has no rule", file.name)));
        }
        let mut ids: Vec<&str> = nodes.iter().map(RuleNode::id).collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(PolicyError::Invalid(format!("rule id {} is used twice", pair[0])));
        }
        Ok(Self { name: file.name, description: file.description, source: file.source, nodes })
    }

    /// The loudness target a normaliser should aim at: the centre of a
    /// `loudness.integrated in X ± T` rule, and the ceiling of a `loudness.true_peak <= L` rule.
    pub fn loudness_target(&self) -> Option<(f64, Option<f64>)> {
        let checks: Vec<&Check> = self.checks();
        let target = checks.iter().find_map(|check| match (&check.expected, check.operator) {
            (Expected::Within { centre, .. }, Operator::In) if check.field == "loudness.integrated" => Some(*centre),
            _ => None,
        })?;
        let ceiling = checks.iter().find_map(|check| match (&check.expected, check.operator) {
            (Expected::Value(value), Operator::LessOrEqual | Operator::Less) if check.field == "loudness.true_peak" => {
                value.as_f64()
            }
            _ => None,
        });
        Some((target, ceiling))
    }

    /// Every check of the policy, groups included.
    fn checks(&self) -> Vec<&Check> {
        fn collect<'a>(node: &'a RuleNode, into: &mut Vec<&'a Check>) {
            match node {
                RuleNode::Rule { check, .. } => into.push(check),
                RuleNode::Group { children, .. } => children.iter().for_each(|child| collect(child, into)),
            }
        }
        let mut checks = Vec::new();
        self.nodes.iter().for_each(|node| collect(node, &mut checks));
        checks
    }

    /// Whether any rule reads a field under `prefix` (such as `loudness`), so measurements
    /// that cost a decode are made only when a policy asks for them.
    pub fn reads(&self, prefix: &str) -> bool {
        self.nodes.iter().flat_map(RuleNode::fields).any(|field| field.split(['.', '[']).next() == Some(prefix))
    }
}

fn parse_rule(spec: RuleSpec) -> Result<RuleNode, PolicyError> {
    Ok(RuleNode::Rule {
        check: Check::parse(&spec.check)?,
        id: spec.id,
        severity: spec.severity.unwrap_or(Severity::Error),
        label: spec.label,
        text: spec.check,
    })
}
