//! An SFTP destination through OpenSSH: one `sftp` batch uploads every file under its temporary
//! name (resuming with `reput` what an earlier attempt left), `cksum` run over `ssh` reads them
//! back at the far end (or, where the account may only use SFTP, `get` fetches them back here),
//! and a second batch renames them.

use std::fmt::Write as _;
use std::path::Path;

use regie_core::destination::DestinationUrl;
use regie_media::{SshOutput, SshTarget, ToolRunner, sftp_quote};

use crate::cksum::cksum_file;
use crate::{Delivered, Destination, Found, Outgoing, TransferError, join, partial_name};

fn target(destination: &Destination) -> (SshTarget, &str) {
    let DestinationUrl::Sftp { user, host, port, path } = &destination.url else {
        unreachable!("sftp functions are called for sftp destinations only")
    };
    let access = &destination.access;
    let target = SshTarget {
        user: user.clone(),
        host: host.clone(),
        port: *port,
        identity: access.identity.clone(),
        known_hosts: access.known_hosts.clone(),
        accept_new_host_key: access.accept_new_host_key,
        limit_kbit_s: access.limit_kbit_s,
    };
    (target, path.as_str())
}

pub(crate) async fn send(
    destination: &Destination,
    runner: &ToolRunner,
    files: &[Outgoing],
    tag: &str,
    resume: bool,
) -> Result<Vec<Delivered>, TransferError> {
    let (target, folder) = target(destination);
    // The CRCs of what is sent, computed here while the upload runs.
    let sums: Vec<_> = files.iter().map(|file| tokio::spawn(cksum_owned(file.local.clone()))).collect();
    let held = if resume {
        partial_sizes(destination, runner, &target, folder, files, tag).await?
    } else {
        vec![0; files.len()]
    };

    let mut batch = format!("-mkdir {}\n", sftp_quote(folder));
    for (file, held) in files.iter().zip(&held) {
        let command = if *held > 0 { "reput" } else { "put" };
        let partial = join(folder, &partial_name(&file.name, tag));
        let _ = writeln!(batch, "{command} {} {}", sftp_quote(&file.local.to_string_lossy()), sftp_quote(&partial));
        // The store's blobs are read-only; the receiver gets an ordinary file.
        let _ = writeln!(batch, "-chmod 644 {}", sftp_quote(&partial));
    }
    run_batch(destination, runner, &target, "upload", &batch, "uploading").await?;

    let mut delivered = Vec::new();
    for ((file, sum), held) in files.iter().zip(sums).zip(held) {
        let (cksum, size) = sum.await.map_err(|error| TransferError::Read {
            path: file.local.display().to_string(),
            source: std::io::Error::other(error.to_string()),
        })??;
        delivered.push(Delivered {
            name: file.name.clone(),
            path: join(folder, &partial_name(&file.name, tag)),
            size,
            cksum,
            resumed_from: held.min(size),
        });
    }
    let found = measure(destination, runner, &delivered).await?;
    for (file, found) in delivered.iter().zip(found) {
        if let Some(reason) = crate::mismatch(file, found) {
            // A resumed prefix that was not this file's: remove it, so the next attempt starts afresh.
            let _ = remove(destination, runner, &file.path).await;
            return Err(TransferError::Mismatch {
                destination: destination.name.clone(),
                path: file.path.clone(),
                reason,
            });
        }
    }

    let mut batch = String::new();
    for file in &mut delivered {
        let last = join(folder, &file.name);
        let _ = writeln!(batch, "rename {} {}", sftp_quote(&file.path), sftp_quote(&last));
        file.path = last;
    }
    run_batch(destination, runner, &target, "rename", &batch, "renaming the delivered files").await?;
    Ok(delivered)
}

async fn cksum_owned(path: std::path::PathBuf) -> Result<(u32, u64), TransferError> {
    cksum_file(&path).await
}

