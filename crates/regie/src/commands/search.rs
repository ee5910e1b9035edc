//! `regie search QUERY [--limit N] [--facets[=NAMES]] [--sort S] [--cursor C] [--no-semantic]
//! [--json]` and `regie search reindex`.

use std::process::ExitCode;

use anyhow::{Result, bail};
use regie_app::{Regie, SearchOptions, SortOrder};
use regie_core::access::Visibility;

use super::{print_json, success};

pub struct SearchArguments {
    pub words: Vec<String>,
    pub limit: usize,
    pub facets: Option<String>,
    pub sort: String,
    pub cursor: Option<String>,
    /// Words only: no matches in meaning.
    pub no_semantic: bool,
    pub json: bool,
}

pub async fn run(regie: &Regie, arguments: SearchArguments) -> Result<ExitCode> {
    let json = arguments.json;
    if arguments.words == ["reindex"] {
        let report = regie.reindex().await?;
        if json {
            print_json(&report)?;
        } else {
            println!("search index rebuilt: {} assets in {:.1} s", report.documents, report.elapsed_s);
        }
        return Ok(success());
    }
    let Some(sort) = SortOrder::parse(&arguments.sort) else {
        bail!("--sort {:?}: use relevance, date (newest first) or oldest", arguments.sort);
    };
    let options = SearchOptions {
        limit: arguments.limit.clamp(1, 500),
        cursor: arguments.cursor,
        sort,
        facets: arguments.facets.as_deref().map(SearchOptions::facet_list).unwrap_or_default(),
        semantic: !arguments.no_semantic,
    };
    // The command line has the powers of whoever can read the data folder: it sees everything.
    let results = regie.search(&arguments.words.join(" "), Visibility::All, options).await?;
    if json {
        print_json(&results)?;
        return Ok(success());
    }
    if results.hits.is_empty() {
        println!("nothing found");
    }
    for hit in &results.hits {
        let snippet = hit.snippet.as_deref().map(|snippet| snippet.replace("<b>", "*").replace("</b>", "*"));
        let moment = hit.timecode.as_deref().map(|timecode| format!("@{timecode} ")).unwrap_or_default();
        // A match in meaning is marked with `~` and its closeness.
        let meaning = match hit.matched {
            regie_app::Matched::Meaning => format!("~{:.2} ", hit.semantic_score.unwrap_or_default()),
            regie_app::Matched::Words => String::new(),
        };
        println!("{:<28} {:<20} {meaning}{moment}{}", hit.house_id, hit.collection, snippet.unwrap_or_default());
    }
    for (facet, counts) in &results.facets {
        let values: Vec<String> = counts.iter().map(|count| format!("{} ({})", count.value, count.count)).collect();
        println!("{facet}: {}", if values.is_empty() { "-".to_owned() } else { values.join(", ") });
    }
    if !results.hits.is_empty() {
        println!("{} found, {} shown", results.total, results.hits.len());
    }
    if let Some(error) = &results.semantic_error {
        eprintln!("words only: semantic search failed: {error}");
    }
    if let Some(cursor) = &results.next_cursor {
        println!("more: --cursor {cursor}");
    }
    Ok(success())
}
