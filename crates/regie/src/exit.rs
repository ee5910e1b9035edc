//! Exit codes and the message printed when a command fails as a whole.

use std::process::ExitCode;

use regie_app::AppError;

pub const SUCCESS: u8 = 0;
pub const FAILURE: u8 = 1;
pub const INVALID_INPUT: u8 = 2;
pub const NOT_FOUND: u8 = 3;

/// Prints `error: ...` with its causes and returns the exit code that fits it.
pub fn report(error: &anyhow::Error) -> ExitCode {
    eprintln!("error: {}", message(error));
    let code = match error.downcast_ref::<AppError>() {
        Some(app_error) if app_error.is_not_found() => NOT_FOUND,
        Some(app_error) if app_error.is_user_error() => INVALID_INPUT,
        Some(_) => FAILURE,
        None if error.chain().any(|cause| cause.downcast_ref::<regie_core::CoreError>().is_some()) => INVALID_INPUT,
        None => FAILURE,
    };
    ExitCode::from(code)
}

/// The error and its causes joined with `: `, leaving out a cause whose words the message
/// already carries (regie's errors quote their source).
fn message(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}
