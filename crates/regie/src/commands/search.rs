//! `regie search QUERY [--limit N] [--json]` and `regie search reindex`.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::Regie;
use regie_core::access::Visibility;

use super::{print_json, success};

pub async fn run(regie: &Regie, words: &[String], limit: usize, json: bool) -> Result<ExitCode> {
    if words == ["reindex"] {
        let report = regie.reindex().await?;
        if json {
            print_json(&report)?;
        } else {
            println!("search index rebuilt: {} assets in {:.1} s", report.documents, report.elapsed_s);
        }
        return Ok(success());
    }
    // The command line has the powers of whoever can read the data folder: it sees everything.
    let results = regie.search(&words.join(" "), Visibility::All, limit).await?;
    if json {
        print_json(&results)?;
        return Ok(success());
    }
    if results.hits.is_empty() {
        println!("nothing found");
        return Ok(success());
    }
    for hit in &results.hits {
        let snippet = hit.snippet.as_deref().map(|snippet| snippet.replace("<b>", "*").replace("</b>", "*"));
        println!("{:<28} {:<20} {}", hit.house_id, hit.collection, snippet.unwrap_or_default());
    }
    println!("{} found, {} shown", results.total, results.hits.len());
    Ok(success())
}
