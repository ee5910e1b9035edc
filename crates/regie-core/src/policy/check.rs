//! One check, `FIELD OP VALUE`, parsed from its text form.

use std::fmt;

use serde_json::Value;

use super::PolicyError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    In,
    NotIn,
}

/// What a check compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    Value(Value),
    List(Vec<Value>),
    Within { centre: f64, tolerance: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub field: String,
    pub operator: Operator,
    pub expected: Expected,
}

impl Check {
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let invalid = |reason: &str| PolicyError::InvalidCheck { check: text.to_owned(), reason: reason.to_owned() };
        let text_trimmed = text.trim();
        let field_end = text_trimmed.find(char::is_whitespace).ok_or_else(|| invalid("expected FIELD OP VALUE"))?;
        let field = text_trimmed[..field_end].to_owned();
        let rest = text_trimmed[field_end..].trim_start();
        const OPERATORS: &[(&str, Operator)] = &[
            ("not in ", Operator::NotIn),
            ("in ", Operator::In),
            ("==", Operator::Equal),
            ("!=", Operator::NotEqual),
            ("<=", Operator::LessOrEqual),
            (">=", Operator::GreaterOrEqual),
            ("<", Operator::Less),
            (">", Operator::Greater),
        ];
        let (symbol, operator) = OPERATORS
            .iter()
            .find(|(symbol, _)| rest.starts_with(symbol))
            .ok_or_else(|| invalid("unknown operator (use ==, !=, <, <=, >, >=, in, not in)"))?;
        let value_text = rest[symbol.len()..].trim();
        let expected = parse_expected(value_text, *operator).map_err(|reason| invalid(&reason))?;
        Ok(Self { field, operator: *operator, expected })
    }

    /// Whether one measured value satisfies the check.
    pub fn accepts(&self, measured: &Value) -> bool {
        match (&self.expected, self.operator) {
            (Expected::Within { centre, tolerance }, Operator::In) => {
                measured.as_f64().is_some_and(|value| (value - centre).abs() <= tolerance + 1e-9)
            }
            (Expected::Within { centre, tolerance }, Operator::NotIn) => {
                measured.as_f64().is_some_and(|value| (value - centre).abs() > tolerance + 1e-9)
            }
            (Expected::List(items), Operator::In) => items.iter().any(|item| same(item, measured)),
            (Expected::List(items), Operator::NotIn) => !items.iter().any(|item| same(item, measured)),
            (Expected::Value(expected), Operator::Equal) => same(expected, measured),
            (Expected::Value(expected), Operator::NotEqual) => !same(expected, measured),
            (Expected::Value(expected), operator) => match (measured.as_f64(), expected.as_f64()) {
                (Some(value), Some(limit)) => match operator {
                    Operator::Less => value < limit,
                    Operator::LessOrEqual => value <= limit,
                    Operator::Greater => value > limit,
                    Operator::GreaterOrEqual => value >= limit,
                    _ => false,
                },
                _ => false,
            },
            _ => false,
        }
    }
}

/// Numbers compare by value (48000 equals 48000.0); everything else exactly.
fn same(expected: &Value, measured: &Value) -> bool {
    match (expected.as_f64(), measured.as_f64()) {
        (Some(left), Some(right)) => (left - right).abs() < 1e-9,
        _ => expected == measured,
    }
}

fn parse_expected(text: &str, operator: Operator) -> Result<Expected, String> {
    let tolerance_split = text.split_once('±').or_else(|| text.split_once("+-"));
    if let Some((centre, tolerance)) = tolerance_split {
        if !matches!(operator, Operator::In | Operator::NotIn) {
            return Err("a tolerance (X ± T) goes with `in` or `not in`".to_owned());
        }
        let number = |part: &str| part.trim().parse::<f64>().map_err(|_| format!("{part:?} is not a number"));
        return Ok(Expected::Within { centre: number(centre)?, tolerance: number(tolerance)?.abs() });
    }
    let value: Value =
        serde_json::from_str(text).map_err(|_| format!("{text:?} is not a number, \"string\" or [list]"))?;
    match (value, operator) {
        (Value::Array(items), Operator::In | Operator::NotIn) => Ok(Expected::List(items)),
        (_, Operator::In | Operator::NotIn) => Err("`in` takes a [list] or X ± T".to_owned()),
        (Value::Array(_), _) => Err("a [list] goes with `in` or `not in`".to_owned()),
        (value, _) => Ok(Expected::Value(value)),
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value(value) => write!(f, "{value}"),
            Self::List(items) => write!(f, "{}", Value::Array(items.clone())),
            Self::Within { centre, tolerance } => write!(f, "{centre} ± {tolerance}"),
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Equal => "==",
            Self::NotEqual => "!=",
            Self::Less => "<",
            Self::LessOrEqual => "<=",
            Self::Greater => ">",
            Self::GreaterOrEqual => ">=",
            Self::In => "in",
            Self::NotIn => "not in",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_operator_parses_and_decides() {
        let accepts = |check: &str, value: Value| Check::parse(check).unwrap().accepts(&value);
        assert!(accepts(r#"video.codec == "mpeg2video""#, json!("mpeg2video")));
        assert!(!accepts(r#"video.codec == "mpeg2video""#, json!("h264")));
        assert!(accepts("video.height == 1080", json!(1080)));
        assert!(accepts(r#"video.field_order in ["tt", "bt"]"#, json!("bt")));
        assert!(accepts(r#"container not in ["mp4"]"#, json!("mxf")));
        assert!(accepts("audio.count >= 8", json!(8)));
        assert!(!accepts("audio.count >= 8", json!(2)));
        assert!(accepts("loudness.integrated in -23.0 ± 0.5", json!(-23.4)));
        assert!(!accepts("loudness.integrated in -23.0 +- 0.5", json!(-22.4)));
        assert!(accepts("loudness.true_peak <= -1", json!(-1.0)));
        assert!(accepts("audio[*].sample_rate == 48000", json!(48000.0)));
        assert!(!accepts("duration_s >= 60", json!("long")));
    }

    #[test]
    fn malformed_checks_say_what_is_wrong() {
        for (check, reason) in [
            ("video.codec", "FIELD OP VALUE"),
            ("video.codec ~= 1", "unknown operator"),
            ("video.codec == mpeg2", "not a number"),
            ("x in 5", "takes a [list]"),
            ("x == -23 ± 1", "tolerance"),
        ] {
            let error = Check::parse(check).unwrap_err().to_string();
            assert!(error.contains(reason), "{check}: {error}");
        }
    }
}
