//! The store in a bucket of a real S3-protocol server (s3s-fs, which verifies checksums and
//! conditional writes): blobs uploaded whole or in parts, found, fetched, verified, listed and
//! removed; an unreachable server or a missing bucket is a clear error.

#[path = "support/s3_server.rs"]
mod s3_server;

use regie_core::Blake3Hex;
use regie_storage::{BlobStore, HashOptions, S3Blobs};
use s3_server::S3Server;

fn store_on(server: &S3Server, url: &str) -> (tempfile::TempDir, BlobStore) {
    let environment = server.environment();
    let settings: Vec<(&str, &str)> = environment.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let folder = tempfile::tempdir().unwrap();
    let store =
        BlobStore::open(folder.path().join("store")).unwrap().with_remote(S3Blobs::open_with(url, &settings).unwrap());
    (folder, store)
}

fn file_of(folder: &std::path::Path, name: &str, length: usize, seed: u8) -> std::path::PathBuf {
    let bytes: Vec<u8> = (0..length).map(|index| (index as u8).wrapping_mul(31).wrapping_add(seed)).collect();
    let path = folder.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_go_to_the_bucket_whole_or_in_parts_and_come_back_intact() {
    let server = S3Server::start("media");
    let (folder, store) = store_on(&server, "s3://media/house");
    let small = file_of(folder.path(), "small.bin", 300_000, 1);
    let large = file_of(folder.path(), "large.bin", 40 << 20, 2);
    let mut addresses = Vec::new();
    for source in [&small, &large] {
        let staged = store.stage(source, HashOptions::default(), &|_| {}).unwrap();
        let blake3 = staged.checksums.blake3.clone();
        let staged_path = staged.path().to_owned();
        store.store(staged).await.unwrap();
        assert!(!staged_path.exists(), "the staged copy is removed once uploaded");
        addresses.push(blake3);
    }
    let objects = server.objects("media");
    assert_eq!(objects.len(), 2, "{objects:?}");
    assert!(objects[0].to_string_lossy().contains("/house/blobs/"), "{objects:?}");
    assert_eq!(store.size(&addresses[1]).await.unwrap(), Some(40 << 20));
    let fetched = store.local_copy(&addresses[1]).await.unwrap();
    assert_eq!(std::fs::read(fetched.path()).unwrap(), std::fs::read(&large).unwrap());
    let fetched_path = fetched.path().to_owned();
    drop(fetched);
    assert!(!fetched_path.exists(), "a fetched copy is removed when dropped");
    assert!(store.verify_blob(&addresses[0]).await.unwrap());
    let mut listed = store.list_blobs().await.unwrap();
    listed.sort();
    assert!(listed.is_empty(), "blobs written within the hour are not offered to gc: {listed:?}");

    // The same content again is not uploaded twice; a changed object fails verification.
    let again = store.stage(&small, HashOptions::default(), &|_| {}).unwrap();
    store.store(again).await.unwrap();
    assert_eq!(server.objects("media").len(), 2);
    let object = objects.iter().find(|path| path.to_string_lossy().contains(addresses[0].as_str())).unwrap();
    let mut bytes = std::fs::read(object).unwrap();
    bytes[10] ^= 0xff;
    std::fs::write(object, bytes).unwrap();
    assert!(!store.verify_blob(&addresses[0]).await.unwrap(), "bit rot in the bucket is found");

    // A presigned URL reads the blob with no credentials; altered, it is refused.
    let url = store.presign(&addresses[1], std::time::Duration::from_secs(300)).await.unwrap().unwrap();
    assert!(!url.contains(s3_server::SECRET_KEY), "the secret never appears in a URL");
    let fetched = reqwest::get(&url).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert!(fetched.bytes().await.unwrap() == std::fs::read(&large).unwrap());
    let forged = url.replace(addresses[1].as_str(), addresses[0].as_str());
    assert_eq!(reqwest::get(&forged).await.unwrap().status(), 403, "a URL signed for one blob reads no other");

    assert_eq!(store.remove_blob(&addresses[1]).await.unwrap(), Some(40 << 20));
    assert_eq!(store.size(&addresses[1]).await.unwrap(), None);
    assert_eq!(store.remove_blob(&addresses[1]).await.unwrap(), None);
    let missing = Blake3Hex::parse(&"0".repeat(64)).unwrap();
    assert_eq!(store.local_copy(&missing).await.unwrap_err().code(), "blob-missing");
    store.check().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_or_an_unreachable_server_is_a_clear_error() {
    let server = S3Server::start("media");
    let (_folder, store) = store_on(&server, "s3://nobucket");
    let error = store.check().await.unwrap_err();
    assert_eq!(error.code(), "store-unavailable");
    assert!(error.to_string().contains("s3://nobucket"), "{error}");

    let endpoint = server.endpoint.clone();
    drop(server);
    let folder = tempfile::tempdir().unwrap();
    let store = BlobStore::open(folder.path().join("store")).unwrap().with_remote(
        S3Blobs::open_with(
            "s3://media",
            &[
                ("AWS_ENDPOINT_URL", endpoint.as_str()),
                ("AWS_ALLOW_HTTP", "true"),
                ("AWS_ACCESS_KEY_ID", "x"),
                ("AWS_SECRET_ACCESS_KEY", "y"),
            ],
        )
        .unwrap(),
    );
    let started = std::time::Instant::now();
    let source = file_of(folder.path(), "clip.bin", 1000, 3);
    let staged = store.stage(&source, HashOptions::default(), &|_| {}).unwrap();
    assert_eq!(store.store(staged).await.unwrap_err().code(), "store-unavailable");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(S3Blobs::open("http://elsewhere").unwrap_err().code(), "invalid-store-url");
}
