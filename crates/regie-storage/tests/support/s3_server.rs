//! A real S3-protocol server for tests: s3s-fs (an S3 server over a folder that checks
//! `Content-MD5` and `x-amz-checksum-*` and honours conditional writes) on a loopback port, in a
//! thread of its own, with SigV4 credentials. Each bucket is a folder under the root.

use std::path::{Path, PathBuf};

pub const ACCESS_KEY: &str = "regie-test-key";
pub const SECRET_KEY: &str = "regie-test-secret-0123456789";

pub struct S3Server {
    pub endpoint: String,
    pub root: PathBuf,
    _folder: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl S3Server {
    /// Starts a server with one empty bucket named `bucket`.
    pub fn start(bucket: &str) -> Self {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().join("s3");
        std::fs::create_dir_all(root.join(bucket)).unwrap();
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served_root = root.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(serve(&served_root, address_tx, stopped));
        });
        let address = address_rx.recv().unwrap();
        Self { endpoint: format!("http://{address}"), root, _folder: folder, stop: Some(stop) }
    }

    /// The variables a regie process needs to reach it.
    pub fn environment(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
        ]
    }

    /// Every object file under the bucket's folder (s3s-fs keeps objects as plain files).
    pub fn objects(&self, bucket: &str) -> Vec<PathBuf> {
        fn walk(folder: &Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else if !path.to_string_lossy().contains(".s3s") {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.root.join(bucket), &mut found);
        found.sort();
        found
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(
    root: &Path,
    address: std::sync::mpsc::Sender<std::net::SocketAddr>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    let service = {
        let mut builder = s3s::service::S3ServiceBuilder::new(s3s_fs::FileSystem::new(root).unwrap());
        builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        builder.build()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    address.send(listener.local_addr().unwrap()).unwrap();
    let connections = Builder::new(TokioExecutor::new());
    loop {
        let socket = tokio::select! {
            accepted = listener.accept() => match accepted {
                // Without it, a small response waits for the client's delayed ACK (about 40 ms).
                Ok((socket, _)) => { let _ = socket.set_nodelay(true); socket }
                Err(_) => continue,
            },
            _ = &mut stopped => break,
        };
        let connection = connections.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}
