//! Issue 12, items 3 and 4: connections are bounded in number and in time, and metrics labels
//! come from a closed set, whatever clients send. Bounded loops over loopback only.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::harness::TestRegie;
use crate::served::Served;

/// Opens a connection that sends the start of a request and never finishes its headers.
fn slow_client(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: regie\r\nX-Slow: ").unwrap();
    stream
}

/// Whether the server closed `stream` (end of file or reset) within `limit`.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buffer = [0u8; 256];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(error) if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn slow_clients_are_cut_after_the_header_deadline_and_others_are_served_meanwhile() {
    let served = Served::start_with_env(TestRegie::new(), 0, &[("REGIE_SERVER_HEADER_TIMEOUT_S", "5")]);
    let address = served.address();
    let mut slow: Vec<TcpStream> = (0..200).map(|_| slow_client(&address)).collect();
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(served.send("GET", "/healthz", None, None).status, 200);
    }
    assert!(started.elapsed() < Duration::from_secs(5), "normal requests waited behind the slow ones");
    // An idle keep-alive connection gets the same deadline as a slow one.
    let mut idle = TcpStream::connect(&address).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: regie\r\n\r\n").unwrap();
    let mut answer = [0u8; 12];
    idle.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    for stream in slow.iter_mut().step_by(10) {
        assert!(closed_within(stream, Duration::from_secs(10)), "a slow client was held past the deadline");
    }
    assert!(closed_within(&mut idle, Duration::from_secs(10)), "an idle keep-alive connection was kept");
}

#[test]
fn connections_beyond_the_cap_are_refused_cleanly_and_service_resumes() {
    let served = Served::start_with_env(TestRegie::new(), 0, &[("REGIE_SERVER_MAX_CONNECTIONS", "16")]);
    let address = served.address();
    let held: Vec<TcpStream> = (0..16).map(|_| TcpStream::connect(&address).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut extra = TcpStream::connect(&address).unwrap();
    extra.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer = String::new();
    let _ = extra.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    assert!(answer.contains("too-many-connections"), "{answer:?}");
    drop(held);
    let started = Instant::now();
    loop {
        let status = served.send("GET", "/healthz", None, None).status;
        if status == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "service did not resume: {status}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn metrics_labels_take_known_values_only() {
    let served = Served::start(TestRegie::new());
    let address = served.address();
    let send = |method: &str| {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let request = format!("{method} /api/v1/assets HTTP/1.1\r\nHost: regie\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    };
    let long = "X".repeat(30_000);
    for index in 0..20 {
        send(&format!("{long}{index}"));
    }
    for _ in 0..5 {
        assert!(send("BREW").starts_with("HTTP/1.1 "), "the server answers an unknown method");
    }
    let metrics = String::from_utf8(served.send("GET", "/metrics", None, None).body).unwrap();
    assert!(!metrics.contains("XXXX") && !metrics.contains("BREW"), "a client's method became a label");
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    assert!(metrics.len() < 200_000, "metrics grew to {} bytes", metrics.len());
}

#[test]
fn the_web_desk_serves_its_own_files_only() {
    let served = Served::start(TestRegie::new());
    for path in ["/../../../../etc/passwd", "/assets/../../Cargo.toml", "/%2e%2e/%2e%2e/etc/passwd"] {
        let mut stream = TcpStream::connect(served.address()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: regie\r\nConnection: close\r\n\r\n").as_bytes())
            .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(!answer.contains("root:") && !answer.contains("[workspace]"), "{path}: {answer}");
    }
    let page = served.send("GET", "/", None, None);
    assert_eq!(page.status, 200);
    assert!(page.header("content-security-policy").unwrap().contains("default-src 'self'"));
}
