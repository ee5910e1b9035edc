//! Exit codes and the message printed when a command fails as a whole.

use std::process::ExitCode;

use regie_app::AppError;
use regie_core::ErrorKind;

pub const SUCCESS: u8 = 0;
pub const FAILURE: u8 = 1;
pub const INVALID_INPUT: u8 = 2;
pub const NOT_FOUND: u8 = 3;

/// Prints `error: ...` with its causes and returns the exit code that fits it.
pub fn report(error: &anyhow::Error) -> ExitCode {
    eprintln!("error: {}", message(error));
    let kind = match error.downcast_ref::<AppError>() {
        Some(app_error) => Some(app_error.kind()),
        None => error.chain().find_map(|cause| cause.downcast_ref::<regie_core::CoreError>()).map(|core| core.kind()),
    };
    ExitCode::from(kind.map_or(FAILURE, exit_code))
}

/// The exit code of each kind of error: the one place the CLI decides it.
pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::Invalid | ErrorKind::Conflict | ErrorKind::Forbidden | ErrorKind::TooLarge => INVALID_INPUT,
        ErrorKind::Unavailable | ErrorKind::StorageFull | ErrorKind::Failed | ErrorKind::Internal => FAILURE,
    }
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
