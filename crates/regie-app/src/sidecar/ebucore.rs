//! EBUCore XML (EBU Tech 3293), the subset that carries titles, synopsis, keywords, language,
//! contributors, rights holder, and the declared picture size, frame rate, audio tracks,
//! duration and MD5. Elements are matched on local names, so any namespace prefix works.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use regie_core::sidecar::{Contributor, Sidecar};
use regie_core::{Md5Hex, Rational};

use super::parse_duration;

struct Element {
    name: String,
    attributes: HashMap<String, String>,
}

#[derive(Default)]
struct Collector {
    sidecar: Sidecar,
    audio_tracks: u32,
    contributor_name: Option<String>,
    contributor_role: Option<String>,
}

pub(crate) fn parse(text: &str) -> Result<Sidecar, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut content = String::new();
    let mut collector = Collector::default();
    let mut saw_root = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|error| format!("invalid XML at byte {}: {error}", reader.buffer_position()))?;
        match event {
            Event::Start(start) => {
                saw_root = true;
                stack.push(element(&start)?);
                content.clear();
            }
            Event::Empty(start) => {
                stack.push(element(&start)?);
                collector.take(&stack, "");
                stack.pop();
            }
            Event::Text(text) => content.push_str(&text.xml10_content()),
            Event::CData(data) => content.push_str(&data.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|error| error.to_string())? {
                    Some(character) => character,
                    None => match reference.xml10_content().as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(format!("unknown entity &{other};")),
                    },
                };
                content.push(resolved);
            }
            Event::End(_) => {
                collector.take(&stack, content.trim());
                content.clear();
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err("the XML has no elements".to_owned());
    }
    if collector.audio_tracks > 0 {
        collector.sidecar.declared.audio_tracks = Some(collector.audio_tracks);
    }
    Ok(collector.sidecar)
}

fn element(start: &BytesStart<'_>) -> Result<Element, String> {
    let name = start.local_name().as_ref().to_ascii_lowercase();
    let mut attributes = HashMap::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| error.to_string())?;
        let key = attribute.key.local_name().as_ref().to_ascii_lowercase();
        let value =
            attribute.normalized_value(XmlVersion::Explicit1_0).map_err(|error| error.to_string())?.into_owned();
        attributes.insert(key, value);
    }
    Ok(Element { name, attributes })
}

impl Collector {
    /// Handles the element on top of `stack`, whose text content is `text`.
    fn take(&mut self, stack: &[Element], text: &str) {
        let Some(current) = stack.last() else { return };
        let parent = stack.len().checked_sub(2).map(|index| stack[index].name.as_str()).unwrap_or("");
        let inside = |name: &str| stack.iter().any(|element| element.name == name);
        let ancestor = |name: &str| stack.iter().rev().find(|element| element.name == name);
        let label_of = |element: Option<&Element>| {
            element
                .and_then(|element| element.attributes.get("typelabel").or(element.attributes.get("typedefinition")))
                .map(|label| label.to_ascii_lowercase())
                .unwrap_or_default()
        };
        let descriptive = &mut self.sidecar.descriptive;
        let declared = &mut self.sidecar.declared;
        let set = |slot: &mut Option<String>| {
            if slot.is_none() && !text.is_empty() {
                *slot = Some(text.to_owned());
            }
        };
        match (parent, current.name.as_str()) {
            ("title", "title") if !inside("alternativetitle") => set(&mut descriptive.title),
            ("alternativetitle", "title") => {
                let label = label_of(ancestor("alternativetitle"));
                if label.contains("series") || label.contains("programme") {
                    set(&mut descriptive.series);
                } else if label.contains("episode") {
                    set(&mut descriptive.episode);
                }
            }
            (_, "episodenumber" | "partnumber") => set(&mut descriptive.episode),
            ("description", "description") => set(&mut descriptive.synopsis),
            ("subject", "subject" | "keyword") if !text.is_empty() => descriptive.keywords.push(text.to_owned()),
            ("language", "language") if !inside("audioformat") => set(&mut descriptive.language),
            (_, "name" | "organisationname") if inside("rightsholder") => set(&mut descriptive.rights_holder),
            (_, "name") if inside("contributor") && self.contributor_name.is_none() && !text.is_empty() => {
                self.contributor_name = Some(text.to_owned());
            }
            (_, "givenname" | "familyname") if inside("contributor") && !text.is_empty() => {
                let name = self.contributor_name.get_or_insert_with(String::new);
                if !name.is_empty() {
                    name.push(' ');
                }
                name.push_str(text);
            }
            ("contributor", "role") => {
                self.contributor_role = Some(label_of(Some(current))).filter(|role| !role.is_empty())
            }
            (_, "contributor") => {
                if let Some(name) = self.contributor_name.take() {
                    descriptive.contributors.push(Contributor { name, role: self.contributor_role.take() });
                }
            }
            ("videoformat", "width") => declared.width = declared.width.or(text.parse().ok()),
            ("videoformat", "height") => declared.height = declared.height.or(text.parse().ok()),
            ("videoformat", "framerate") => declared.frame_rate = declared.frame_rate.or(edit_rate(text, current)),
            ("audioformat", "audiotrack") => self.audio_tracks += 1,
            ("duration", "normalplaytime") => declared.duration_s = declared.duration_s.or(parse_duration(text)),
            ("duration", "editunitnumber") => {
                let rate = current.attributes.get("editrate").and_then(|rate| edit_rate(rate, current));
                let units: Option<f64> = text.parse().ok();
                if let (Some(rate), Some(units), None) = (rate, units, declared.duration_s) {
                    declared.duration_s = Some(units / rate.as_f64());
                }
            }
            ("hash", "hashvalue") => declared.md5 = declared.md5.take().or(Md5Hex::parse(text).ok()),
            _ => {}
        }
    }
}

