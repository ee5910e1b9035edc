//! Indexing rules, from the `[search]` section of regie.toml: how each metadata field is treated
//! (ignored, indexed, stored, faceted) and the thesaurus (preferred terms and their synonyms).
//! An index remembers the rules it was filled with; other rules mean a rebuild.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the index does with one metadata field; each level includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldRule {
    /// Not in the index at all.
    Ignored,
    /// Searchable (the default).
    Indexed,
    /// Searchable and returned with each hit under `fields`.
    Stored,
    /// Searchable, returned, and counted as a facet.
    Faceted,
}

/// One thesaurus entry: the preferred term and the words that mean the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThesaurusEntry {
    pub preferred: String,
    pub synonyms: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexRules {
    /// Field name → rule; fields not named are `indexed`.
    pub fields: BTreeMap<String, FieldRule>,
    /// Field name → the language its text is always in (`fr`, `en`), whatever the asset's.
    pub languages: BTreeMap<String, String>,
    pub thesaurus: Vec<ThesaurusEntry>,
}

impl IndexRules {
    pub fn rule(&self, field: &str) -> FieldRule {
        self.fields.get(field).copied().unwrap_or(FieldRule::Indexed)
    }

    pub fn indexes(&self, field: &str) -> bool {
        self.rule(field) >= FieldRule::Indexed
    }

    /// The preferred term for a keyword (matched whole, ignoring case), or the keyword itself.
    pub fn preferred_keyword(&self, keyword: &str) -> String {
        let wanted = keyword.trim().to_lowercase();
        self.thesaurus
            .iter()
            .find(|entry| {
                entry.preferred.to_lowercase() == wanted
                    || entry.synonyms.iter().any(|synonym| synonym.to_lowercase() == wanted)
            })
            .map(|entry| entry.preferred.clone())
            .unwrap_or_else(|| keyword.trim().to_owned())
    }

    /// Keywords with synonyms replaced by their preferred term, each kept once.
    pub fn normalise_keywords(&self, keywords: &[String]) -> Vec<String> {
        let mut normalised: Vec<String> = Vec::with_capacity(keywords.len());
        for keyword in keywords {
            let preferred = self.preferred_keyword(keyword);
            if !normalised.contains(&preferred) {
                normalised.push(preferred);
            }
        }
        normalised
    }

    /// What the index remembers to notice changed rules.
    pub fn fingerprint(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> IndexRules {
        IndexRules {
            fields: BTreeMap::from([
                ("synopsis".into(), FieldRule::Ignored),
                ("department".into(), FieldRule::Faceted),
            ]),
            languages: BTreeMap::new(),
            thesaurus: vec![ThesaurusEntry {
                preferred: "journal télévisé".into(),
                synonyms: vec!["JT".into(), "journal TV".into()],
            }],
        }
    }

    #[test]
    fn levels_include_the_ones_before() {
        let rules = rules();
        assert!(!rules.indexes("synopsis"));
        assert!(rules.indexes("title"));
        assert!(rules.rule("department") >= FieldRule::Stored, "faceted fields are returned too");
        assert_eq!(rules.rule("series"), FieldRule::Indexed, "the default");
    }

    #[test]
    fn synonyms_become_the_preferred_term_once() {
        let keywords = vec!["jt".to_owned(), "Journal TV".to_owned(), "météo".to_owned()];
        assert_eq!(rules().normalise_keywords(&keywords), vec!["journal télévisé".to_owned(), "météo".to_owned()]);
    }
}
