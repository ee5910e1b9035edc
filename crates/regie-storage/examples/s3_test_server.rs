//! The tests' S3 server (s3s-fs on loopback, SigV4 credentials, checksums verified) as a program,
//! for benchmarks: prints `endpoint http://127.0.0.1:PORT` and serves bucket `media` until killed.
//! Usage: cargo run --release -p regie-storage --example s3_test_server

#[allow(dead_code)] // the tests use more of it than this program
#[path = "../tests/support/s3_server.rs"]
mod s3_server;

fn main() {
    let server = s3_server::S3Server::start("media");
    println!("endpoint {}", server.endpoint);
    println!("access_key {} secret_key {}", s3_server::ACCESS_KEY, s3_server::SECRET_KEY);
    loop {
        std::thread::park();
    }
}
