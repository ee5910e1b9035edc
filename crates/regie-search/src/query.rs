//! The query language, parsed into clauses before any index is touched:
//! words, `"phrases"`, `prefix*`, `field:value`, `field:"a phrase"`, ranges (`duration:>600`,
//! `duration:60..600`, `ingested:2026-01..2026-06`, `ingested:>=2026-03-01`), `OR` between
//! clauses (adjacent clauses are all required otherwise), and `-clause` or `NOT clause`.

use crate::SearchError;

/// What a clause looks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Match {
    /// A word (or words, when analysis splits it), anywhere or in `field`.
    Words(String),
    Phrase(String),
    Prefix(String),
    /// A numeric or date range; bounds as written (`600`, `2026-01`).
    Range {
        lower: Option<(String, bool)>,
        upper: Option<(String, bool)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub field: Option<String>,
    pub matching: Match,
}

/// Clauses that must all hold (each an OR of alternatives), and clauses that must not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedQuery {
    pub required: Vec<Vec<Clause>>,
    pub excluded: Vec<Clause>,
}

impl ParsedQuery {
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.excluded.is_empty()
    }

    /// Whether a group of alternatives is free text: words or phrases in no field.
    pub fn is_free_text(group: &[Clause]) -> bool {
        group
            .iter()
            .all(|clause| clause.field.is_none() && matches!(clause.matching, Match::Words(_) | Match::Phrase(_)))
    }

    /// The words of the free-text clauses, as a sentence for semantic search (`None` without any:
    /// a query of fields and ranges alone has no meaning to look for).
    pub fn free_text(&self) -> Option<String> {
        let words: Vec<&str> = self
            .required
            .iter()
            .filter(|group| Self::is_free_text(group))
            .flatten()
            .filter_map(|clause| match &clause.matching {
                Match::Words(value) | Match::Phrase(value) => Some(value.as_str()),
                _ => None,
            })
            .collect();
        (!words.is_empty()).then(|| words.join(" "))
    }
}

pub fn parse(text: &str) -> Result<ParsedQuery, SearchError> {
    let mut parsed = ParsedQuery::default();
    let mut negate_next = false;
    let mut or_pending = false;
    for token in split(text)? {
        match token.as_str() {
            "OR" | "|" => {
                if parsed.required.is_empty() {
                    return Err(invalid(text, "OR needs a clause before it"));
                }
                or_pending = true;
                continue;
            }
            "AND" | "&&" => continue,
            // Everything: `regie search '*'` lists the catalogue (by date with --sort date).
            "*" if !negate_next && !or_pending => continue,
            "NOT" => {
                negate_next = true;
                continue;
            }
            _ => {}
        }
        let (negated, body) = match token.strip_prefix('-') {
            Some(rest) if !rest.is_empty() => (true, rest.to_owned()),
            _ => (negate_next, token.clone()),
        };
        negate_next = false;
        let clause = clause(text, &body)?;
        if negated {
            parsed.excluded.push(clause);
        } else if or_pending {
            parsed.required.last_mut().expect("checked above").push(clause);
        } else {
            parsed.required.push(vec![clause]);
        }
        or_pending = false;
    }
    if or_pending || negate_next {
        return Err(invalid(text, "the query ends with an operator"));
    }
    Ok(parsed)
}

/// Splits on whitespace, keeping `"quoted phrases"` (also after `field:`) in one token.
fn split(text: &str) -> Result<Vec<String>, SearchError> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for character in text.chars() {
        match character {
            '"' => {
                quoted = !quoted;
                current.push(character);
            }
            character if character.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            character => current.push(character),
        }
    }
    if quoted {
        return Err(invalid(text, "a quote is not closed"));
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    Ok(tokens)
}

