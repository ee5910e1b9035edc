//! Early writeback: asks the kernel to start flushing each written range to disk while the copy
//! goes on, so the final fsync has little left to do and the copy costs no extra wall time.

use std::fs::File;
use std::os::fd::AsRawFd;

/// Starts asynchronous writeback of `length` bytes at `offset`. Failure only loses the
/// optimisation: the final fsync still makes the data durable.
#[allow(unsafe_code)]
pub(crate) fn start_writeback(file: &File, offset: u64, length: u64) {
    #[cfg(target_os = "linux")]
    // SAFETY: sync_file_range only reads its integer arguments; the descriptor is valid for the
    // lifetime of `file`, which outlives the call.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            length as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, length);
}

/// Flushes every written file and folder of the file system holding `folder` to disk (`syncfs`):
/// one call for a batch of thousands of small files instead of an fsync each.
#[allow(unsafe_code)]
pub(crate) fn flush_file_system(folder: &std::path::Path) -> Result<(), crate::StorageError> {
    let failed = |error| crate::StorageError::write(folder, error);
    let handle = File::open(folder).map_err(failed)?;
    #[cfg(target_os = "linux")]
    {
        // SAFETY: syncfs only reads the descriptor, which `handle` keeps open during the call.
        let result = unsafe { libc::syncfs(handle.as_raw_fd()) };
        if result != 0 {
            return Err(failed(std::io::Error::last_os_error()));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = handle;
        // No syncfs: `sync` schedules and (on the systems regie runs on) waits for every write.
        std::process::Command::new("sync").status().map(|_| ()).map_err(failed)
    }
}
