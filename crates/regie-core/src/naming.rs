//! House naming rules: a file-name pattern such as `{title:text}_{date:yyyymmdd}_{version:version}.{ext}`
//! and a check that says, per file, exactly what is wrong with a name.
//!
//! A pattern is fields in braces (`{name:kind}`) separated by literal text. Kinds: `upper`
//! (A-Z, 0-9), `lower`, `alnum`, `text` (letters, digits, hyphens), `digits` or `digitsN`
//! (exactly N digits), `yyyymmdd` (a real date), `version` (`v` and digits), `ext` (one of the
//! allowed extensions).

use serde::Serialize;

use crate::CoreError;

/// A parsed house naming pattern with its general limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingRule {
    tokens: Vec<Token>,
    allowed_extensions: Vec<String>,
    max_length: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Field { name: String, kind: FieldKind },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Upper,
    Lower,
    Alnum,
    Text,
    Digits(Option<usize>),
    Date,
    Version,
    Extension,
}

/// One thing wrong with a file name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamingProblem {
    /// The field it concerns, or `name` for the whole name.
    pub field: String,
    pub message: String,
}

impl NamingRule {
    pub fn parse(pattern: &str, allowed_extensions: &[String], max_length: usize) -> Result<Self, CoreError> {
        let tokens = tokenize(pattern)?;
        let adjacent_fields = tokens.windows(2).any(|pair| matches!(pair, [Token::Field { .. }, Token::Field { .. }]));
        if adjacent_fields {
            return Err(CoreError::invalid("naming pattern", pattern, "two fields must be separated by literal text"));
        }
        Ok(Self {
            tokens,
            allowed_extensions: allowed_extensions.iter().map(|extension| extension.to_ascii_lowercase()).collect(),
            max_length,
        })
    }

    /// Every problem with `file_name` (no directory part); empty when the name conforms.
    pub fn check(&self, file_name: &str) -> Vec<NamingProblem> {
        let mut problems = general_problems(file_name, self.max_length);
        let mut rest = file_name;
        for (index, token) in self.tokens.iter().enumerate() {
            match token {
                Token::Literal(literal) => match rest.strip_prefix(literal.as_str()) {
                    Some(after) => rest = after,
                    None => {
                        problems.push(problem("name", format!("expected {literal:?} at {rest:?}")));
                        return problems;
                    }
                },
                Token::Field { name, kind } => {
                    let value = match self.tokens.get(index + 1) {
                        Some(Token::Literal(next)) => match find_separator(rest, next, *kind) {
                            Some(end) => &rest[..end],
                            None => {
                                problems.push(problem(name, format!("missing: no {next:?} after the {name} field")));
                                return problems;
                            }
                        },
                        _ => rest,
                    };
                    if let Some(message) = self.field_problem(*kind, value) {
                        problems.push(problem(name, format!("{value:?} {message}")));
                    }
                    rest = &rest[value.len()..];
                }
            }
        }
        if !rest.is_empty() {
            problems.push(problem("name", format!("unexpected trailing text {rest:?}")));
        }
        problems
    }

