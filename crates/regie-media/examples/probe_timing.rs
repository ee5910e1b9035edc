//! For `bench/probe`: times the native prober in process on each file given (what ingest pays per
//! file), and prints one JSON line per file: its name, the microseconds (median of five reads of
//! the headers, page cache warm) and what it answered.

use std::time::Instant;

use regie_media::{Native, probe_native};

fn main() {
    for path in std::env::args().skip(1) {
        let mut times = Vec::with_capacity(5);
        let mut answer = String::new();
        for _ in 0..5 {
            let started = Instant::now();
            let outcome = std::fs::File::open(&path).and_then(|mut file| {
                let size = file.metadata()?.len();
                Ok(probe_native(&mut file, size))
            });
            times.push(started.elapsed().as_secs_f64() * 1e6);
            answer = match outcome {
                Ok(Native::Described(_)) => "described".to_owned(),
                Ok(Native::NotMine) => "not-mine".to_owned(),
                Ok(Native::Unsure(reason)) => format!("unsure: {reason}"),
                Err(error) => format!("error: {error}"),
            };
        }
        times.sort_by(f64::total_cmp);
        println!("{}", serde_json::json!({"file": path, "us": times[2], "answer": answer}));
    }
}