/// An EBUCore rational: the value times `factorNumerator / factorDenominator`.
fn edit_rate(value: &str, element: &Element) -> Option<Rational> {
    let base: u64 = value.trim().parse().ok()?;
    let factor = |key: &str| element.attributes.get(key).and_then(|number| number.parse::<u64>().ok()).unwrap_or(1);
    Rational::new(base * factor("factornumerator"), factor("factordenominator"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ebucore:ebuCoreMain xmlns:ebucore="urn:ebu:metadata-schema:ebucore" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <ebucore:coreMetadata>
    <ebucore:title><dc:title>Le Journal de 20 h</dc:title></ebucore:title>
    <ebucore:alternativeTitle typeLabel="Series"><dc:title>JT &amp; Co</dc:title></ebucore:alternativeTitle>
    <ebucore:description typeLabel="synopsis"><dc:description>Les titres du jour.</dc:description></ebucore:description>
    <ebucore:subject><dc:subject>actualité</dc:subject></ebucore:subject>
    <ebucore:subject><dc:subject>politique</dc:subject></ebucore:subject>
    <ebucore:language><dc:language>fr</dc:language></ebucore:language>
    <ebucore:contributor>
      <ebucore:contactDetails><ebucore:name>Anne Martin</ebucore:name></ebucore:contactDetails>
      <ebucore:role typeLabel="Presenter"/>
    </ebucore:contributor>
    <ebucore:rights><ebucore:rightsHolder><ebucore:contactDetails><ebucore:name>France TV</ebucore:name></ebucore:contactDetails></ebucore:rightsHolder></ebucore:rights>
    <ebucore:part><ebucore:partNumber>12</ebucore:partNumber></ebucore:part>
    <ebucore:format>
      <ebucore:videoFormat>
        <ebucore:width unit="pixel">1920</ebucore:width>
        <ebucore:height unit="pixel">1080</ebucore:height>
        <ebucore:frameRate factorNumerator="1000" factorDenominator="1001">30</ebucore:frameRate>
      </ebucore:videoFormat>
      <ebucore:audioFormat>
        <ebucore:audioTrack trackId="1"/><ebucore:audioTrack trackId="2"/>
      </ebucore:audioFormat>
      <ebucore:duration><ebucore:editUnitNumber editRate="25">250</ebucore:editUnitNumber></ebucore:duration>
    </ebucore:format>
  </ebucore:coreMetadata>
</ebucore:ebuCoreMain>"#;

    #[test]
    fn the_ebucore_subset_is_read() {
        let sidecar = parse(SAMPLE).unwrap();
        let descriptive = &sidecar.descriptive;
        assert_eq!(descriptive.title.as_deref(), Some("Le Journal de 20 h"));
        assert_eq!(descriptive.series.as_deref(), Some("JT & Co"));
        assert_eq!(descriptive.synopsis.as_deref(), Some("Les titres du jour."));
        assert_eq!(descriptive.keywords, ["actualité", "politique"]);
        assert_eq!(descriptive.language.as_deref(), Some("fr"));
        assert_eq!(descriptive.episode.as_deref(), Some("12"));
        assert_eq!(descriptive.rights_holder.as_deref(), Some("France TV"));
        assert_eq!(
            descriptive.contributors,
            [Contributor { name: "Anne Martin".into(), role: Some("presenter".into()) }]
        );
        let declared = &sidecar.declared;
        assert_eq!((declared.width, declared.height), (Some(1920), Some(1080)));
        assert_eq!(declared.frame_rate.unwrap().to_string(), "30000/1001");
        assert_eq!(declared.audio_tracks, Some(2));
        assert_eq!(declared.duration_s, Some(10.0));
    }

    #[test]
    fn broken_xml_says_where() {
        assert!(parse("<a><b></a>").unwrap_err().contains("invalid XML"));
        assert!(parse("").is_err());
    }
}
