//! How regie reaches a bucket that is not the primary store (a destination, a storage location):
//! an endpoint and a region, and the names of the environment variables holding the keys, never
//! the keys themselves.

use crate::AppError;

/// Checks that each name is an environment variable's name, not a secret pasted in its place.
pub(crate) fn check_variable_names<'a>(names: impl IntoIterator<Item = &'a String>) -> Result<(), AppError> {
    for variable in names {
        let plain = !variable.is_empty() && variable.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
        if !plain {
            return Err(AppError::Invalid(format!(
                "{variable:?} is not an environment variable name (the variable's name, not the secret)"
            )));
        }
    }
    Ok(())
}

/// The `AWS_*` settings for `object_store`, the keys read from the named variables now; `owner`
/// names what they are for in the error when a variable is not set.
pub(crate) fn s3_settings(
    owner: &str,
    endpoint: Option<&String>,
    region: Option<&String>,
    access_key_env: Option<&String>,
    secret_key_env: Option<&String>,
) -> Result<Vec<(String, String)>, AppError> {
    let mut settings = Vec::new();
    if let Some(endpoint) = endpoint {
        settings.push(("AWS_ENDPOINT".to_owned(), endpoint.clone()));
        if endpoint.starts_with("http://") {
            settings.push(("AWS_ALLOW_HTTP".to_owned(), "true".to_owned()));
        }
    }
    if let Some(region) = region {
        settings.push(("AWS_REGION".to_owned(), region.clone()));
    }
    for (variable, setting) in [(access_key_env, "AWS_ACCESS_KEY_ID"), (secret_key_env, "AWS_SECRET_ACCESS_KEY")] {
        if let Some(variable) = variable {
            let value = std::env::var(variable).map_err(|_| {
                AppError::Invalid(format!(
                    "{owner}: the environment variable {variable} (its {setting}) is not set on this machine"
                ))
            })?;
            settings.push((setting.to_owned(), value));
        }
    }
    Ok(settings)
}
