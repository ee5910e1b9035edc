//! An edit of an asset's descriptive metadata, as a person makes it in the desk or a script over
//! the API: only the fields sent change; an empty text clears a field. Checked here (lengths,
//! counts, dates) before anything is written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::CoreError;
use crate::sidecar::{Contributor, DescriptiveMetadata};

/// The longest text a field takes (a synopsis may be long; a title is not).
const MAX_TEXT: usize = 20_000;
const MAX_SHORT_TEXT: usize = 500;
/// Keywords, contributors and house fields an asset holds at most.
const MAX_ITEMS: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetadataChange {
    pub title: Option<String>,
    pub series: Option<String>,
    pub episode: Option<String>,
    pub synopsis: Option<String>,
    pub language: Option<String>,
    pub rights_holder: Option<String>,
    pub capture_date: Option<String>,
    pub air_date: Option<String>,
    pub keywords: Option<Vec<String>>,
    pub contributors: Option<Vec<Contributor>>,
    /// House fields to set; an empty value removes the field.
    pub fields: Option<BTreeMap<String, String>>,
}

impl MetadataChange {
    /// The names of the fields this change touches, for the audit trail.
    pub fn touched(&self) -> Vec<&'static str> {
        let present = [
            ("title", self.title.is_some()),
            ("series", self.series.is_some()),
            ("episode", self.episode.is_some()),
            ("synopsis", self.synopsis.is_some()),
            ("language", self.language.is_some()),
            ("rights_holder", self.rights_holder.is_some()),
            ("capture_date", self.capture_date.is_some()),
            ("air_date", self.air_date.is_some()),
            ("keywords", self.keywords.is_some()),
            ("contributors", self.contributors.is_some()),
            ("fields", self.fields.is_some()),
        ];
        present.into_iter().filter(|(_, is_present)| *is_present).map(|(name, _)| name).collect()
    }

    /// `metadata` with this change applied, or why the change is refused.
    pub fn apply(&self, metadata: &DescriptiveMetadata) -> Result<DescriptiveMetadata, CoreError> {
        let mut changed = metadata.clone();
        let texts: [(&'static str, &Option<String>, &mut Option<String>, usize); 6] = [
            ("title", &self.title, &mut changed.title, MAX_SHORT_TEXT),
            ("series", &self.series, &mut changed.series, MAX_SHORT_TEXT),
            ("episode", &self.episode, &mut changed.episode, MAX_SHORT_TEXT),
            ("synopsis", &self.synopsis, &mut changed.synopsis, MAX_TEXT),
            ("language", &self.language, &mut changed.language, 35),
            ("rights holder", &self.rights_holder, &mut changed.rights_holder, MAX_SHORT_TEXT),
        ];
        for (name, new, field, limit) in texts {
            if let Some(value) = new {
                *field = checked_text(name, value, limit)?;
            }
        }
        for (name, new, field) in [
            ("capture date", &self.capture_date, &mut changed.capture_date),
            ("air date", &self.air_date, &mut changed.air_date),
        ] {
            if let Some(value) = new {
                *field = checked_text(name, value, 10)?;
                if let Some(date) = field.as_deref()
                    && !is_partial_date(date)
                {
                    return Err(CoreError::invalid(name, date, "write YYYY-MM-DD, YYYY-MM or YYYY"));
                }
            }
        }
        if let Some(keywords) = &self.keywords {
            let mut kept: Vec<String> = Vec::new();
            for keyword in keywords {
                if let Some(keyword) = checked_text("keyword", keyword, MAX_SHORT_TEXT)?
                    && !kept.contains(&keyword)
                {
                    kept.push(keyword);
                }
            }
            changed.keywords = bounded("keywords", kept)?;
        }
        if let Some(contributors) = &self.contributors {
            let mut kept = Vec::new();
            for contributor in contributors {
                if let Some(name) = checked_text("contributor", &contributor.name, MAX_SHORT_TEXT)? {
                    let role = contributor
                        .role
                        .as_deref()
                        .map(|role| checked_text("contributor role", role, 100))
                        .transpose()?
                        .flatten();
                    kept.push(Contributor { name, role });
                }
            }
            changed.contributors = bounded("contributors", kept)?;
        }
        if let Some(fields) = &self.fields {
            for (key, value) in fields {
                if key.is_empty()
                    || key.len() > 64
                    || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    // The name is quoted back shortened: a request's text is not echoed at length.
                    let shown: String = key.chars().take(64).collect();
                    return Err(CoreError::invalid(
                        "house field",
                        shown,
                        "a field name is letters, digits, '_' and '-'",
                    ));
                }
                match checked_text("house field", value, MAX_TEXT)? {
                    Some(value) => changed.fields.insert(key.clone(), value),
                    None => changed.fields.remove(key),
                };
            }
            if changed.fields.len() > MAX_ITEMS {
                return Err(CoreError::invalid("house fields", changed.fields.len().to_string(), "at most 200"));
            }
        }
        Ok(changed)
    }
}

