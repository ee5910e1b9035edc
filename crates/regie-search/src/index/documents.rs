//! An asset's search document turned into tantivy's, under the indexing rules: text fields in
//! the language(s) that apply, exact values lower-cased, dates, facets and returned fields.

use std::collections::BTreeMap;

use chrono::DateTime;
use tantivy::TantivyDocument;
use tantivy::schema::{Facet, Field};

use super::SearchIndex;
use crate::SearchDocument;
use crate::period::period;
use crate::rules::FieldRule;
use crate::schema::TextPair;

/// Which analysed copies a text gets.
#[derive(Debug, Clone, Copy)]
struct Languages {
    french: bool,
    english: bool,
}

impl Languages {
    /// `fr…` French, `en…` English, anything else or nothing: both.
    fn of(code: Option<&str>) -> Self {
        match code.map(|code| code.trim().to_ascii_lowercase()) {
            Some(code) if code.starts_with("fr") => Self { french: true, english: false },
            Some(code) if code.starts_with("en") => Self { french: false, english: true },
            _ => Self { french: true, english: true },
        }
    }
}

impl SearchIndex {
    pub(super) fn to_tantivy(&self, document: &SearchDocument) -> TantivyDocument {
        let fields = &self.fields;
        let rules = &self.rules;
        let mut out = TantivyDocument::default();
        out.add_text(fields.asset_id, &document.asset_id);
        out.add_text(fields.house_id, &document.house_id);
        out.add_text(fields.name, &document.name);
        out.add_text(fields.collection, &document.collection);
        let mut ancestor = String::new();
        for segment in document.collection.split('/') {
            if !ancestor.is_empty() {
                ancestor.push('/');
            }
            ancestor.push_str(segment);
            out.add_text(fields.collection_tree, &ancestor);
        }
        let facet = |out: &mut TantivyDocument, name: &str, value: &str| {
            if !value.is_empty() {
                out.add_facet(fields.facets, Facet::from_path([name, value]));
            }
        };
        facet(&mut out, "collection", &document.collection);
        if let Some(owner) = &document.owner_id {
            out.add_text(fields.owner, owner);
        }
        let language = document.language.as_deref().map(|language| language.trim().to_ascii_lowercase());
        if let Some(language) = language.as_deref().filter(|_| rules.indexes("language")) {
            out.add_text(fields.language, language);
            facet(&mut out, "language", language);
        }
        let asset_languages = Languages::of(language.as_deref());
        let joined = |values: &[String]| (!values.is_empty()).then(|| values.join(" ; "));
        let texts = [
            ("title", "title", document.title.clone()),
            ("series", "series", document.series.clone()),
            ("episode", "episode", document.episode.clone()),
            ("synopsis", "synopsis", document.synopsis.clone()),
            ("keywords", "keywords", joined(&document.keywords)),
            ("contributors", "contributors", joined(&document.contributors)),
            ("rights", "rights_holder", document.rights_holder.clone()),
        ];
        let mut returned: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
        for (attribute, rule_name, value) in texts {
            let (Some(pair), Some(value)) = (fields.text(attribute), value) else { continue };
            let rule = rules.rule(rule_name);
            if rule == FieldRule::Ignored {
                continue;
            }
            let languages = match rules.languages.get(rule_name) {
                Some(code) => Languages::of(Some(code)),
                None => asset_languages,
            };
            add_text(&mut out, pair, languages, &value);
            if rule >= FieldRule::Stored {
                returned.insert(rule_name, value.clone().into());
            }
            if rule == FieldRule::Faceted {
                match rule_name {
                    "keywords" => document.keywords.iter().for_each(|value| facet(&mut out, rule_name, value)),
                    "contributors" => {
                        document.contributors.iter().for_each(|value| facet(&mut out, rule_name, value));
                    }
                    _ => facet(&mut out, rule_name, &value),
                }
            }
        }
        for (name, value) in &document.fields {
            let rule = rules.rule(name);
            if rule == FieldRule::Ignored {
                continue;
            }
            out.add_text(fields.custom, format!("{name}={}", value.to_lowercase()));
            out.add_text(fields.custom_text, value);
            if rule >= FieldRule::Stored {
                returned.insert(name, value.clone().into());
            }
            if rule == FieldRule::Faceted {
                facet(&mut out, name, value);
            }
        }
        for tag in &document.tags {
            out.add_text(fields.tag, tag.to_lowercase());
            facet(&mut out, "tag", &tag.to_lowercase());
        }
        for (field, name, value) in [
            (fields.container, "container", &document.container),
            (fields.resolution, "resolution", &document.resolution),
            (fields.audio_layout, "audio", &document.audio_layout),
        ] {
            if let Some(value) = value {
                out.add_text(field, value.to_lowercase());
                // Facets show values as the catalogue writes them (`HD`, `stereo`, `mxf`).
                facet(&mut out, name, value);
            }
        }
        let mut codecs: Vec<String> = document.codecs.iter().map(|codec| codec.to_lowercase()).collect();
        codecs.sort();
        codecs.dedup();
        for codec in &codecs {
            out.add_text(fields.codec, codec);
            facet(&mut out, "codec", codec);
        }
        for finding in &document.findings {
            out.add_text(fields.finding, finding);
        }
        if let Some(rate) = document.frame_rate {
            out.add_f64(fields.frame_rate, rate);
        }
        if let Some(duration) = document.duration_s {
            out.add_f64(fields.duration, duration);
        }
        self.add_dates(&mut out, document, &mut returned);
        self.add_cues(&mut out, document, asset_languages);
        if !returned.is_empty() {
            out.add_text(fields.returned, serde_json::to_string(&returned).unwrap_or_default());
        }
        out
    }

