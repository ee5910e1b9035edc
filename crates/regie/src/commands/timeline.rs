//! `regie segments ...` and `regie review ...`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use regie_app::Regie;
use regie_app::timeline::{Actor, ExchangeFormat, SegmentEdit, SegmentInput, SubclipMethod, SubclipRequest};
use regie_core::timeline::{ApprovalState, Segment};

use super::{cli_actor, print_json, success};
use crate::cli::{ReviewCommand, SegmentsCommand};

fn actor() -> Actor {
    Actor::new(cli_actor(), None)
}

/// One line for a person: `10:00:02:05-10:00:04:00 marker  text (id)`.
fn line(segment: &Segment) -> String {
    let range = if segment.end_frame > segment.start_frame {
        format!("{}-{}", segment.start_tc, segment.end_tc)
    } else {
        format!("{}            ", segment.start_tc)
    };
    format!("{range} {:<9} {} ({})", segment.kind.as_str(), segment.text.replace('\n', " "), segment.id)
}

fn show(segment: &Segment, json: bool) -> Result<()> {
    if json {
        print_json(segment)
    } else {
        println!("{}", line(segment));
        Ok(())
    }
}

pub async fn segments(regie: &Regie, command: SegmentsCommand) -> Result<ExitCode> {
    match command {
        SegmentsCommand::List { asset, kind, json } => {
            let segments = regie.segments(&asset, kind.as_deref()).await?;
            if json {
                print_json(&segments)?;
            } else {
                for segment in &segments {
                    println!("{}", line(segment));
                }
            }
        }
        SegmentsCommand::Add { asset, kind, in_tc, out_tc, text, json } => {
            let input = SegmentInput { kind: Some(kind), in_tc: Some(in_tc), out_tc, text, ..SegmentInput::default() };
            show(&regie.add_segment(&asset, &input, &actor()).await?, json)?;
        }
        SegmentsCommand::Edit { asset, segment, kind, in_tc, out_tc, text, json } => {
            let edit = SegmentEdit { kind, in_tc, out_tc, text, ..SegmentEdit::default() };
            show(&regie.edit_segment(&asset, &segment, &edit, &actor()).await?, json)?;
        }
        SegmentsCommand::Remove { asset, segment, json } => {
            let removed = regie.remove_segment(&asset, &segment, &actor()).await?;
            if json {
                print_json(&serde_json::json!({ "removed": removed }))?;
            } else {
                println!("{removed} segment(s) removed");
            }
        }
        SegmentsCommand::Export { asset, format, kind, output } => {
            let format = match (&format, &output) {
                (Some(format), _) => ExchangeFormat::parse(format)?,
                (None, Some(path)) => {
                    ExchangeFormat::of_file_name(&path.to_string_lossy()).unwrap_or(ExchangeFormat::Edl)
                }
                (None, None) => ExchangeFormat::Edl,
            };
            let text = regie.export_segments(&asset, format, &kind).await?;
            match output {
                Some(path) => {
                    regie_app::write_new_file(&path, text.as_bytes())?;
                    eprintln!("written {}", path.display());
                }
                None => print!("{text}"),
            }
        }
        SegmentsCommand::Import { asset, file, format, json } => {
            let format = match &format {
                Some(format) => ExchangeFormat::parse(format)?,
                None => ExchangeFormat::of_file_name(&file.to_string_lossy())
                    .context("say which format the file is in: --format edl|csv")?,
            };
            regie_app::ensure_regular_file(&file)?;
            let size = std::fs::metadata(&file).with_context(|| format!("cannot read {}", file.display()))?.len();
            if size > regie_app::timeline::MAX_IMPORT_BYTES as u64 {
                anyhow::bail!(
                    "{} is {size} bytes: a marker file is at most {} bytes",
                    file.display(),
                    regie_app::timeline::MAX_IMPORT_BYTES
                );
            }
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let text = String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", file.display()))?;
            let added = regie.import_segments(&asset, format, &text, &actor()).await?;
            if json {
                print_json(&added)?;
            } else {
                println!("{} marker(s) added", added.len());
            }
        }
    }
    Ok(success())
}