fn clause(query: &str, token: &str) -> Result<Clause, SearchError> {
    let (field, value) = match token.split_once(':') {
        Some((field, value)) if !field.is_empty() && !field.starts_with('"') => {
            (Some(field.to_ascii_lowercase()), value)
        }
        _ => (None, token),
    };
    if value.is_empty() {
        return Err(invalid(query, &format!("{token} has no value")));
    }
    let matching = if let Some(phrase) = value.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) {
        Match::Phrase(phrase.to_owned())
    } else if let Some(range) = range(value) {
        if field.is_none() {
            return Err(invalid(query, &format!("{value} is a range: say which field, as in duration:{value}")));
        }
        range
    } else if let Some(prefix) = value.strip_suffix('*').filter(|prefix| !prefix.is_empty()) {
        Match::Prefix(prefix.to_owned())
    } else {
        Match::Words(value.to_owned())
    };
    Ok(Clause { field, matching })
}

/// `>600`, `>=600`, `<60`, `<=60`, `60..600`, `2026-01..`, `..2026-06`.
fn range(value: &str) -> Option<Match> {
    let bound = |text: &str, inclusive: bool| (!text.is_empty()).then(|| (text.to_owned(), inclusive));
    if let Some(rest) = value.strip_prefix(">=") {
        return Some(Match::Range { lower: bound(rest, true), upper: None });
    }
    if let Some(rest) = value.strip_prefix('>') {
        return Some(Match::Range { lower: bound(rest, false), upper: None });
    }
    if let Some(rest) = value.strip_prefix("<=") {
        return Some(Match::Range { lower: None, upper: bound(rest, true) });
    }
    if let Some(rest) = value.strip_prefix('<') {
        return Some(Match::Range { lower: None, upper: bound(rest, false) });
    }
    let (lower, upper) = value.split_once("..")?;
    Some(Match::Range { lower: bound(lower, true), upper: bound(upper, true) })
}

fn invalid(query: &str, reason: &str) -> SearchError {
    SearchError::Query { query: query.to_owned(), reason: reason.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(field: Option<&str>, value: &str) -> Clause {
        Clause { field: field.map(str::to_owned), matching: Match::Words(value.to_owned()) }
    }

    #[test]
    fn words_phrases_fields_and_operators() {
        assert!(parse("*").unwrap().is_empty(), "a lone star is everything");
        let parsed = parse(r#"journal "Le Monde" title:tour -sport NOT tag:archive jour*"#).unwrap();
        assert_eq!(parsed.required[0], vec![words(None, "journal")]);
        assert_eq!(parsed.required[1][0].matching, Match::Phrase("Le Monde".into()));
        assert_eq!(parsed.required[2], vec![words(Some("title"), "tour")]);
        assert_eq!(parsed.excluded, vec![words(None, "sport"), words(Some("tag"), "archive")]);
        assert_eq!(parsed.required[3][0].matching, Match::Prefix("jour".into()));
        let alternatives = parse("codec:h264 OR codec:prores").unwrap();
        assert_eq!(alternatives.required.len(), 1);
        assert_eq!(alternatives.required[0].len(), 2);
        assert_eq!(parse(r#"title:"le journal""#).unwrap().required[0][0].matching, Match::Phrase("le journal".into()));
    }

    #[test]
    fn free_text_is_the_words_in_no_field() {
        let parsed = parse(r#"pêche "haute mer" codec:h264 -sport jour* duration:>60"#).unwrap();
        assert_eq!(parsed.free_text().as_deref(), Some("pêche haute mer"));
        assert_eq!(parse("codec:h264 duration:>60").unwrap().free_text(), None);
        assert_eq!(parse("*").unwrap().free_text(), None);
    }

    #[test]
    fn ranges_need_a_field() {
        let parsed = parse("duration:>600 ingested:2026-01..2026-06 duration:<=60").unwrap();
        assert_eq!(parsed.required[0][0].matching, Match::Range { lower: Some(("600".into(), false)), upper: None });
        assert_eq!(
            parsed.required[1][0].matching,
            Match::Range { lower: Some(("2026-01".into(), true)), upper: Some(("2026-06".into(), true)) }
        );
        assert_eq!(parsed.required[2][0].matching, Match::Range { lower: None, upper: Some(("60".into(), true)) });
        assert!(parse(">600").is_err());
    }

    #[test]
    fn broken_queries_are_refused() {
        for bad in ["\"unclosed", "OR journal", "journal OR", "NOT", "title:"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("").unwrap().is_empty());
    }
}
