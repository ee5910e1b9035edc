//! Running a query: hits in relevance or date order, a page at a time, facet counts, and for
//! each hit the field it was found in, a snippet and, for spoken lines, the moment.

use std::collections::BTreeMap;

use regie_core::access::Visibility;
use regie_core::semantic::SemanticMatch;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query};
use tantivy::schema::{Facet, Field, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocSet, Order, Searcher, TantivyDocument};

use super::SearchIndex;
use super::queries::EXACT_TIER;
use crate::SearchError;
use crate::document::Cue;
use crate::query::parse;
use crate::rules::FieldRule;

/// Facets counted when asked for without naming any.
pub const DEFAULT_FACETS: [&str; 6] = ["collection", "codec", "resolution", "language", "tag", "year"];
/// Facets every index can count (besides fields the rules make `faceted`).
const BUILT_IN_FACETS: [&str; 8] =
    ["collection", "codec", "resolution", "language", "tag", "year", "container", "audio"];
/// Values returned per facet, most frequent first.
const VALUES_PER_FACET: usize = 20;
/// Characters of a passage shown for a match in meaning.
const MEANING_SNIPPET: usize = 200;
/// How deep cursors may page (hits skipped); beyond, the query should be narrowed.
const DEEPEST_OFFSET: usize = 10_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Best match first.
    #[default]
    Relevance,
    /// Most recent date first (aired, else captured, else ingested).
    Newest,
    Oldest,
}

impl SortOrder {
    /// `relevance`, `date` (= `newest`), `newest` or `oldest`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "relevance" | "score" => Some(Self::Relevance),
            "date" | "newest" | "-date" => Some(Self::Newest),
            "oldest" | "+date" => Some(Self::Oldest),
            _ => None,
        }
    }
}

/// One search, as a caller asks for it.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    pub text: &'a str,
    pub visible: &'a Visibility,
    pub limit: usize,
    /// `next_cursor` of the previous page.
    pub cursor: Option<&'a str>,
    pub sort: SortOrder,
    /// Facet names to count (`collection`, `codec`...); none counts nothing.
    pub facets: &'a [String],
    /// Assets close in meaning to the query's free text (semantic search), found beside the
    /// exact matches, never instead of them; empty for words only.
    pub semantic: &'a [SemanticMatch],
}

/// How a hit matched the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Matched {
    /// Its words (or fields): an exact match, always ranked before matches in meaning.
    Words,
    /// Only in meaning: one of its passages is close to the query's free text.
    Meaning,
}

/// One asset found.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub asset_id: String,
    pub house_id: String,
    pub collection: String,
    /// Relevance (BM25) of an exact match, the cosine of a match in meaning; none when sorted by
    /// date.
    pub score: Option<f32>,
    /// Whether the words matched, or only the meaning.
    pub matched: Matched,
    /// The cosine of the asset's closest passage to the query's free text, when semantic search
    /// found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_score: Option<f32>,
    /// The field the snippet comes from (`title`, `synopsis`, `subtitles`...), if a text matched.
    pub field: Option<String>,
    /// The matching words in context, `<b>`-marked.
    pub snippet: Option<String>,
    /// Where a matching subtitle line is spoken, `HH:MM:SS.mmm` from the start of the media; for
    /// a matching segment, its start on the source's timecode (`10:00:02:05`).
    pub timecode: Option<String>,
    /// The same moment in seconds.
    pub time_s: Option<f64>,
    /// The kind of the matching segment (`marker`, `chapter`, `comment`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_kind: Option<String>,
    /// Fields the indexing rules return with hits (`stored`, `faceted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Assets matching, among those the caller may read.
    pub total: u64,
    pub hits: Vec<Hit>,
    /// Counts per facet value over every matching asset the caller may read.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// Pass back as `cursor` for the next page; none on the last one.
    pub next_cursor: Option<String>,
    /// Why semantic search could not run for this query (words alone were searched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_error: Option<String>,
    /// Milliseconds semantic search took (the query's vector, and every passage ranked), when it
    /// ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_ms: Option<f64>,
}