pub async fn review(regie: &Regie, command: ReviewCommand) -> Result<ExitCode> {
    match command {
        ReviewCommand::Show { asset, json } => {
            let review = regie.review(&asset).await?;
            if json {
                print_json(&review)?;
            } else {
                println!("state: {} ({} open comment(s))", review.state, review.open_comments);
                for decision in &review.history {
                    let reason =
                        if decision.reason.is_empty() { String::new() } else { format!(": {}", decision.reason) };
                    println!("  {} {} by {}{reason}", decision.created_at, decision.state, decision.actor);
                }
                for thread in &review.comments {
                    let comment = &thread.comment;
                    let resolved = if comment.resolved_at.is_some() { " [resolved]" } else { "" };
                    let author = comment.author.as_deref().unwrap_or("?");
                    println!("{} {author}: {}{resolved} ({})", comment.start_tc, comment.text, comment.id);
                    for reply in &thread.replies {
                        println!("    {}: {} ({})", reply.author.as_deref().unwrap_or("?"), reply.text, reply.id);
                    }
                }
            }
        }
        ReviewCommand::Comment { asset, in_tc, out_tc, text, json } => {
            let input = SegmentInput { in_tc: Some(in_tc), out_tc, text, ..SegmentInput::default() };
            show(&regie.comment(&asset, &input, None, &actor()).await?, json)?;
        }
        ReviewCommand::Reply { asset, comment, text, json } => {
            let input = SegmentInput { text, ..SegmentInput::default() };
            show(&regie.comment(&asset, &input, Some(&comment), &actor()).await?, json)?;
        }
        ReviewCommand::Resolve { asset, comment, reopen, json } => {
            show(&regie.resolve_comment(&asset, &comment, !reopen, &actor()).await?, json)?;
        }
        ReviewCommand::Decide { asset, state, reason, json } => {
            let state = ApprovalState::parse(&state)?;
            let decision = regie.decide(&asset, state, &reason, &actor()).await?;
            if json {
                print_json(&decision)?;
            } else {
                println!("{} is {}", asset, decision.state);
            }
        }
    }
    Ok(success())
}

pub async fn subclip(
    regie: &Regie,
    asset: &str,
    in_tc: String,
    out_tc: String,
    (profile, copy): (Option<String>, bool),
    output: Option<std::path::PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    let method = match (profile, copy) {
        (Some(profile), _) => SubclipMethod::Profile(profile),
        (None, true) => SubclipMethod::Copy,
        (None, false) => SubclipMethod::Auto,
    };
    let request = SubclipRequest { in_tc, out_tc, method, output };
    let report = regie.subclip(asset, &request, &actor()).await?;
    if json {
        print_json(&report)?;
    } else {
        let place = report.output.clone().or(report.rendition.clone().map(|name| format!("rendition {name}")));
        println!(
            "{}-{} ({} frames, {}) to {}: {:.3} s, timecode {}",
            report.start_tc,
            report.end_tc,
            report.frames,
            report.method,
            place.unwrap_or_default(),
            report.duration_s,
            report.timecode.as_deref().unwrap_or("none")
        );
        if let Some(why) = &report.why_encoded {
            println!("encoded because {why}");
        }
    }
    Ok(success())
}

pub async fn shots(regie: &Regie, asset: &str, json: bool) -> Result<ExitCode> {
    let report = regie.detect_shots(asset).await?;
    if json {
        print_json(&report)?;
    } else {
        println!(
            "{} shots in {} frames: {} cuts, {} dissolves or fades ({:.1} s); see `regie segments list {asset} --kind shot`",
            report.shots, report.frames, report.cuts, report.gradual, report.elapsed_s
        );
    }
    Ok(success())
}