/// A text as stored: trimmed, `None` when empty, refused when too long or holding control
/// characters other than line breaks.
fn checked_text(name: &'static str, value: &str, limit: usize) -> Result<Option<String>, CoreError> {
    let trimmed = value.trim();
    if trimmed.chars().count() > limit {
        return Err(CoreError::invalid(
            name,
            format!("{} characters", trimmed.chars().count()),
            format!("at most {limit} characters"),
        ));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(CoreError::invalid(
            name,
            trimmed.chars().take(40).collect::<String>(),
            "control characters are refused",
        ));
    }
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

fn bounded<T>(name: &'static str, items: Vec<T>) -> Result<Vec<T>, CoreError> {
    if items.len() > MAX_ITEMS {
        return Err(CoreError::invalid(name, items.len().to_string(), "at most 200"));
    }
    Ok(items)
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with a month 01-12 and a day 01-31.
fn is_partial_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let number = |part: &str, digits: usize, low: u32, high: u32| {
        part.len() == digits && part.parse::<u32>().is_ok_and(|value| (low..=high).contains(&value))
    };
    match parts.as_slice() {
        [year] => number(year, 4, 1000, 9999),
        [year, month] => number(year, 4, 1000, 9999) && number(month, 2, 1, 12),
        [year, month, day] => number(year, 4, 1000, 9999) && number(month, 2, 1, 12) && number(day, 2, 1, 31),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fields_sent_change_and_empty_clears() {
        let before =
            DescriptiveMetadata { title: Some("Old".into()), series: Some("News".into()), ..Default::default() };
        let change = MetadataChange {
            title: Some("  Journal du soir ".into()),
            series: Some(String::new()),
            ..Default::default()
        };
        let after = change.apply(&before).unwrap();
        assert_eq!(after.title.as_deref(), Some("Journal du soir"));
        assert_eq!(after.series, None);
        assert_eq!(change.touched(), ["title", "series"]);
    }

    #[test]
    fn dates_lengths_and_field_names_are_checked() {
        let base = DescriptiveMetadata::default();
        assert!(MetadataChange { air_date: Some("2026-13-01".into()), ..Default::default() }.apply(&base).is_err());
        assert!(MetadataChange { air_date: Some("2026-11".into()), ..Default::default() }.apply(&base).is_ok());
        assert!(MetadataChange { title: Some("x".repeat(501)), ..Default::default() }.apply(&base).is_err());
        assert!(MetadataChange { title: Some("a\u{0}b".into()), ..Default::default() }.apply(&base).is_err());
        let fields = BTreeMap::from([("../x".to_owned(), "y".to_owned())]);
        assert!(MetadataChange { fields: Some(fields), ..Default::default() }.apply(&base).is_err());
    }

    #[test]
    fn keywords_are_kept_once_and_house_fields_removed_by_an_empty_value() {
        let base =
            DescriptiveMetadata { fields: BTreeMap::from([("desk".into(), "sport".into())]), ..Default::default() };
        let change = MetadataChange {
            keywords: Some(vec!["météo".into(), " météo ".into(), String::new()]),
            fields: Some(BTreeMap::from([("desk".into(), String::new()), ("box".into(), "A12".into())])),
            ..Default::default()
        };
        let after = change.apply(&base).unwrap();
        assert_eq!(after.keywords, ["météo"]);
        assert_eq!(after.fields, BTreeMap::from([("box".into(), "A12".into())]));
    }
}
