//! The ffprobe command line, built as a pure function.

use std::ffi::OsString;
use std::path::Path;

use crate::runner::file_argument;

/// Arguments for a JSON description of the container and every stream.
pub(crate) fn ffprobe_arguments(path: &Path) -> Vec<OsString> {
    let mut arguments: Vec<OsString> =
        ["-hide_banner", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-i"]
            .into_iter()
            .map(OsString::from)
            .collect();
    arguments.push(file_argument(path));
    arguments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_one_argument_and_never_an_option() {
        let arguments = ffprobe_arguments(Path::new("-evil name; rm -rf.mp4"));
        assert_eq!(arguments.last().unwrap(), "file:-evil name; rm -rf.mp4");
        assert!(arguments.contains(&OsString::from("-show_streams")));
    }
}
