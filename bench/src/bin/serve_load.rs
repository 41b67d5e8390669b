//! `serve_load --addr HOST:PORT[,HOST:PORT...] --log FILE [--mode batch|single] [--batch N] [--connections N]
//! [--limit N] [--shift-years N]`: posts a JSON Lines log to a running `docket serve` and reports
//! sustained events per second and request latency (p50, p99). Each case's events go through
//! one connection, in log order (a case's events must arrive in order); the connections run at
//! once, each with keep-alive; with several addresses the connections are spread over them in
//! turn. Not a test: `bench/serve.sh` and `bench/serve_pg.sh` run it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: serve_load --addr HOST:PORT[,HOST:PORT...] --log FILE [--mode batch|single] [--batch 1000] \
[--connections 4] [--limit N] [--shift-years 28]";

struct Args {
    addr: String,
    log: String,
    batch: usize,
    connections: usize,
    limit: usize,
    shift_years: i32,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        addr: String::new(),
        log: String::new(),
        batch: 1000,
        connections: 4,
        limit: usize::MAX,
        shift_years: 28,
    };
    let mut single = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--addr" => a.addr = value()?,
            "--log" => a.log = value()?,
            "--mode" => single = value()? == "single",
            "--batch" => a.batch = value()?.parse().map_err(|_| "--batch: a number")?,
            "--connections" => a.connections = value()?.parse().map_err(|_| "--connections: a number")?,
            "--limit" => a.limit = value()?.parse().map_err(|_| "--limit: a number")?,
            "--shift-years" => a.shift_years = value()?.parse().map_err(|_| "--shift-years: a number")?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if a.addr.is_empty() || a.log.is_empty() {
        return Err("--addr and --log are required".into());
    }
    if single {
        a.batch = 1;
    }
    a.connections = a.connections.max(1);
    Ok(a)
}

/// Move every quoted instant of years 2020-2039 forward by `years` (28 keeps weekdays and leap
/// years), so the log's deadlines lie in the future and the run measures posting, not a
/// scheduler catching up on years of overdue deadlines.
fn shift(line: &str, years: i32) -> String {
    if years == 0 {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find("\"20") {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let year = tail.get(1..5).and_then(|y| y.parse::<i32>().ok());
        match year {
            Some(y) if (2020..2040).contains(&y) && tail.as_bytes().get(5) == Some(&b'-') => {
                out.push('"');
                out.push_str(&(y + years).to_string());
                rest = &tail[5..];
            }
            _ => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn case_of(line: &str) -> &str {
    line.find("\"case\"").and_then(|i| line[i + 6..].split('"').nth(1)).unwrap_or("")
}

struct Conn {
    stream: BufReader<TcpStream>,
    addr: String,
}

impl Conn {
    fn open(addr: &str) -> std::io::Result<Conn> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(120)))?;
        Ok(Conn { stream: BufReader::new(s), addr: addr.to_string() })
    }

    /// POST a body; the status and the response body.
    fn post(&mut self, body: &str, ndjson: bool) -> std::io::Result<(u16, String)> {
        let kind = if ndjson { "application/x-ndjson" } else { "application/json" };
        let head = format!(
            "POST /v1/events HTTP/1.1\r\nHost: {}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let s = self.stream.get_mut();
        s.write_all(head.as_bytes())?;
        s.write_all(body.as_bytes())?;
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line)?;
        let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        self.stream.read_exact(&mut body)?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let file = match std::fs::File::open(&args.log) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", args.log);
            return ExitCode::from(2);
        }
    };
    // Each connection's share: the cases whose id hashes to it, in log order.
    let mut shares: Vec<Vec<String>> = vec![Vec::new(); args.connections];
    let mut total = 0usize;
    for line in BufReader::new(file).lines().map_while(Result::ok).take(args.limit) {
        if line.trim().is_empty() {
            continue;
        }
        let h = case_of(&line).bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        shares[(h % args.connections as u64) as usize].push(shift(&line, args.shift_years));
        total += 1;
    }
    let start = Instant::now();
    let batch = args.batch.max(1);
    let workers: Vec<_> = shares
        .into_iter()
        .enumerate()
        .map(|(i, lines)| {
            // Several instances (a comma-separated list): connection i goes to the i-th, in turn.
            let addrs: Vec<&str> = args.addr.split(',').collect();
            let addr = addrs[i % addrs.len()].to_string();
            std::thread::spawn(move || -> Result<(Vec<Duration>, [usize; 4]), String> {
                let mut conn = Conn::open(&addr).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
                let mut latencies = Vec::new();
                let mut counts = [0usize; 4];
                for chunk in lines.chunks(batch) {
                    let body = chunk.join("\n");
                    let t = Instant::now();
                    let (status, answer) = conn.post(&body, batch > 1).map_err(|e| format!("request failed: {e}"))?;
                    latencies.push(t.elapsed());
                    if status != 200 && status != 400 {
                        return Err(format!("status {status}: {answer}"));
                    }
                    for (i, word) in ["applied", "rejected", "duplicate", "malformed"].iter().enumerate() {
                        counts[i] += answer.matches(&format!("\"result\":\"{word}\"")).count();
                    }
                    if status == 400 {
                        counts[3] += chunk.len();
                    }
                }
                Ok((latencies, counts))
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut counts = [0usize; 4];
    for w in workers {
        match w.join() {
            Ok(Ok((l, c))) => {
                latencies.extend(l);
                for i in 0..4 {
                    counts[i] += c[i];
                }
            }
            Ok(Err(e)) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
            Err(_) => return ExitCode::from(1),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    println!(
        "events {total} in {secs:.2} s: {:.0} events/s, {} requests ({:.0}/s) of up to {batch} events over {} connections",
        total as f64 / secs,
        latencies.len(),
        latencies.len() as f64 / secs,
        args.connections
    );
    println!(
        "latency per request: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    println!(
        "results: {} applied, {} rejected, {} duplicate, {} malformed",
        counts[0], counts[1], counts[2], counts[3]
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_move_forward_by_whole_years_and_nothing_else_moves() {
        let line =
            r#"{"case": "AE-1", "at": "2026-01-01T05:06:30Z", "amount": "2026.00", "due": "2025-12-13T17:26:22Z"}"#;
        assert_eq!(
            shift(line, 28),
            r#"{"case": "AE-1", "at": "2054-01-01T05:06:30Z", "amount": "2026.00", "due": "2053-12-13T17:26:22Z"}"#
        );
        assert_eq!(case_of(line), "AE-1");
    }
}