    fn field_problem(&self, kind: FieldKind, value: &str) -> Option<String> {
        if value.is_empty() {
            return Some("is empty".to_owned());
        }
        let all = |allowed: fn(char) -> bool| value.chars().all(allowed);
        match kind {
            FieldKind::Upper => (!all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
                .then(|| "must be capital letters and digits only".to_owned()),
            FieldKind::Lower => (!all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
                .then(|| "must be lowercase letters and digits only".to_owned()),
            FieldKind::Alnum => {
                (!all(|c| c.is_ascii_alphanumeric())).then(|| "must be letters and digits only".to_owned())
            }
            FieldKind::Text => (!all(|c| c.is_ascii_alphanumeric() || c == '-'))
                .then(|| "must be letters, digits and hyphens only".to_owned()),
            FieldKind::Digits(width) => digits_problem(value, width),
            FieldKind::Date => date_problem(value),
            FieldKind::Version => {
                let digits = value.strip_prefix('v').or_else(|| value.strip_prefix('V'));
                match digits {
                    Some(digits) if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => None,
                    _ => Some("must be a version such as v01".to_owned()),
                }
            }
            FieldKind::Extension => {
                let lowered = value.to_ascii_lowercase();
                (!self.allowed_extensions.is_empty() && !self.allowed_extensions.contains(&lowered))
                    .then(|| format!("is not an allowed extension ({})", self.allowed_extensions.join(", ")))
            }
        }
    }
}

/// Where a field ends: the first occurrence of the next literal, except that an extension field
/// or the field before a final `.` takes the last one, so `a.b.mxf` splits at the last dot.
fn find_separator(rest: &str, next: &str, kind: FieldKind) -> Option<usize> {
    if next == "." && kind != FieldKind::Extension { rest.rfind(next) } else { rest.find(next) }
}

fn general_problems(file_name: &str, max_length: usize) -> Vec<NamingProblem> {
    let mut problems = Vec::new();
    let length = file_name.chars().count();
    if length > max_length {
        problems.push(problem("name", format!("is {length} characters long, at most {max_length} allowed")));
    }
    if file_name.contains(char::is_whitespace) {
        problems.push(problem("name", "contains spaces"));
    }
    if !file_name.is_ascii() {
        problems
            .push(problem("name", "contains non-ASCII characters (accents are not portable to every playout server)"));
    }
    if let Some(bad) = file_name.chars().find(|c| "\\/:*?\"<>|".contains(*c) || c.is_control()) {
        problems.push(problem("name", format!("contains the forbidden character {bad:?}")));
    }
    problems
}

fn digits_problem(value: &str, width: Option<usize>) -> Option<String> {
    if !value.chars().all(|c| c.is_ascii_digit()) {
        return Some("must be digits only".to_owned());
    }
    match width {
        Some(width) if value.len() != width => Some(format!("must be exactly {width} digits")),
        _ => None,
    }
}

fn date_problem(value: &str) -> Option<String> {
    let invalid = || Some("must be a real date written YYYYMMDD".to_owned());
    if value.len() != 8 || !value.chars().all(|c| c.is_ascii_digit()) {
        return invalid();
    }
    let year: u32 = value[0..4].parse().ok()?;
    let month: u32 = value[4..6].parse().ok()?;
    let day: u32 = value[6..8].parse().ok()?;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return invalid(),
    };
    if !(1900..=2999).contains(&year) || day == 0 || day > days_in_month {
        return invalid();
    }
    None
}

fn problem(field: &str, message: impl Into<String>) -> NamingProblem {
    NamingProblem { field: field.to_owned(), message: message.into() }
}

fn tokenize(pattern: &str) -> Result<Vec<Token>, CoreError> {
    let mut tokens = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        if let Some(after_brace) = rest.strip_prefix('{') {
            let close =
                after_brace.find('}').ok_or_else(|| CoreError::invalid("naming pattern", pattern, "unclosed '{'"))?;
            let inside = &after_brace[..close];
            let (name, kind_text) = inside.split_once(':').unwrap_or((inside, inside));
            let kind = parse_kind(kind_text).ok_or_else(|| {
                CoreError::invalid("naming pattern", pattern, format!("unknown field kind {kind_text:?}"))
            })?;
            tokens.push(Token::Field { name: name.to_owned(), kind });
            rest = &after_brace[close + 1..];
        } else {
            let end = rest.find('{').unwrap_or(rest.len());
            tokens.push(Token::Literal(rest[..end].to_owned()));
            rest = &rest[end..];
        }
    }
    if tokens.is_empty() {
        return Err(CoreError::invalid("naming pattern", pattern, "the pattern is empty"));
    }
    Ok(tokens)
}

fn parse_kind(text: &str) -> Option<FieldKind> {
    Some(match text {
        "upper" => FieldKind::Upper,
        "lower" => FieldKind::Lower,
        "alnum" => FieldKind::Alnum,
        "text" => FieldKind::Text,
        "yyyymmdd" | "date" => FieldKind::Date,
        "version" => FieldKind::Version,
        "ext" => FieldKind::Extension,
        "digits" => FieldKind::Digits(None),
        other => FieldKind::Digits(Some(other.strip_prefix("digits")?.parse().ok()?)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> NamingRule {
        let extensions = ["mxf".to_owned(), "mov".to_owned()];
        NamingRule::parse("{programme:upper}_{episode:digits3}_{date:yyyymmdd}_{version}.{ext}", &extensions, 40)
            .unwrap()
    }

    fn fields(problems: &[NamingProblem]) -> Vec<&str> {
        problems.iter().map(|problem| problem.field.as_str()).collect()
    }

    #[test]
    fn a_conforming_name_has_no_problems() {
        assert!(rule().check("NEWS_012_20261122_v01.mxf").is_empty());
        assert!(rule().check("NEWS_012_20261122_v01.MOV").is_empty());
    }

    #[test]
    fn each_wrong_field_is_named() {
        let problems = rule().check("News_12_20261341_01.avi");
        assert_eq!(fields(&problems), ["programme", "episode", "date", "version", "ext"]);
        assert!(problems[1].message.contains("exactly 3 digits"));
        assert!(problems[4].message.contains("mxf, mov"));
    }

    #[test]
    fn missing_separators_and_general_problems_are_reported() {
        let problems = rule().check("NEWS 012.mxf");
        assert_eq!(fields(&problems), ["name", "programme"]);
        assert!(problems[0].message.contains("spaces"));
        let long = format!("NEWS_012_20261122_v01{}.mxf", "1".repeat(30));
        assert!(rule().check(&long).iter().any(|problem| problem.message.contains("at most 40")));
        assert!(rule().check("NÉWS_012_20261122_v01.mxf").iter().any(|problem| problem.message.contains("non-ASCII")));
    }

    #[test]
    fn leap_days_are_dates_and_february_30_is_not() {
        assert!(date_problem("20240229").is_none());
        assert!(date_problem("20230229").is_some());
        assert!(date_problem("20260230").is_some());
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(NamingRule::parse("{a:upper}{b:digits}", &[], 10).is_err());
        assert!(NamingRule::parse("{a:nonsense}", &[], 10).is_err());
        assert!(NamingRule::parse("{a:upper", &[], 10).is_err());
    }
}