    fn add_dates(
        &self,
        out: &mut TantivyDocument,
        document: &SearchDocument,
        returned: &mut BTreeMap<&str, serde_json::Value>,
    ) {
        let fields = &self.fields;
        let micros =
            |time: chrono::DateTime<chrono::Utc>| tantivy::DateTime::from_timestamp_micros(time.timestamp_micros());
        let ingested = DateTime::parse_from_rfc3339(&document.ingested_at).ok().map(|time| time.to_utc());
        if let Some(time) = ingested {
            out.add_date(fields.ingested, micros(time));
        }
        let mut main = ingested;
        for (field, name, value) in
            [(fields.captured, "capture_date", &document.capture_date), (fields.aired, "air_date", &document.air_date)]
        {
            let rule = self.rules.rule(name);
            let Some((value, (start, _))) = value
                .as_deref()
                .and_then(|value| Some((value, period(value.trim())?)))
                .filter(|_| rule >= FieldRule::Indexed)
            else {
                continue;
            };
            out.add_date(field, micros(start));
            main = Some(start);
            if rule >= FieldRule::Stored {
                returned.insert(name, value.into());
            }
        }
        if let Some(time) = main {
            out.add_date(fields.date, micros(time));
            out.add_facet(fields.facets, Facet::from_path(["year", &time.format("%Y").to_string()]));
        }
    }

    fn add_cues(&self, out: &mut TantivyDocument, document: &SearchDocument, asset_languages: Languages) {
        if document.cues.is_empty() {
            return;
        }
        for cue in &document.cues {
            let languages = match &cue.language {
                Some(code) => Languages::of(Some(code)),
                None => asset_languages,
            };
            add_text(out, self.fields.subtitles, languages, &cue.text);
        }
        out.add_text(self.fields.cues, serde_json::to_string(&document.cues).unwrap_or_default());
    }
}

fn add_text(out: &mut TantivyDocument, pair: TextPair, languages: Languages, value: &str) {
    let targets: [(bool, Field); 2] = [(languages.french, pair.french), (languages.english, pair.english)];
    for (wanted, field) in targets {
        if wanted {
            out.add_text(field, value);
        }
    }
}
