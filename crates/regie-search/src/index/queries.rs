//! Parsed queries turned into tantivy queries: each clause analysed by its field's analyser,
//! thesaurus synonyms added as alternatives, ranges on numbers and dates.

use std::ops::Bound;

use chrono::{DateTime, Utc};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use regie_core::access::Visibility;
use regie_core::semantic::SemanticMatch;

use super::SearchIndex;
use crate::SearchError;
use crate::analysis::{self, terms};
use crate::period::period;
use crate::query::{Clause, Match, ParsedQuery};

/// What every exact match scores above: a match in meaning scores its cosine (at most 1), so exact
/// matches always come first.
pub(super) const EXACT_TIER: f32 = 10.0;

impl SearchIndex {
    pub(super) fn visibility_filter(&self, visible: &Visibility) -> Option<Box<dyn Query>> {
        let Visibility::Limited { collections, owner_id } = visible else { return None };
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = collections
            .iter()
            .map(|collection| (Occur::Should, self.term(self.fields.collection_tree, collection)))
            .collect();
        if let Some(owner) = owner_id {
            alternatives.push((Occur::Should, self.term(self.fields.owner, owner)));
        }
        if alternatives.is_empty() {
            // Nothing is readable: a query that matches nothing.
            return Some(Box::new(BooleanQuery::new(vec![(Occur::MustNot, Box::new(AllQuery))])));
        }
        Some(Box::new(BooleanQuery::new(alternatives)))
    }

    fn term(&self, field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
    }

