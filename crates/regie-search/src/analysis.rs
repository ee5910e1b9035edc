//! Text analysis: words split, lower-cased and folded to ASCII (`Télévision` → `television`),
//! then stemmed for French (`journaux` → `journal`) or English (`programmes` → `programm`).
//! `folded` does the same without stemming, for names and keywords matched as written.

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};

pub const FRENCH: &str = "regie_fr";
pub const ENGLISH: &str = "regie_en";
pub const FOLDED: &str = "regie_folded";

/// Words longer than this are dropped (base64, hashes).
const LONGEST_WORD: usize = 60;

pub fn register(index: &Index) {
    let manager = index.tokenizers();
    manager.register(FRENCH, stemmed(Language::French));
    manager.register(ENGLISH, stemmed(Language::English));
    manager.register(
        FOLDED,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
}

fn stemmed(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(language))
        .build()
}

/// The words of `text` as `analyzer` indexes them.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    terms
}
