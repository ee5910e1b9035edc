//! The index's fields. Text attributes exist twice, analysed for French and for English; a
//! document fills the pair of its language (both when its language is unknown), and queries
//! look in both, so the language is chosen per asset.

use tantivy::schema::{
    DateOptions, FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};

use crate::analysis::{ENGLISH, FOLDED, FRENCH};

/// Bumped whenever the fields or their analysis change: an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// The text attributes, by the name queries use.
pub const TEXT_ATTRIBUTES: [&str; 7] = ["title", "series", "episode", "synopsis", "keywords", "contributors", "rights"];

#[derive(Debug, Clone, Copy)]
pub struct TextPair {
    pub name: &'static str,
    pub french: Field,
    pub english: Field,
}

#[derive(Debug, Clone)]
pub struct Fields {
    pub asset_id: Field,
    pub house_id: Field,
    pub name: Field,
    pub collection: Field,
    /// The collection and each of its ancestors: `news`, `news/2026`.
    pub collection_tree: Field,
    pub owner: Field,
    pub language: Field,
    pub tag: Field,
    pub container: Field,
    pub codec: Field,
    pub resolution: Field,
    pub audio_layout: Field,
    pub finding: Field,
    pub frame_rate: Field,
    pub duration: Field,
    pub ingested: Field,
    pub captured: Field,
    pub aired: Field,
    /// The date results sort by: aired, else captured, else ingested.
    pub date: Field,
    /// `/codec/h264`, `/year/2026`...: counted per query.
    pub facets: Field,
    /// House fields as `name=value` (lower-cased), for `name:value` queries.
    pub custom: Field,
    /// House field values as words.
    pub custom_text: Field,
    pub subtitles: TextPair,
    /// The cues as JSON, to find the moment a hit speaks of.
    pub cues: Field,
    /// Fields returned with hits (`stored` and `faceted` rules), as JSON.
    pub returned: Field,
    pub texts: Vec<TextPair>,
}

impl Fields {
    pub fn text(&self, name: &str) -> Option<TextPair> {
        self.texts.iter().copied().find(|pair| pair.name == name)
    }
}

pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let searchable = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let analysed = |tokenizer: &str| searchable(tokenizer).set_stored();
    let asset_id = builder.add_text_field("asset_id", STRING | STORED);
    let house_id = builder.add_text_field("house_id", STRING | STORED);
    let name = builder.add_text_field("name", analysed(FOLDED));
    let collection = builder.add_text_field("collection", STRING | STORED);
    let collection_tree = builder.add_text_field("collection_tree", STRING);
    let owner = builder.add_text_field("owner", STRING);
    let language = builder.add_text_field("language", STRING);
    let tag = builder.add_text_field("tag", STRING);
    let container = builder.add_text_field("container", STRING);
    let codec = builder.add_text_field("codec", STRING);
    let resolution = builder.add_text_field("resolution", STRING);
    let audio_layout = builder.add_text_field("audio_layout", STRING);
    let finding = builder.add_text_field("finding", STRING);
    let frame_rate = builder.add_f64_field("frame_rate", INDEXED | FAST);
    let duration = builder.add_f64_field("duration", INDEXED | FAST | STORED);
    let ingested = builder.add_date_field("ingested", DateOptions::default().set_indexed().set_fast().set_stored());
    let captured = builder.add_date_field("captured", DateOptions::default().set_indexed());
    let aired = builder.add_date_field("aired", DateOptions::default().set_indexed());
    let date = builder.add_date_field("date", DateOptions::default().set_indexed().set_fast());
    let facets = builder.add_facet_field("facets", FacetOptions::default());
    let custom = builder.add_text_field("custom", STRING);
    let custom_text = builder.add_text_field("custom_text", searchable(FOLDED));
    let subtitles = TextPair {
        name: "subtitles",
        french: builder.add_text_field("subtitles_fr", searchable(FRENCH)),
        english: builder.add_text_field("subtitles_en", searchable(ENGLISH)),
    };
    let cues = builder.add_text_field("cues", STORED);
    let returned = builder.add_text_field("returned", STORED);
    let texts = TEXT_ATTRIBUTES
        .iter()
        .map(|attribute| TextPair {
            name: attribute,
            french: builder.add_text_field(&format!("{attribute}_fr"), analysed(FRENCH)),
            english: builder.add_text_field(&format!("{attribute}_en"), analysed(ENGLISH)),
        })
        .collect();
    let fields = Fields {
        asset_id,
        house_id,
        name,
        collection,
        collection_tree,
        owner,
        language,
        tag,
        container,
        codec,
        resolution,
        audio_layout,
        finding,
        frame_rate,
        duration,
        ingested,
        captured,
        aired,
        date,
        facets,
        custom,
        custom_text,
        subtitles,
        cues,
        returned,
        texts,
    };
    (builder.build(), fields)
}
