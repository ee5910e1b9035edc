//! One module per command; each runs a use case and renders its result.

mod access;
mod accounts;
mod assets;
mod audit;
mod check;
mod check_names;
mod collections;
mod config_show;
mod delivery;
mod gc;
mod import;
mod ingest;
mod intelligence;
mod jobs;
mod keeping;
mod ladder;
mod moving;
mod normalize;
mod operations;
mod probe;
mod rights;
mod rules;
mod search;
mod serve;
mod timeline;
mod transcode;
mod watch;
mod watermark;
mod worker;

use std::process::ExitCode;

use anyhow::Result;
use regie_app::Regie;
use serde::Serialize;

use crate::cli::{AssetsCommand, Cli, Command, ConfigCommand, JobsCommand, LadderCommand, WatermarkCommand};
use crate::cli::{AuditCommand, GrantsCommand, GroupsCommand, TokensCommand, UsersCommand};
use crate::config::LoadedConfig;

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let config = LoadedConfig::load(&cli.data, cli.config.as_deref(), cli.database.as_deref(), cli.store.as_deref())?;
    match cli.command {
        Command::Ingest(args) => ingest::run(&config, args).await,
        Command::Probe { file, prober, json } => probe::run(&config, &file, &prober, json).await,
        Command::Assets(command) => {
            let regie = open(&config).await?;
            let code = match command {
                AssetsCommand::List { collection, tag, json } => assets::list(&regie, collection, tag, json).await,
                AssetsCommand::Show { id, json } => assets::show(&regie, &id, json).await,
                AssetsCommand::Tag { id, tags, json } => assets::tag(&regie, &id, &tags, json, true).await,
                AssetsCommand::Untag { id, tags, json } => assets::tag(&regie, &id, &tags, json, false).await,
                AssetsCommand::Delete { id, reason, json } => {
                    keeping::delete_asset(&regie, &id, reason.as_deref(), json).await
                }
                AssetsCommand::Edit {
                    id,
                    title,
                    series,
                    episode,
                    synopsis,
                    language,
                    rights_holder,
                    air_date,
                    fields,
                    json,
                } => {
                    let change = regie_core::metadata_change::MetadataChange {
                        title,
                        series,
                        episode,
                        synopsis,
                        language,
                        rights_holder,
                        air_date,
                        ..Default::default()
                    };
                    assets::edit(&regie, &id, change, &fields, json).await
                }
            };
            regie.close().await;
            code
        }
        Command::Collections { json } => collections::run(&open(&config).await?, json).await,
        Command::CheckNames { paths, json } => check_names::run(&config, &paths, json),
        Command::Check { target, policy, rendition, json, html } => {
            check::run(&config, &target, &policy, rendition.as_deref(), json, html.as_deref()).await
        }
        Command::Normalize { input, policy, output, json } => {
            normalize::run(&config, &input, &policy, &output, json).await
        }
        Command::Gc { json } => gc::run(&open(&config).await?, json).await,
        Command::Config(ConfigCommand::Show { json }) => config_show::run(&config, json),
        Command::Worker { concurrency, until_idle, server, token, json } => {
            let regie = open(&config).await?;
            let regie = match (server, token) {
                (Some(server), Some(token)) => regie.with_lease_server(&server, &token)?,
                _ => regie,
            };
            worker::run(&regie, concurrency, until_idle, json).await
        }
        Command::Destinations(command) => {
            let regie = open(&config).await?;
            let code = delivery::destinations(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Deliver { asset, to, profile, deadline, json } => {
            let regie = open(&config).await?;
            let code = delivery::deliver(&regie, asset, to, profile, deadline, json).await;
            regie.close().await;
            code
        }
        Command::Deliveries(command) => {
            let regie = open(&config).await?;
            let code = delivery::deliveries(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Storage(command) => {
            let regie = open(&config).await?;
            let code = keeping::storage(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Footprint { json } => {
            let regie = open(&config).await?;
            let code = keeping::footprint(&regie, json).await;
            regie.close().await;
            code
        }
        Command::Trash(command) => {
            let regie = open(&config).await?;
            let code = keeping::trash(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Segments(command) => {
            let regie = open(&config).await?;
            let code = timeline::segments(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Subclip { asset, in_tc, out_tc, profile, copy, output, json } => {
            let regie = open(&config).await?;
            let code = timeline::subclip(&regie, &asset, in_tc, out_tc, (profile, copy), output, json).await;
            regie.close().await;
            code
        }
        Command::Shots { asset, json } => {
            let regie = open(&config).await?;
            let code = timeline::shots(&regie, &asset, json).await;
            regie.close().await;
            code
        }
        Command::Transcribe { asset, language, json } => {
            let regie = open(&config).await?;
            let code = intelligence::transcribe(&regie, &asset, language.as_deref(), json).await;
            regie.close().await;
            code
        }
        Command::Embed { asset, all, json } => {
            let regie = open(&config).await?;
            let code = intelligence::embed(&regie, asset.as_deref(), all, json).await;
            regie.close().await;
            code
        }
        Command::Ocr { asset, every, json } => {
            let regie = open(&config).await?;
            let code = intelligence::ocr(&regie, &asset, every, json).await;
            regie.close().await;
            code
        }
        Command::Similar { asset, limit, json } => {
            let regie = open(&config).await?;
            let code = intelligence::similar(&regie, &asset, limit, json).await;
            regie.close().await;
            code
        }
        Command::Recommend { user, like, limit, evaluate, seed, json } => {
            if let Some(file) = evaluate {
                return intelligence::evaluate(&file, seed, json).await;
            }
            let regie = open(&config).await?;
            let code =
                intelligence::recommend(&regie, user.as_deref().unwrap_or_default(), like.as_deref(), limit, json)
                    .await;
            regie.close().await;
            code
        }
        Command::Trending { window, bursts, user, limit, simulate, seed, json } => {
            if let Some(days) = simulate {
                return intelligence::simulate_trends(days, seed, json);
            }
            let regie = open(&config).await?;
            let code = intelligence::trending(&regie, &window, bursts, user.as_deref(), limit, json).await;
            regie.close().await;
            code
        }
        Command::Subtitles(command) => {
            let regie = open(&config).await?;
            let code = intelligence::subtitles(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Review(command) => {
            let regie = open(&config).await?;
            let code = timeline::review(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Holds(command) => {
            let regie = open(&config).await?;
            let code = keeping::holds(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Restore { asset, ttl, keep, json } => {
            let regie = open(&config).await?;
            let code = keeping::restore(&regie, &asset, (!keep).then_some(ttl.as_str()), json).await;
            regie.close().await;
            code
        }
        Command::Purge { dry_run, json } => {
            let regie = open(&config).await?;
            let code = keeping::purge(&regie, dry_run, json).await;
            regie.close().await;
            code
        }
        Command::Fixity(command) => {
            let regie = open(&config).await?;
            let code = keeping::fixity(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Rules(command) => {
            let regie = open(&config).await?;
            let code = rules::run(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Watch { once, json } => watch::run(&config, once, json).await,
        Command::Rights(command) => {
            let regie = open(&config).await?;
            let code = rights::run(&regie, command).await;
            regie.close().await;
            code
        }
        Command::Jobs(command) => {
            let regie = open(&config).await?;
            let code = match command {
                JobsCommand::List { state, asset, limit, json } => {
                    jobs::list(&regie, state.as_deref(), asset.as_deref(), limit, json).await
                }
                JobsCommand::Show { id, json } => jobs::show(&regie, &id, json).await,
                JobsCommand::Cancel { id, json } => jobs::cancel(&regie, &id, json).await,
                JobsCommand::Retry { id, json } => jobs::retry(&regie, &id, json).await,
            };
            regie.close().await;
            code
        }
        Command::Ladder(LadderCommand::Compare { asset, profiles, no_encode, json }) => {
            ladder::compare(&open(&config).await?, &asset, &profiles, no_encode, json).await
        }
        Command::Watermark(WatermarkCommand::Detect { file, asset, json }) => {
            watermark::detect(&open(&config).await?, &file, asset.as_deref(), json).await
        }
        Command::Transcode { asset, profile, per_title, recipient, target_ssim, priority, json } => {
            let request = regie_app::jobs::TranscodeRequest { per_title: per_title.then_some(target_ssim), recipient };
            transcode::run(&open(&config).await?, &asset, &profile, &request, priority, json).await
        }
        Command::Users(command) => {
            let regie = open(&config).await?;
            let code = match command {
                UsersCommand::Add { name, role, password_stdin, json } => {
                    accounts::add_user(&regie, &name, &role, password_stdin, json).await
                }
                UsersCommand::List { json } => accounts::list_users(&regie, json).await,
                UsersCommand::Disable { name, json } => accounts::set_disabled(&regie, &name, true, json).await,
                UsersCommand::Enable { name, json } => accounts::set_disabled(&regie, &name, false, json).await,
                UsersCommand::Reset { name, json } => accounts::reset(&regie, &name, json).await,
            };
            regie.close().await;
            code
        }
        Command::Tokens(command) => {
            let regie = open(&config).await?;
            let code = match command {
                TokensCommand::Create { user, scopes, expires, label, json } => {
                    accounts::create_token(&regie, &user, &label, &scopes, expires.as_deref(), json).await
                }
                TokensCommand::List { user, json } => accounts::list_tokens(&regie, user.as_deref(), json).await,
                TokensCommand::Revoke { id, json } => accounts::revoke_token(&regie, &id, json).await,
            };
            regie.close().await;
            code
        }
        Command::Previews { asset, json } => transcode::previews(&open(&config).await?, &asset, json).await,
        Command::Groups(command) => {
            let regie = open(&config).await?;
            let code = match command {
                GroupsCommand::Add { name, json } => access::add_group(&regie, &name, json).await,
                GroupsCommand::List { json } => access::list_groups(&regie, json).await,
                GroupsCommand::AddMember { group, user, json } => {
                    access::set_member(&regie, &group, &user, true, json).await
                }
                GroupsCommand::RemoveMember { group, user, json } => {
                    access::set_member(&regie, &group, &user, false, json).await
                }
            };
            regie.close().await;
            code
        }
        Command::Grants(command) => {
            let regie = open(&config).await?;
            let code = match command {
                GrantsCommand::Add { collection, to, role, json } => {
                    access::add_grant(&regie, &collection, &to, &role, json).await
                }
                GrantsCommand::List { json } => access::list_grants(&regie, json).await,
                GrantsCommand::Remove { id, json } => access::remove_grant(&regie, &id, json).await,
            };
            regie.close().await;
            code
        }
        Command::Audit(command) => {
            let regie = open(&config).await?;
            let code = match command {
                AuditCommand::Verify { checkpoints, key, json } => {
                    audit::verify(&regie, checkpoints.as_deref(), key.as_deref(), json).await
                }
                AuditCommand::Checkpoint { out, json } => audit::checkpoint(&regie, &out, json).await,
                AuditCommand::List { user, asset, since, until, limit, json } => {
                    audit::list(&regie, audit::ListArgs { user, asset, since, until, limit }, json).await
                }
            };
            regie.close().await;
            code
        }
        Command::Search { query, limit, facets, sort, cursor, no_semantic, json } => {
            let regie = open(&config).await?;
            let arguments = search::SearchArguments { words: query, limit, facets, sort, cursor, no_semantic, json };
            let code = search::run(&regie, arguments).await;
            regie.close().await;
            code
        }
        Command::ImportMetadata { file, json } => {
            let regie = open(&config).await?;
            let code = import::run(&regie, &file, json).await;
            regie.close().await;
            code
        }
        Command::Serve { listen, workers, json } => serve::run(&config, listen, workers, json).await,
        Command::Migrate { json } => operations::migrate(&config, json).await,
        Command::Doctor { json } => operations::doctor(&config, json).await,
        Command::Move { to_database, to_store, json } => {
            moving::run(&open(&config).await?, to_database, to_store, json).await
        }
    }
}

/// Records a change made from the command line, as `cli:LOGIN` (the command line has the powers
/// of whoever can write the data folder).
pub(crate) async fn audit_cli(regie: &Regie, action: &str, asset_id: Option<String>, detail: String) -> Result<()> {
    regie
        .audit(regie_app::NewAuditEntry {
            actor: cli_actor(),
            action: action.to_owned(),
            asset_id,
            address: None,
            outcome: "ok".to_owned(),
            detail,
        })
        .await?;
    Ok(())
}

/// `cli:LOGIN`: how the audit trail names whoever runs a command.
pub(crate) fn cli_actor() -> String {
    let login = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".to_owned());
    format!("cli:{login}")
}

pub(crate) async fn open(config: &LoadedConfig) -> Result<Regie> {
    Ok(Regie::open(config.settings()?).await?)
}

pub(crate) fn print_json(value: &impl Serialize) -> Result<()> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value)?;
    match writeln!(std::io::stdout().lock(), "{text}") {
        // The reader stopped reading (`| head`): nothing more to say, and no panic.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => Ok(written?),
    }
}

pub(crate) fn success() -> ExitCode {
    ExitCode::from(crate::exit::SUCCESS)
}

/// Sizes as people read them: `1.5 GiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}
