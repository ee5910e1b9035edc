//! A real OpenSSH server for delivery tests: `sshd` on a free loopback port with a generated
//! host key, accepting one generated client key for the account the tests run as, with the
//! SFTP subsystem and a shell (so `cksum` can run at the far end). Stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SshServer {
    pub port: u16,
    pub user: String,
    /// The client's private key.
    pub identity: PathBuf,
    /// The server's public host key, `TYPE BASE64`.
    pub host_key: String,
    /// A folder deliveries can write to.
    pub inbox: PathBuf,
    _folder: tempfile::TempDir,
    child: Child,
}

const SSHD: &str = "/usr/sbin/sshd";

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("ssh-keygen runs (package openssh-client)");
    assert!(status.success());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SshServer {
    /// Starts a server, or returns `None` (the test counted as skipped; failed under `CI=true`)
    /// when `sshd` is not installed.
    pub fn start(test: &str) -> Option<Self> {
        if !Path::new(SSHD).exists() {
            crate::harness::skip(test, "sshd is not installed (apt-get install openssh-server)");
            return None;
        }
        let folder = tempfile::tempdir().unwrap();
        let base = folder.path();
        keygen(&base.join("host_key"));
        keygen(&base.join("client_key"));
        std::fs::copy(base.join("client_key.pub"), base.join("authorized_keys")).unwrap();
        let inbox = base.join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        std::fs::create_dir_all("/run/sshd").ok();
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {base}/host_key\nAuthorizedKeysFile {base}/authorized_keys\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
             StrictModes no\nUsePAM no\nPidFile {base}/sshd.pid\nSubsystem sftp internal-sftp\nMaxStartups 100\n",
            base = base.display()
        );
        std::fs::write(base.join("sshd_config"), config).unwrap();
        let child = Command::new(SSHD)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(base.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(base.join("sshd.log")).unwrap())
            .spawn()
            .expect("sshd starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "sshd did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        let public = std::fs::read_to_string(base.join("host_key.pub")).unwrap();
        let host_key = public.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap().trim().to_owned();
        Some(Self { port, user, identity: base.join("client_key"), host_key, inbox, child, _folder: folder })
    }

    /// `sftp://USER@127.0.0.1:PORT/INBOX`.
    pub fn url(&self) -> String {
        format!("sftp://{}@127.0.0.1:{}{}", self.user, self.port, self.inbox.display())
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