    pub(super) fn build(&self, text: &str, parsed: &ParsedQuery) -> Result<Box<dyn Query>, SearchError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &parsed.required {
            let alternatives = group
                .iter()
                .map(|clause| Ok((Occur::Should, self.clause(text, clause)?)))
                .collect::<Result<Vec<_>, SearchError>>()?;
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        for clause in &parsed.excluded {
            clauses.push((Occur::MustNot, self.clause(text, clause)?));
        }
        if parsed.required.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// Like `build`, with the assets close in meaning to the query's free text as alternatives to
    /// its words: an exact match scores `EXACT_TIER` more than its relevance, a match in meaning
    /// only its cosine. Fields, ranges and exclusions still hold for both.
    pub(super) fn build_hybrid(
        &self,
        text: &str,
        parsed: &ParsedQuery,
        semantic: &[SemanticMatch],
    ) -> Result<Box<dyn Query>, SearchError> {
        let (free, fielded): (Vec<&Vec<Clause>>, Vec<&Vec<Clause>>) =
            parsed.required.iter().partition(|group| ParsedQuery::is_free_text(group));
        if semantic.is_empty() || free.is_empty() {
            return self.build(text, parsed);
        }
        let group_query = |group: &Vec<Clause>| -> Result<Box<dyn Query>, SearchError> {
            let alternatives = group
                .iter()
                .map(|clause| Ok((Occur::Should, self.clause(text, clause)?)))
                .collect::<Result<Vec<_>, SearchError>>()?;
            Ok(Box::new(BooleanQuery::new(alternatives)))
        };
        let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &free {
            words.push((Occur::Must, group_query(group)?));
        }
        words.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(AllQuery), EXACT_TIER))));
        let meaning: Vec<(Occur, Box<dyn Query>)> = semantic
            .iter()
            .map(|found| {
                let term = self.term(self.fields.asset_id, &found.asset_id.to_string());
                (Occur::Should, Box::new(ConstScoreQuery::new(term, found.score.clamp(0.0, 1.0))) as Box<dyn Query>)
            })
            .collect();
        let either: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
            (Occur::Should, Box::new(BooleanQuery::new(words))),
            (Occur::Should, Box::new(BooleanQuery::new(meaning))),
        ]));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, either)];
        for group in fielded {
            clauses.push((Occur::Must, group_query(group)?));
        }
        for clause in &parsed.excluded {
            clauses.push((Occur::MustNot, self.clause(text, clause)?));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// One clause as a tantivy query.
    fn clause(&self, text: &str, clause: &Clause) -> Result<Box<dyn Query>, SearchError> {
        let fields = &self.fields;
        let invalid = |reason: String| SearchError::Query { query: text.to_owned(), reason };
        let Some(name) = clause.field.as_deref() else {
            // Anywhere: every text field in both languages, house fields, subtitles, the file name.
            let mut targets: Vec<Field> = fields.texts.iter().flat_map(|pair| [pair.french, pair.english]).collect();
            targets.extend([fields.subtitles.french, fields.subtitles.english, fields.custom_text, fields.name]);
            return self.with_synonyms(&targets, &clause.matching, text);
        };
        let exact = |field: Field, lowercase: bool| -> Result<Box<dyn Query>, SearchError> {
            let value = match &clause.matching {
                Match::Words(value) | Match::Phrase(value) => value.clone(),
                Match::Prefix(_) | Match::Range { .. } => {
                    return Err(invalid(format!("{name}: takes a plain value")));
                }
            };
            let value = if lowercase { value.to_lowercase() } else { value };
            Ok(self.term(field, &value))
        };
        match canonical(name) {
            Some("collection") => exact(fields.collection_tree, false),
            Some("tag") => exact(fields.tag, true),
            Some("codec") => exact(fields.codec, true),
            Some("container") => exact(fields.container, true),
            Some("resolution") => exact(fields.resolution, true),
            Some("language") => exact(fields.language, true),
            Some("audio") => exact(fields.audio_layout, true),
            Some("finding") => exact(fields.finding, false),
            Some("house_id") => exact(fields.house_id, false),
            Some("id") => exact(fields.asset_id, false),
            Some("name") => self.analysed(&[fields.name], &clause.matching, text),
            Some("duration") => self.numeric_range(fields.duration, name, &clause.matching, text),
            Some("fps") => self.numeric_range(fields.frame_rate, name, &clause.matching, text),
            Some("ingested") => self.date_range(fields.ingested, &clause.matching, text),
            Some("captured") => self.date_range(fields.captured, &clause.matching, text),
            Some("aired") => self.date_range(fields.aired, &clause.matching, text),
            Some("date") => self.date_range(fields.date, &clause.matching, text),
            Some("subtitles") => {
                self.with_synonyms(&[fields.subtitles.french, fields.subtitles.english], &clause.matching, text)
            }
            Some(attribute) => match fields.text(attribute) {
                Some(pair) => self.with_synonyms(&[pair.french, pair.english], &clause.matching, text),
                None => Err(invalid(format!("unknown field {name}"))),
            },
            None if self.rules.fields.contains_key(name) => {
                let value = match &clause.matching {
                    Match::Words(value) | Match::Phrase(value) => value.to_lowercase(),
                    Match::Prefix(_) | Match::Range { .. } => {
                        return Err(invalid(format!("{name}: takes a plain value")));
                    }
                };
                Ok(self.term(fields.custom, &format!("{name}={value}")))
            }
            None => Err(invalid(format!(
                "unknown field {name}: use title, series, episode, synopsis, keywords, contributors, rights, name, \
                 subtitles, collection, tag, codec, container, resolution, language, audio, finding, duration, fps, \
                 ingested, captured, aired, date or a field named in [search.fields]"
            ))),
        }
    }

    /// Like `analysed`, and when the words are a thesaurus term, any term of its entry matches too
    /// (`JT` also finds `journal télévisé`).
    fn with_synonyms(&self, targets: &[Field], matching: &Match, text: &str) -> Result<Box<dyn Query>, SearchError> {
        let written = match matching {
            Match::Words(value) | Match::Phrase(value) => value,
            _ => return self.analysed(targets, matching, text),
        };
        let mut folding = self.index.tokenizers().get(analysis::FOLDED).expect("registered");
        let folded = terms(&mut folding, written);
        let entry = self.rules.thesaurus.iter().find(|entry| {
            std::iter::once(&entry.preferred).chain(&entry.synonyms).any(|term| terms(&mut folding, term) == folded)
        });
        let Some(entry) = entry else { return self.analysed(targets, matching, text) };
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in std::iter::once(&entry.preferred).chain(&entry.synonyms) {
            // A term whose words all vanish in analysis is simply not an alternative.
            if let Ok(query) = self.analysed(targets, &Match::Phrase(term.clone()), text) {
                alternatives.push((Occur::Should, query));
            }
        }
        Ok(Box::new(BooleanQuery::new(alternatives)))
    }

    /// Words, phrases or a prefix analysed by each field's own analyser; any field may match.
    fn analysed(&self, targets: &[Field], matching: &Match, text: &str) -> Result<Box<dyn Query>, SearchError> {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &field in targets {
            let mut analyzer = self.index.tokenizer_for_field(field)?;
            let query: Option<Box<dyn Query>> = match matching {
                Match::Words(value) | Match::Phrase(value) => {
                    let words = terms(&mut analyzer, value);
                    match words.len() {
                        0 => None,
                        1 => Some(self.term_with_freqs(field, &words[0])),
                        _ => Some(Box::new(PhraseQuery::new(
                            words.iter().map(|word| Term::from_field_text(field, word)).collect(),
                        ))),
                    }
                }
                Match::Prefix(prefix) => {
                    // The prefix is folded but not stemmed: `journ*` finds `journal` and `journaux`.
                    let mut folding = self.index.tokenizers().get(analysis::FOLDED).expect("registered");
                    terms(&mut folding, prefix).pop().map(|word| {
                        Box::new(PhrasePrefixQuery::new(vec![Term::from_field_text(field, &word)])) as Box<dyn Query>
                    })
                }
                Match::Range { .. } => {
                    return Err(SearchError::Query {
                        query: text.to_owned(),
                        reason: "ranges need a field such as duration".into(),
                    });
                }
            };
            if let Some(query) = query {
                alternatives.push((Occur::Should, query));
            }
        }
        if alternatives.is_empty() {
            return Err(SearchError::Query {
                query: text.to_owned(),
                reason: "a clause has no searchable word".into(),
            });
        }
        Ok(Box::new(BooleanQuery::new(alternatives)))
    }

    fn term_with_freqs(&self, field: Field, word: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs))
    }

    fn numeric_range(
        &self,
        field: Field,
        name: &str,
        matching: &Match,
        text: &str,
    ) -> Result<Box<dyn Query>, SearchError> {
        let parse_number = |value: &str| {
            value.parse::<f64>().map_err(|_| SearchError::Query {
                query: text.to_owned(),
                reason: format!("{name} takes a number of seconds or a range such as >600 or 60..600"),
            })
        };
        let (lower, upper) = match matching {
            Match::Range { lower, upper } => (lower.clone(), upper.clone()),
            Match::Words(value) => {
                let number = parse_number(value)?.to_string();
                (Some((number.clone(), true)), Some((number, true)))
            }
            _ => {
                return Err(SearchError::Query {
                    query: text.to_owned(),
                    reason: format!("{name} takes a number or a range"),
                });
            }
        };
        let bound = |side: Option<(String, bool)>| -> Result<Bound<Term>, SearchError> {
            Ok(match side {
                None => Bound::Unbounded,
                Some((value, inclusive)) => {
                    let term = Term::from_field_f64(field, parse_number(&value)?);
                    if inclusive { Bound::Included(term) } else { Bound::Excluded(term) }
                }
            })
        };
        Ok(Box::new(RangeQuery::new(bound(lower)?, bound(upper)?)))
    }

    /// Dates as `2026`, `2026-03` or `2026-03-14`: a lower bound starts the period, an upper bound
    /// (inclusive) ends with it, so `2026-01..2026-06` is January to June.
    fn date_range(&self, field: Field, matching: &Match, text: &str) -> Result<Box<dyn Query>, SearchError> {
        let period = |value: &str| {
            period(value).ok_or_else(|| SearchError::Query {
                query: text.to_owned(),
                reason: format!("{value} is not a date: write 2026, 2026-03 or 2026-03-14"),
            })
        };
        let (lower, upper) = match matching {
            Match::Range { lower, upper } => (lower.clone(), upper.clone()),
            Match::Words(value) => (Some((value.clone(), true)), Some((value.clone(), true))),
            _ => {
                return Err(SearchError::Query {
                    query: text.to_owned(),
                    reason: "dates take a value such as 2026-03 or a range such as 2026-01..2026-06".into(),
                });
            }
        };
        let term = |time: DateTime<Utc>| {
            Term::from_field_date(field, tantivy::DateTime::from_timestamp_micros(time.timestamp_micros()))
        };
        let lower = match lower {
            None => Bound::Unbounded,
            Some((value, true)) => Bound::Included(term(period(&value)?.0)),
            Some((value, false)) => Bound::Included(term(period(&value)?.1)),
        };
        let upper = match upper {
            None => Bound::Unbounded,
            Some((value, true)) => Bound::Excluded(term(period(&value)?.1)),
            Some((value, false)) => Bound::Excluded(term(period(&value)?.0)),
        };
        Ok(Box::new(RangeQuery::new(lower, upper)))
    }
}

/// The field a query name stands for (aliases included).
fn canonical(name: &str) -> Option<&'static str> {
    Some(match name {
        "title" => "title",
        "series" => "series",
        "episode" => "episode",
        "synopsis" => "synopsis",
        "keyword" | "keywords" => "keywords",
        "contributor" | "contributors" | "credits" => "contributors",
        "rights" | "rights_holder" => "rights",
        "name" | "filename" => "name",
        "collection" => "collection",
        "tag" => "tag",
        "codec" => "codec",
        "container" | "format" => "container",
        "resolution" => "resolution",
        "language" | "lang" => "language",
        "audio" => "audio",
        "finding" => "finding",
        "house_id" | "houseid" => "house_id",
        "id" => "id",
        "duration" => "duration",
        "fps" | "frame_rate" => "fps",
        "ingested" => "ingested",
        "captured" | "capture_date" => "captured",
        "aired" | "air_date" => "aired",
        "date" => "date",
        "subtitles" | "subtitle" | "said" => "subtitles",
        _ => return None,
    })
}
