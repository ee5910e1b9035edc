//! `regie collections [--json]`: the collection tree with asset counts.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::Regie;

use super::{print_json, success};

pub async fn run(regie: &Regie, json: bool) -> Result<ExitCode> {
    let collections = regie.collections().await?;
    regie.close().await;
    if json {
        print_json(&collections)?;
        return Ok(success());
    }
    if collections.is_empty() {
        eprintln!("no collections yet: `regie ingest --collection NAME PATH` creates one");
    }
    for collection in &collections {
        let depth = collection.path.matches('/').count();
        println!("{}{} ({})", "  ".repeat(depth), collection.name, collection.asset_count);
    }
    Ok(success())
}
