//! The `regie` binary: parses the command line, loads the layered config, runs the use case and
//! renders its result as text or `--json`, with exit codes scripts can rely on:
//! 0 success, 1 a failure (or some files failed), 2 invalid input, 3 not found.

mod cli;
mod commands;
mod config;
mod exit;
mod progress;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("REGIE_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return exit::report(&anyhow::Error::from(error)),
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(error) => exit::report(&error),
    }
}