/// What an earlier attempt left of each file under its temporary name.
async fn partial_sizes(
    destination: &Destination,
    runner: &ToolRunner,
    target: &SshTarget,
    folder: &str,
    files: &[Outgoing],
    tag: &str,
) -> Result<Vec<u64>, TransferError> {
    let mut batch = String::new();
    let partials: Vec<String> = files.iter().map(|file| join(folder, &partial_name(&file.name, tag))).collect();
    for partial in &partials {
        let _ = writeln!(batch, "-ls -ln {}", sftp_quote(partial));
    }
    let output = run_batch(destination, runner, target, "list", &batch, "looking for partial files").await?;
    Ok(partials
        .iter()
        .map(|partial| {
            output
                .stdout
                .lines()
                .filter(|line| !line.starts_with("sftp>") && line.ends_with(partial.as_str()))
                .find_map(|line| line.split_whitespace().nth(4).and_then(|size| size.parse().ok()))
                .unwrap_or(0)
        })
        .collect())
}

/// Reads the files back at the far end: `cksum` over `ssh`, or `get` and a local `cksum` when the
/// account cannot run commands.
pub(crate) async fn measure(
    destination: &Destination,
    runner: &ToolRunner,
    delivered: &[Delivered],
) -> Result<Vec<Found>, TransferError> {
    let (target, _) = target(destination);
    let mut command = vec!["cksum", "--"];
    command.extend(delivered.iter().map(|file| file.path.as_str()));
    let output = runner.ssh_command(&target, &command, destination.access.timeout).await?;
    host_key_check(destination, &output)?;
    let parsed: Vec<Option<(u64, u32)>> = delivered
        .iter()
        .map(|file| {
            output.stdout.lines().find_map(|line| {
                let mut words = line.splitn(3, ' ');
                let (cksum, size, path) = (words.next()?, words.next()?, words.next()?);
                (path == file.path).then_some(())?;
                Some((size.parse().ok()?, cksum.parse().ok()?))
            })
        })
        .collect();
    let missing = |line: &str| line.contains("No such file");
    if output.success || parsed.iter().any(Option::is_some) || output.stderr.lines().any(missing) {
        return Ok(parsed);
    }
    // No shell at the far end (an SFTP-only account): fetch the files back and check them here.
    let mut batch = String::new();
    let copies: Vec<_> = (0..delivered.len())
        .map(|index| destination.access.work_dir.join(format!("read-back-{index}-{}", uuid::Uuid::now_v7().simple())))
        .collect();
    for (file, copy) in delivered.iter().zip(&copies) {
        let _ = writeln!(batch, "-get {} {}", sftp_quote(&file.path), sftp_quote(&copy.to_string_lossy()));
    }
    run_batch(destination, runner, &target, "read-back", &batch, "reading delivered files back").await?;
    let mut found = Vec::new();
    for copy in &copies {
        found.push(cksum_file(copy).await.ok().map(|(cksum, size)| (size, cksum)));
        let _ = tokio::fs::remove_file(copy).await;
    }
    Ok(found)
}

pub(crate) async fn remove(destination: &Destination, runner: &ToolRunner, path: &str) -> Result<(), TransferError> {
    let (target, _) = target(destination);
    run_batch(destination, runner, &target, "remove", &format!("rm {}\n", sftp_quote(path)), "removing a file")
        .await
        .map(|_| ())
}

async fn run_batch(
    destination: &Destination,
    runner: &ToolRunner,
    target: &SshTarget,
    label: &str,
    batch: &str,
    step: &'static str,
) -> Result<SshOutput, TransferError> {
    let file = destination.access.work_dir.join(format!("sftp-{label}-{}.batch", uuid::Uuid::now_v7().simple()));
    tokio::fs::write(&file, batch)
        .await
        .map_err(|source| TransferError::Read { path: file.display().to_string(), source })?;
    let output = runner.sftp_batch(target, Path::new(&file), destination.access.timeout).await;
    let _ = tokio::fs::remove_file(&file).await;
    let output = output?;
    host_key_check(destination, &output)?;
    if !output.success {
        return Err(TransferError::Remote {
            destination: destination.name.clone(),
            step,
            message: if output.stderr.is_empty() { "sftp failed without a message".to_owned() } else { output.stderr },
        });
    }
    Ok(output)
}

fn host_key_check(destination: &Destination, output: &SshOutput) -> Result<(), TransferError> {
    let refused =
        ["Host key verification failed", "REMOTE HOST IDENTIFICATION HAS CHANGED", "No ED25519 host key is known"];
    if !output.success && refused.iter().any(|words| output.stderr.contains(words)) {
        return Err(TransferError::HostKey { destination: destination.name.clone(), message: output.stderr.clone() });
    }
    Ok(())
}
