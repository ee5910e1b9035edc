//! Evaluating a policy against facts: every rule with pass/fail, the measured value and the
//! expected one. A policy fails when an error-severity rule fails.

use serde::Serialize;
use serde_json::Value;

use super::facts::{Resolved, resolve};
use super::{Policy, RuleNode};
use crate::Severity;

#[derive(Debug, Clone, Serialize)]
pub struct PolicyReport {
    pub policy: String,
    pub source: String,
    /// False when any error-severity rule failed.
    pub passed: bool,
    pub errors: usize,
    pub warnings: usize,
    pub rules: Vec<RuleOutcome>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleOutcome {
    pub id: String,
    pub severity: Severity,
    pub passed: bool,
    pub label: Option<String>,
    /// The check as written (`video.codec == "mpeg2video"`), or `any of` / `all of` for groups.
    pub check: String,
    pub measured: Value,
    pub expected: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<RuleOutcome>,
}

impl Policy {
    pub fn evaluate(&self, facts: &Value) -> PolicyReport {
        let rules: Vec<RuleOutcome> = self.nodes.iter().map(|node| evaluate_node(node, facts)).collect();
        let failed = |severity: Severity| rules.iter().filter(|rule| !rule.passed && rule.severity == severity).count();
        let errors = failed(Severity::Error);
        PolicyReport {
            policy: self.name.clone(),
            source: self.source.clone(),
            passed: errors == 0,
            errors,
            warnings: failed(Severity::Warning),
            rules,
        }
    }
}

fn evaluate_node(node: &RuleNode, facts: &Value) -> RuleOutcome {
    match node {
        RuleNode::Rule { id, severity, label, text, check } => {
            let (passed, measured) = match resolve(facts, &check.field) {
                Resolved::Missing => (false, Value::Null),
                Resolved::One(value) => (check.accepts(&value), value),
                Resolved::Many(values) => {
                    (!values.is_empty() && values.iter().all(|value| check.accepts(value)), Value::Array(values))
                }
            };
            RuleOutcome {
                id: id.clone(),
                severity: *severity,
                passed,
                label: label.clone(),
                check: text.clone(),
                measured,
                expected: format!("{} {}", check.operator, check.expected),
                children: Vec::new(),
            }
        }
        RuleNode::Group { id, severity, label, any, children } => {
            let children: Vec<RuleOutcome> = children.iter().map(|child| evaluate_node(child, facts)).collect();
            let passed = if *any {
                children.iter().any(|child| child.passed)
            } else {
                children.iter().all(|child| child.passed)
            };
            let mode = if *any { "any of" } else { "all of" };
            RuleOutcome {
                id: id.clone(),
                severity: *severity,
                passed,
                label: label.clone(),
                check: format!(
                    "{mode} {}",
                    children.iter().map(|child| child.check.as_str()).collect::<Vec<_>>().join("; ")
                ),
                measured: Value::Array(children.iter().map(|child| child.measured.clone()).collect()),
                expected: mode.to_owned(),
                children,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::file::{GroupSpec, PolicyFile, RuleSpec};
    use super::*;

    fn rule(id: &str, check: &str, severity: Option<Severity>) -> RuleSpec {
        RuleSpec { id: id.into(), severity, check: check.into(), label: None }
    }

    fn policy() -> Policy {
        Policy::from_file(PolicyFile {
            name: "playout".into(),
            description: String::new(),
            source: "house".into(),
            rules: vec![
                rule("codec", r#"video.codec == "mpeg2video""#, None),
                rule("rate", "audio[*].sample_rate == 48000", None),
                rule("loud", "loudness.integrated in -23 ± 0.5", Some(Severity::Warning)),
            ],
            any: vec![GroupSpec {
                id: "fields".into(),
                severity: None,
                label: None,
                rule: vec![
                    rule("tff", r#"video.field_order == "tt""#, None),
                    rule("bff", r#"video.field_order == "bb""#, None),
                ],
            }],
            all: Vec::new(),
        })
        .unwrap()
    }

    #[test]
    fn a_conforming_file_passes_every_rule() {
        let facts = json!({"video": [{"codec": "mpeg2video", "field_order": "bb"}], "audio": [{"sample_rate": 48000}], "loudness": {"integrated": -23.2}});
        let report = policy().evaluate(&facts);
        assert!(report.passed, "{report:#?}");
        assert!(report.rules.iter().all(|rule| rule.passed));
    }

    #[test]
    fn failures_carry_measured_and_expected_values() {
        let facts = json!({"video": [{"codec": "h264", "field_order": "progressive"}], "audio": [{"sample_rate": 48000}, {"sample_rate": 44100}], "loudness": {"integrated": -16.0}});
        let report = policy().evaluate(&facts);
        assert!(!report.passed);
        assert_eq!((report.errors, report.warnings), (3, 1));
        let codec = &report.rules[0];
        assert_eq!(
            (codec.passed, &codec.measured, codec.expected.as_str()),
            (false, &json!("h264"), r#"== "mpeg2video""#)
        );
        assert_eq!(report.rules[1].measured, json!([48000, 44100]));
        assert_eq!(report.rules[2].expected, "in -23 ± 0.5");
        assert_eq!(report.rules[3].children.len(), 2);
    }

    #[test]
    fn a_missing_field_fails_its_rule() {
        let report = policy().evaluate(&json!({}));
        assert!(report.rules.iter().all(|rule| !rule.passed));
        assert!(policy().reads("loudness") && !policy().reads("image"));
    }

    #[test]
    fn duplicate_ids_and_empty_policies_are_refused() {
        let file = |rules| PolicyFile {
            name: "p".into(),
            description: String::new(),
            source: String::new(),
            rules,
            any: vec![],
            all: vec![],
        };
        assert!(Policy::from_file(file(vec![])).is_err());
        let twice = vec![rule("a", "x == 1", None), rule("a", "y == 1", None)];
        assert!(Policy::from_file(file(twice)).unwrap_err().to_string().contains("twice"));
    }
}
