//! House ids: the human-readable reference a house gives each asset, rendered from a template such
//! as `{collection}-{date}-{seq:05}`. Placeholders: `collection` (last segment, upper-cased,
//! letters and digits only), `date` (YYYYMMDD), `year`, `seq` or `seq:0N` (a counter per
//! rendered prefix, so each collection and day counts from 1).

use crate::CoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseIdTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Collection,
    Date,
    Year,
    Sequence { width: usize },
}

/// What a house id is rendered from.
#[derive(Debug, Clone)]
pub struct HouseIdContext<'a> {
    pub collection_leaf: &'a str,
    /// The ingest date as `YYYYMMDD`.
    pub date: &'a str,
}

impl HouseIdTemplate {
    pub fn parse(template: &str) -> Result<Self, CoreError> {
        let mut parts = Vec::new();
        let mut rest = template;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let close =
                    after.find('}').ok_or_else(|| CoreError::invalid("house id template", template, "unclosed '{'"))?;
                parts.push(parse_placeholder(&after[..close]).ok_or_else(|| {
                    CoreError::invalid(
                        "house id template",
                        template,
                        format!("unknown placeholder {{{}}}", &after[..close]),
                    )
                })?);
                rest = &after[close + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                parts.push(Part::Literal(rest[..end].to_owned()));
                rest = &rest[end..];
            }
        }
        if !parts.iter().any(|part| matches!(part, Part::Sequence { .. })) {
            return Err(CoreError::invalid("house id template", template, "needs a {seq} so every id is unique"));
        }
        Ok(Self { parts })
    }

    /// The key the sequence counts within: the id with the sequence left out.
    pub fn scope(&self, context: &HouseIdContext<'_>) -> String {
        self.render_with(context, |_| "#".to_owned())
    }

    pub fn render(&self, context: &HouseIdContext<'_>, sequence: u64) -> String {
        self.render_with(context, |width| format!("{sequence:0width$}"))
    }

    fn render_with(&self, context: &HouseIdContext<'_>, sequence: impl Fn(usize) -> String) -> String {
        let mut rendered = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => rendered.push_str(text),
                Part::Collection => rendered.extend(
                    context.collection_leaf.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()),
                ),
                Part::Date => rendered.push_str(context.date),
                Part::Year => rendered.push_str(context.date.get(..4).unwrap_or(context.date)),
                Part::Sequence { width } => rendered.push_str(&sequence(*width)),
            }
        }
        rendered
    }
}

fn parse_placeholder(text: &str) -> Option<Part> {
    Some(match text {
        "collection" => Part::Collection,
        "date" => Part::Date,
        "year" => Part::Year,
        "seq" => Part::Sequence { width: 1 },
        other => {
            let width = other.strip_prefix("seq:")?.trim_start_matches('0');
            Part::Sequence { width: if width.is_empty() { 1 } else { width.parse().ok()? } }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn house_ids_render_with_padded_sequence() {
        let template = HouseIdTemplate::parse("{collection}-{date}-{seq:05}").unwrap();
        let context = HouseIdContext { collection_leaf: "evening news", date: "20261122" };
        assert_eq!(template.render(&context, 42), "EVENINGNEWS-20261122-00042");
        assert_eq!(template.scope(&context), "EVENINGNEWS-20261122-#");
    }

    #[test]
    fn templates_without_sequence_or_with_unknown_placeholders_are_refused() {
        assert!(HouseIdTemplate::parse("{collection}-{date}").is_err());
        assert!(HouseIdTemplate::parse("{what}-{seq}").is_err());
    }
}
