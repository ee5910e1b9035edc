//! `regie config show [--json]`: the effective configuration, secrets masked.

use std::process::ExitCode;

use anyhow::Result;

use super::success;
use crate::config::{LoadedConfig, mask_secrets};

pub fn run(config: &LoadedConfig, json: bool) -> Result<ExitCode> {
    config.settings()?;
    let mut value = toml::Value::try_from(&config.raw)?;
    mask_secrets(&mut value);
    if json {
        let mut document = serde_json::to_value(&value)?;
        document["data_dir"] = serde_json::Value::String(config.data_dir.display().to_string());
        document["config_file"] = config.file.as_ref().map(|file| file.display().to_string()).into();
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        println!("# data folder: {}", config.data_dir.display());
        match &config.file {
            Some(file) => println!("# config file: {}", file.display()),
            None => println!("# config file: none (built-in defaults; REGIE_* variables apply)"),
        }
        print!("{}", toml::to_string_pretty(&value)?);
    }
    Ok(success())
}