impl SearchIndex {
    /// Runs a request under its visibility filter.
    pub fn search(&self, request: &SearchRequest<'_>) -> Result<SearchResults, SearchError> {
        let text = request.text;
        let invalid = |reason: String| SearchError::Query { query: text.to_owned(), reason };
        let offset = match request.cursor {
            None => 0,
            Some(cursor) => decode_cursor(cursor).ok_or_else(|| invalid(format!("{cursor:?} is not a cursor")))?,
        };
        if offset > DEEPEST_OFFSET {
            return Err(invalid(format!("pages end after {DEEPEST_OFFSET} hits: narrow the query")));
        }
        for facet in request.facets {
            if !self.can_facet(facet) {
                return Err(invalid(format!(
                    "no facet {facet}: use {} or a field the rules make faceted",
                    BUILT_IN_FACETS.join(", ")
                )));
            }
        }
        let parsed = parse(text)?;
        let query = self.build_hybrid(text, &parsed, request.semantic)?;
        let hybrid = !request.semantic.is_empty() && parsed.free_text().is_some();
        let exact_only = if hybrid { Some(self.build(text, &parsed)?) } else { None };
        let filtered: Box<dyn Query> = match self.visibility_filter(request.visible) {
            Some(filter) => Box::new(BooleanQuery::new(vec![(Occur::Must, query), (Occur::Must, filter)])),
            None => query,
        };
        let searcher = self.reader.searcher();
        let limit = request.limit.max(1);
        let page = TopDocs::with_limit(limit).and_offset(offset);
        let facet_collector = (!request.facets.is_empty()).then(|| {
            let mut collector = FacetCollector::for_field("facets");
            for facet in request.facets {
                collector.add_facet(Facet::from_path([facet.as_str()]));
            }
            collector
        });
        let (top, total, facet_counts): (Vec<(Option<f32>, DocAddress)>, usize, _) = match request.sort {
            SortOrder::Relevance => {
                let (top, total, facets) =
                    searcher.search(&filtered, &(page.order_by_score(), Count, facet_collector))?;
                (top.into_iter().map(|(score, address)| (Some(score), address)).collect(), total, facets)
            }
            SortOrder::Newest | SortOrder::Oldest => {
                let order = if request.sort == SortOrder::Newest { Order::Desc } else { Order::Asc };
                let by_date = page.order_by_fast_field::<tantivy::DateTime>("date", order);
                let (top, total, facets) = searcher.search(&filtered, &(by_date, Count, facet_collector))?;
                (top.into_iter().map(|(_, address)| (None, address)).collect(), total, facets)
            }
        };
        let mut facets = BTreeMap::new();
        if let Some(counts) = facet_counts {
            for name in request.facets {
                let values = counts
                    .top_k(Facet::from_path([name.as_str()]), VALUES_PER_FACET)
                    .into_iter()
                    .map(|(facet, count)| FacetCount {
                        value: facet.to_path().last().map(|value| (*value).to_owned()).unwrap_or_default(),
                        count,
                    })
                    .collect();
                facets.insert(name.clone(), values);
            }
        }
        let mut hits = self.hits(&searcher, &*filtered, &top)?;
        if let Some(exact_only) = exact_only {
            self.mark_meaning(&searcher, &*exact_only, request.semantic, &top, &mut hits)?;
        }
        let next_cursor = (offset + hits.len() < total).then(|| encode_cursor(offset + hits.len()));
        Ok(SearchResults { total: total as u64, hits, facets, next_cursor, semantic_error: None, semantic_ms: None })
    }

