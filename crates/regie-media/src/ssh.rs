//! OpenSSH's `sftp` and `ssh`, run like ffmpeg: an argument vector, no shell on this side, a
//! timeout, killed if dropped. Authentication is by key only (`BatchMode`), the server's host key
//! is checked against a known-hosts file the caller writes (or learnt on first use), and nothing
//! of the user's own SSH configuration is read.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::MediaError;
use crate::runner::{Tool, ToolRunner, spawn, stderr_tail};

const SFTP: Tool = Tool { program: "sftp", package: "openssh-client" };
const SSH: Tool = Tool { program: "ssh", package: "openssh-client" };

/// Ciphers in order of preference: AES-GCM first (hardware AES makes it the fastest), then the
/// defaults.
const CIPHERS: &str =
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr";

/// An SSH server and how to reach it.
#[derive(Debug, Clone)]
pub struct SshTarget {
    pub user: String,
    pub host: String,
    pub port: u16,
    /// The private key; `None` uses the default keys of the account regie runs as.
    pub identity: Option<PathBuf>,
    /// The known-hosts file holding the pinned host key (or receiving it on first use).
    pub known_hosts: PathBuf,
    /// Accept and record an unknown host key (trust on first use); a changed key is always refused.
    pub accept_new_host_key: bool,
    /// A bandwidth limit for transfers, in kbit/s.
    pub limit_kbit_s: Option<u32>,
}

/// What a run printed, and whether it succeeded.
#[derive(Debug, Clone)]
pub struct SshOutput {
    pub success: bool,
    pub stdout: String,
    /// The last lines of stderr.
    pub stderr: String,
}

impl SshTarget {
    fn common_options(&self) -> Vec<OsString> {
        let strict = if self.accept_new_host_key { "accept-new" } else { "yes" };
        let mut options: Vec<OsString> = Vec::new();
        for option in [
            "BatchMode=yes".to_owned(),
            format!("StrictHostKeyChecking={strict}"),
            "GlobalKnownHostsFile=/dev/null".to_owned(),
            "ConnectTimeout=15".to_owned(),
            "ServerAliveInterval=15".to_owned(),
            "ServerAliveCountMax=4".to_owned(),
            "LogLevel=ERROR".to_owned(),
            format!("Ciphers={CIPHERS}"),
            "Compression=no".to_owned(),
        ] {
            options.push("-o".into());
            options.push(option.into());
        }
        let mut known = OsString::from("UserKnownHostsFile=");
        known.push(self.known_hosts.as_os_str());
        options.extend(["-o".into(), known]);
        // No ~/.ssh/config: a destination behaves the same whoever runs regie.
        options.extend(["-F".into(), "/dev/null".into()]);
        if let Some(identity) = &self.identity {
            options.extend(["-o".into(), "IdentitiesOnly=yes".into(), "-i".into(), identity.clone().into()]);
        }
        options
    }

    fn destination(&self) -> String {
        format!("{}@{}", self.user, self.host)
    }
}

impl ToolRunner {
    /// Runs the `sftp` commands of `batch_file` against `target` (`-b`: the run stops at the first
    /// failing command, unless it starts with `-`).
    pub async fn sftp_batch(
        &self,
        target: &SshTarget,
        batch_file: &Path,
        timeout: Duration,
    ) -> Result<SshOutput, MediaError> {
        let mut arguments = target.common_options();
        arguments.extend(["-P".into(), target.port.to_string().into()]);
        // 64 requests of 255 KiB in flight: OpenSSH's server accepts writes of up to 255 KiB.
        arguments.extend(["-R".into(), "64".into(), "-B".into(), "261120".into()]);
        if let Some(limit) = target.limit_kbit_s {
            arguments.extend(["-l".into(), limit.to_string().into()]);
        }
        arguments.extend(["-b".into(), batch_file.as_os_str().to_owned()]);
        arguments.push("--".into());
        arguments.push(target.destination().into());
        self.run_remote(SFTP, arguments, timeout, &target.host).await
    }

    /// Runs `command` on `target` (through the server's shell: every word is single-quoted here).
    pub async fn ssh_command(
        &self,
        target: &SshTarget,
        command: &[&str],
        timeout: Duration,
    ) -> Result<SshOutput, MediaError> {
        let mut arguments = target.common_options();
        arguments.extend(["-p".into(), target.port.to_string().into(), "-T".into()]);
        arguments.push("--".into());
        arguments.push(target.destination().into());
        arguments.push(command.iter().map(|word| shell_quote(word)).collect::<Vec<_>>().join(" ").into());
        self.run_remote(SSH, arguments, timeout, &target.host).await
    }

    async fn run_remote(
        &self,
        tool: Tool,
        arguments: Vec<OsString>,
        timeout: Duration,
        host: &str,
    ) -> Result<SshOutput, MediaError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let child = spawn(tool, &arguments)?;
        let output = tokio::time::timeout(timeout, child.wait_with_output())
            .await
            .map_err(|_| MediaError::Timeout { tool: tool.program, seconds: timeout.as_secs(), path: host.into() })?
            .map_err(|source| MediaError::Spawn { tool: tool.program, source })?;
        Ok(SshOutput {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: stderr_tail(&output.stderr),
        })
    }
}

/// One word for a POSIX shell: single-quoted, with `'` written as `'\''`.
pub fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// One path for an `sftp` batch line: double-quoted, with `\` and `"` escaped.
pub fn sftp_quote(path: &str) -> String {
    format!("\"{}\"", path.replace('\\', r"\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_words_whole() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's; rm -rf /"), r"'it'\''s; rm -rf /'");
        assert_eq!(sftp_quote(r#"/in/a "b"\c"#), r#""/in/a \"b\"\\c""#);
    }

    #[test]
    fn options_pin_the_host_key_and_ignore_the_users_config() {
        let target = SshTarget {
            user: "deliver".into(),
            host: "127.0.0.1".into(),
            port: 2222,
            identity: Some("/keys/id".into()),
            known_hosts: "/data/known".into(),
            accept_new_host_key: false,
            limit_kbit_s: None,
        };
        let options: Vec<String> =
            target.common_options().iter().map(|option| option.to_string_lossy().into_owned()).collect();
        let joined = options.join(" ");
        assert!(joined.contains("StrictHostKeyChecking=yes"), "{joined}");
        assert!(joined.contains("UserKnownHostsFile=/data/known"), "{joined}");
        assert!(joined.contains("BatchMode=yes") && joined.contains("-F /dev/null"), "{joined}");
        assert!(joined.contains("-i /keys/id"), "{joined}");
    }
}