    /// Hits among the assets found in meaning: each is an exact match if the words alone find it
    /// (its score is then its relevance), else a match in meaning, shown with the passage found.
    fn mark_meaning(
        &self,
        searcher: &Searcher,
        exact_only: &dyn Query,
        semantic: &[SemanticMatch],
        top: &[(Option<f32>, DocAddress)],
        hits: &mut [Hit],
    ) -> Result<(), SearchError> {
        let weight = exact_only.weight(EnableScoring::disabled_from_searcher(searcher))?;
        for (hit, &(score, address)) in hits.iter_mut().zip(top) {
            let Some(found) = semantic.iter().find(|found| found.asset_id.to_string() == hit.asset_id) else {
                // Exact matches outside the semantic candidates score EXACT_TIER above relevance.
                hit.score = score.map(|score| score - EXACT_TIER);
                continue;
            };
            hit.semantic_score = Some(found.score);
            let mut scorer = weight.scorer(searcher.segment_reader(address.segment_ord), 1.0)?;
            // A scorer starts on its first document, which may already be past this one.
            let at = if scorer.doc() < address.doc_id { scorer.seek(address.doc_id) } else { scorer.doc() };
            if at == address.doc_id {
                hit.score = score.map(|score| score - EXACT_TIER - found.score.clamp(0.0, 1.0));
                continue;
            }
            hit.matched = Matched::Meaning;
            hit.score = score.map(|_| found.score);
            let document: TantivyDocument = searcher.doc(address)?;
            self.describe_meaning(&document, found, hit);
        }
        Ok(())
    }

    /// The passage a match in meaning was found in: the lines spoken from its start, or the
    /// synopsis (else the title).
    fn describe_meaning(&self, document: &TantivyDocument, found: &SemanticMatch, hit: &mut Hit) {
        let fields = &self.fields;
        let stored = |field: Field| document.get_first(field).and_then(|value| value.as_str()).map(str::to_owned);
        hit.field = Some("meaning".to_owned());
        hit.timecode = None;
        hit.time_s = None;
        hit.segment_kind = None;
        if let Some(start_ms) = found.start_ms {
            let cues: Vec<Cue> =
                stored(fields.cues).and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default();
            let spoken: Vec<&str> = cues
                .iter()
                .filter(|cue| cue.kind.is_none() && cue.start_ms >= start_ms)
                .map(|cue| cue.text.as_str())
                .collect();
            hit.snippet = Some(escape(&excerpt(&spoken.join(" "))));
            hit.timecode = Some(timecode(start_ms));
            hit.time_s = Some(start_ms as f64 / 1000.0);
            return;
        }
        let described = ["synopsis", "title"].into_iter().find_map(|name| {
            let pair = fields.text(name)?;
            stored(pair.french).or_else(|| stored(pair.english))
        });
        hit.snippet = described.map(|text| escape(&excerpt(&text)));
    }

    fn can_facet(&self, name: &str) -> bool {
        BUILT_IN_FACETS.contains(&name) || self.rules.rule(name) == FieldRule::Faceted
    }

    fn hits(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        top: &[(Option<f32>, DocAddress)],
    ) -> Result<Vec<Hit>, SearchError> {
        let fields = &self.fields;
        // Generators are made on first need, field by field in order: most hits are described
        // by their title or synopsis, so the later fields usually cost nothing.
        let described_fields: Vec<(&'static str, Field)> =
            fields.texts.iter().flat_map(|pair| [(pair.name, pair.french), (pair.name, pair.english)]).collect();
        let mut generators: Vec<Option<Option<SnippetGenerator>>> =
            std::iter::repeat_with(|| None).take(described_fields.len()).collect();
        let mut spoken: Option<Vec<SnippetGenerator>> = None;
        let mut hits = Vec::with_capacity(top.len());
        for &(score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            let stored = |field: Field| document.get_first(field).and_then(|value| value.as_str()).map(str::to_owned);
            let mut hit = Hit {
                asset_id: stored(fields.asset_id).unwrap_or_default(),
                house_id: stored(fields.house_id).unwrap_or_default(),
                collection: stored(fields.collection).unwrap_or_default(),
                score,
                matched: Matched::Words,
                semantic_score: None,
                field: None,
                snippet: None,
                timecode: None,
                time_s: None,
                segment_kind: None,
                fields: stored(fields.returned).and_then(|json| serde_json::from_str(&json).ok()),
            };
            let mut described = None;
            for (position, (name, field)) in described_fields.iter().enumerate() {
                if document.get_first(*field).is_none() {
                    continue;
                }
                let generator = generators[position]
                    .get_or_insert_with(|| SnippetGenerator::create(searcher, query, *field).ok())
                    .as_ref();
                if let Some(snippet) = generator.map(|generator| generator.snippet_from_doc(&document))
                    && !snippet.highlighted().is_empty()
                {
                    described = Some((*name, snippet));
                    break;
                }
            }
            if let Some((name, snippet)) = described {
                hit.field = Some(name.to_owned());
                hit.snippet = Some(snippet.to_html());
            } else if let Some(cues) = stored(fields.cues) {
                let spoken = spoken.get_or_insert_with(|| {
                    [fields.subtitles.french, fields.subtitles.english]
                        .into_iter()
                        .filter_map(|field| SnippetGenerator::create(searcher, query, field).ok())
                        .collect()
                });
                let Some((cue, snippet)) = spoken_moment(spoken, &cues) else {
                    hits.push(hit);
                    continue;
                };
                hit.field = Some(if cue.kind.is_some() { "segments" } else { "subtitles" }.to_owned());
                hit.snippet = Some(snippet);
                hit.timecode = Some(cue.timecode.clone().unwrap_or_else(|| timecode(cue.start_ms)));
                hit.time_s = Some(cue.start_ms as f64 / 1000.0);
                hit.segment_kind = cue.kind;
            }
            hits.push(hit);
        }
        Ok(hits)
    }
}

/// The first cue the query's words are found in, with its snippet.
fn spoken_moment(generators: &[SnippetGenerator], cues_json: &str) -> Option<(Cue, String)> {
    let cues: Vec<Cue> = serde_json::from_str(cues_json).ok()?;
    cues.into_iter().find_map(|cue| {
        generators
            .iter()
            .find_map(|generator| {
                let snippet = generator.snippet(&cue.text);
                (!snippet.highlighted().is_empty()).then(|| snippet.to_html())
            })
            .map(|snippet| (cue, snippet))
    })
}

/// The start of a text, cut at a word.
fn excerpt(text: &str) -> String {
    if text.chars().count() <= MEANING_SNIPPET {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MEANING_SNIPPET).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(start, _)| start).to_owned();
    format!("{cut}…")
}

/// Text as HTML (snippets are HTML, `<b>`-marked where words matched).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `HH:MM:SS.mmm`.
fn timecode(milliseconds: u64) -> String {
    let seconds = milliseconds / 1000;
    format!("{:02}:{:02}:{:02}.{:03}", seconds / 3600, seconds / 60 % 60, seconds % 60, milliseconds % 1000)
}

fn encode_cursor(offset: usize) -> String {
    format!("o{offset}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    cursor.strip_prefix('o')?.parse().ok()
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn timecodes_count_hours_minutes_seconds_and_milliseconds() {
        assert_eq!(timecode(3_723_045), "01:02:03.045");
        assert_eq!(timecode(0), "00:00:00.000");
    }

    #[test]
    fn meaning_snippets_are_escaped_and_cut_at_a_word() {
        assert_eq!(escape("<b>a & b</b>"), "&lt;b&gt;a &amp; b&lt;/b&gt;");
        let long = "mot ".repeat(100);
        let cut = excerpt(&long);
        assert!(cut.ends_with("mot…") && cut.chars().count() <= MEANING_SNIPPET + 1, "{cut}");
        assert_eq!(excerpt("court"), "court");
    }

    #[test]
    fn cursors_round_trip_and_reject_anything_else() {
        assert_eq!(decode_cursor(&encode_cursor(40)), Some(40));
        assert_eq!(decode_cursor("40"), None);
        assert_eq!(decode_cursor("o-1"), None);
    }

    #[test]
    fn sort_orders_have_names() {
        assert_eq!(SortOrder::parse("date"), Some(SortOrder::Newest));
        assert_eq!(SortOrder::parse("oldest"), Some(SortOrder::Oldest));
        assert_eq!(SortOrder::parse("Relevance"), Some(SortOrder::Relevance));
        assert_eq!(SortOrder::parse("size"), None);
    }
}
