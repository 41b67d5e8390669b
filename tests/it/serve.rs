//! `docket serve` end to end: the real binary on a free loopback port (`--listen 127.0.0.1:0`,
//! the address read from its start-up notice) with a temporary database; a raw HTTP/1.1 client.
//! Every server is killed when its test ends, passing or failing (`Drop`). Timers are seconds
//! long, in a small policy each test writes.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// A temporary directory, removed at the end.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("docket-serve-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A policy with timers of seconds: `sla` (2 s, an SLA deadline) and `answer` (3 s, refunds).
pub(crate) const QUICK: &str = r#"policy quick "Short timers for docket serve's tests"

roles buyer, seller

outcomes refund_buyer(money), closed

timers {
  sla    = 2s
  answer = 3s
}

fields {
  claim: money = 0
}

actions {
  buyer open(amount: money)
  buyer note
  seller accept
  buyer cancel
}

initial status new "New" {
  buyer open -> waiting { claim = amount }
}

status waiting "Waiting for the seller" {
  after answer -> refunded
  deadline sla
  buyer note
  seller accept -> refunded
  buyer cancel -> cancelled
}

terminal status refunded "Refunded" outcome refund_buyer(claim)
terminal status cancelled "Cancelled" outcome closed
"#;

/// A running `docket serve`, killed on drop.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(dir: &TempDir, policy: &Path, extra: &[&str]) -> Server {
        Server::start_on(&dir.path("docket.sqlite").display().to_string(), policy, extra, &[])
    }

    /// On the database given (a file or a URL), with these environment variables.
    pub(crate) fn start_on(db: &str, policy: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut args: Vec<String> = vec![
            "serve".into(),
            policy.display().to_string(),
            "--db".into(),
            db.to_string(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(&args)
            .envs(env.iter().copied())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let log2 = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let addr = line.strip_prefix("docket serve: listening on http://").map(str::to_string);
                // In the log before the test hears the address, so the log then holds every line.
                log2.lock().unwrap().push(line);
                if let Some(addr) = addr {
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start: {:?}", log.lock().unwrap());
            }
        };
        Server { child, addr, log }
    }

    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Whether the server's log says `needle`, waiting up to 30 s for it: a line the server
    /// writes after it started reaches the test through a reader thread, a moment later.
    pub(crate) fn log_has(&self, needle: &str) -> bool {
        let give_up = Instant::now() + Duration::from_secs(30);
        loop {
            if self.log().contains(needle) {
                return true;
            }
            if Instant::now() >= give_up {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `kill -9`: no shutdown, no flush.
    pub(crate) fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        http(&self.addr, "GET", path, &[], "")
    }

    pub(crate) fn post(&self, path: &str, body: &str) -> (u16, String) {
        http(&self.addr, "POST", path, &[], body)
    }

    pub(crate) fn post_ndjson(&self, body: &str) -> (u16, String) {
        http(&self.addr, "POST", "/v1/events", &[("Content-Type", "application/x-ndjson")], body)
    }

    pub(crate) fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Every change record after `after`, waiting up to `wait` seconds for the first.
    pub(crate) fn changes(&self, after: i64, wait: u32) -> Vec<Value> {
        let (status, body) = self.get(&format!("/v1/changes?after={after}&wait={wait}"));
        assert_eq!(status, 200, "{body}");
        body.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on its own connection; the status and the body (chunks joined).
pub(crate) fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    // A server may answer (413) before reading a large body and close: a failed write is fine.
    let _ = s.write_all(req.as_bytes()).and_then(|_| s.write_all(body.as_bytes()));
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    (status, if chunked { unchunk(rest) } else { rest.to_string() })
}

fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let Some((size, after)) = rest.split_once("\r\n") else { return out };
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
}

/// Send a signal by the shell's own `kill`, which every system has.
fn signal(name: &str, pid: &str) -> std::process::ExitStatus {
    Command::new("sh").args(["-c", &format!("kill -{name} {pid}")]).status().unwrap()
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

pub(crate) fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn quick(dir: &TempDir) -> PathBuf {
    let p = dir.path("quick.policy");
    std::fs::write(&p, QUICK).unwrap();
    p
}

pub(crate) fn open_event(case: &str, at: &str, id: &str) -> String {
    format!(r#"{{"case":"{case}","at":"{at}","role":"buyer","action":"open","id":"{id}","amount":"10.00"}}"#)
}

pub(crate) fn results(body: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    v["results"].as_array().unwrap().clone()
}

pub(crate) fn eval_reports(policy: &Path, log: &Path, now: &str) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["eval", &policy.display().to_string(), &log.display().to_string(), "--now", now, "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn serve_posts_events_and_its_export_replays_under_eval_to_the_same_reports() {
    let dir = TempDir::new("export");
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/aliexpress.policy");
    let server = Server::start(&dir, &policy, &[]);
    assert!(server.log_has("listens on loopback only"), "{}", server.log());
    // A whole log in one request: the AliExpress examples, as JSON Lines.
    let log = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cases.jsonl")).unwrap();
    let (status, body) = server.post_ndjson(&log);
    assert_eq!(status, 200, "{body}");
    let rs = results(&body);
    assert_eq!(rs.len(), log.lines().filter(|l| !l.trim().is_empty()).count());
    for r in &rs {
        let word = r["result"].as_str().unwrap();
        assert!(["applied", "rejected", "duplicate"].contains(&word), "{r}");
        assert_eq!(r["report"]["case"], r["case"], "{r}");
    }
    // The redelivered id of the examples is a duplicate, as in eval.
    assert!(rs.iter().any(|r| r["result"] == "duplicate"), "the examples redeliver an id");
    // The live step decides as a replay does: each case's report after its latest event is the
    // report of its events read as of that event's time.
    let lines: Vec<Value> =
        log.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut last: std::collections::BTreeMap<String, usize> = Default::default();
    for (i, r) in rs.iter().enumerate() {
        if r["result"] == "applied" || r["result"] == "rejected" {
            last.insert(r["case"].as_str().unwrap().to_string(), i);
        }
    }
    let mut compared = 0;
    for (case, i) in &last {
        let at = lines[*i]["at"].as_str().unwrap();
        let latest =
            lines.iter().filter(|l| l["case"] == case.as_str()).filter_map(|l| l["at"].as_str()).max().unwrap();
        if at == latest {
            assert_eq!(server.json(&format!("/v1/cases/{case}?at={at}")), rs[*i]["report"], "case {case}");
            compared += 1;
        }
    }
    assert!(compared > 20, "compared {compared} cases");
    // One object posted alone, pretty-printed: stored on one line.
    let (status, body) = server.post(
        "/v1/events",
        "{\n  \"case\": \"NEW-1\",\n  \"at\": \"2026-03-01T09:00:00Z\",\n  \"role\": \"buyer\",\n  \"action\": \"open\",\n  \"reason\": \"other\",\n  \"amount\": \"10.00\",\n  \"order_total\": \"20.00\"\n}",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(results(&body)[0]["result"], "applied", "{body}");
    // The export, then eval over it, at three instants.
    let (status, export) = server.get("/v1/events?after=0");
    assert_eq!(status, 200);
    let stored = rs.iter().filter(|r| r["result"] != "duplicate").count() + 1;
    assert_eq!(export.lines().count(), stored, "every event but the duplicate is stored");
    for (i, line) in export.lines().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["seq"], (i + 1) as i64, "{line}");
    }
    let exported = dir.path("exported.jsonl");
    std::fs::write(&exported, &export).unwrap();
    for at in ["2026-01-20T00:00:00Z", "2026-03-15T12:00:00Z", "2027-01-01T00:00:00Z"] {
        let reports = eval_reports(&policy, &exported, at);
        assert!(reports.len() > 20, "eval reports the cases begun by {at}");
        for want in &reports {
            let case = want["case"].as_str().unwrap();
            let got = server.json(&format!("/v1/cases/{case}?at={at}"));
            assert_eq!(&got, want, "case {case} at {at}");
        }
    }
    // As of now, the stored log's cases: their deadlines are long past and have fired.
    let (status, body) = server.get("/v1/cases/AE-0000001");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get("/v1/cases/NOPE");
    assert_eq!(status, 404);
    let err: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error"]["code"], "not_found", "{body}");
    assert!(err["error"]["message"].as_str().unwrap().contains("NOPE"));
    let (status, _) = server.get("/v1/cases/AE-0000001?at=2025-01-01T00:00:00Z");
    assert_eq!(status, 404, "no event of the case by then");
}

#[test]
fn serve_fires_deadlines_by_the_clock_within_a_second_dated_at_the_deadline() {
    let dir = TempDir::new("timers");
    let policy = quick(&dir);
    let server = Server::start(&dir, &policy, &[]);
    let opened = now();
    let (status, body) = server.post("/v1/events", &open_event("T-1", &ts(opened), "t1"));
    assert_eq!(status, 200, "{body}");
    let report = &results(&body)[0]["report"];
    assert_eq!(report["status"], "waiting");
    let sla_at = report["deadlines"][0]["at"].as_str().unwrap().to_string();
    let answer_at = report["deadlines"][1]["at"].as_str().unwrap().to_string();
    let due = chrono::DateTime::parse_from_rfc3339(&answer_at).unwrap().with_timezone(&chrono::Utc);
    // Long-poll until the refund: transition, breach, timer, closed.
    let mut seen: Vec<Value> = Vec::new();
    let give_up = Instant::now() + Duration::from_secs(30);
    while !seen.iter().any(|c| c["kind"] == "closed") && Instant::now() < give_up {
        let after = seen.last().map_or(0, |c| c["seq"].as_i64().unwrap());
        seen.extend(server.changes(after, 10));
    }
    let arrived = now();
    let kinds: Vec<&str> = seen.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["transition", "breach", "timer", "transition", "closed"], "{seen:?}");
    assert_eq!(seen[1]["at"], sla_at.as_str());
    assert_eq!(seen[1]["timer"], "sla");
    assert_eq!(seen[3]["at"], answer_at.as_str(), "dated at the deadline");
    assert_eq!(seen[3]["cause"], "timer");
    assert_eq!(seen[4]["outcome"]["kind"], "refund_buyer");
    assert_eq!(seen[4]["outcome"]["amount"], "10.00");
    for (i, c) in seen.iter().enumerate() {
        assert_eq!(c["seq"], (i + 1) as i64);
        assert_eq!(c["id"], format!("docket-change-{}", i + 1));
    }
    // The promise is a second; the test allows for a loaded machine on top, and reads the
    // server's own measure of each timer's lag, which must be within the second.
    assert!(arrived >= due, "not before the deadline");
    assert!(arrived - due < chrono::TimeDelta::seconds(10), "fired at {arrived}, due {due}");
    let (_, metrics) = server.get("/metrics");
    assert!(metrics.contains("docket_timers_fired_total 2"), "{metrics}");
    assert!(metrics.contains("docket_timer_lag_seconds_bucket{le=\"1\"} 2"), "{metrics}");
    assert!(metrics.contains("docket_cases{status=\"refunded\"} 1"), "{metrics}");
    assert!(metrics.contains("docket_events_total{result=\"applied\"} 1"), "{metrics}");
    let case = server.json("/v1/cases/T-1");
    assert_eq!(case["status"], "refunded");
    assert_eq!(case["breached"][0]["timer"], "sla");
    // An event dated before a deadline already fired (and published) is late: refused, not stored.
    let late = format!(
        r#"{{"case":"T-1","at":"{}","role":"seller","action":"accept","id":"late"}}"#,
        ts(opened + chrono::TimeDelta::seconds(1))
    );
    let (_, body) = server.post("/v1/events", &late);
    let r = &results(&body)[0];
    assert_eq!(r["result"], "rejected", "{r}");
    assert!(r["reason"].as_str().unwrap().contains("already fired"), "{r}");
    let (_, export) = server.get("/v1/events");
    assert_eq!(export.lines().count(), 1, "the late event is not stored");
}

#[test]
fn serve_after_a_kill_fires_the_overdue_deadlines_at_once_in_deadline_order() {
    let dir = TempDir::new("restart");
    let policy = quick(&dir);
    let server = Server::start(&dir, &policy, &[]);
    let t = now();
    // B opened a second before A: each of B's deadlines comes before A's.
    let body = format!(
        "{}\n{}\n",
        open_event("A", &ts(t), "a1"),
        open_event("B", &ts(t - chrono::TimeDelta::seconds(1)), "b1")
    );
    let (status, body) = server.post_ndjson(&body);
    assert_eq!(status, 200, "{body}");
    server.kill();
    // Down while every deadline falls due.
    std::thread::sleep(Duration::from_millis(3_500));
    let server = Server::start(&dir, &policy, &[]);
    assert!(server.log_has("agrees with their events"), "{}", server.log());
    let mut seen: Vec<Value> = Vec::new();
    let give_up = Instant::now() + Duration::from_secs(30);
    while seen.iter().filter(|c| c["kind"] == "closed").count() < 2 && Instant::now() < give_up {
        let after = seen.last().map_or(0, |c| c["seq"].as_i64().unwrap());
        seen.extend(server.changes(after, 10));
    }
    let fired: Vec<(String, String, String)> = seen
        .iter()
        .filter(|c| c["kind"] == "breach" || c["kind"] == "timer")
        .map(|c| {
            (c["case"].as_str().unwrap().into(), c["timer"].as_str().unwrap().into(), c["at"].as_str().unwrap().into())
        })
        .collect();
    let at = |case: &str, s: i64| {
        let base = if case == "B" { t - chrono::TimeDelta::seconds(1) } else { t };
        ts(base + chrono::TimeDelta::seconds(s))
    };
    assert_eq!(
        fired,
        [
            ("B".into(), "sla".into(), at("B", 2)),
            ("A".into(), "sla".into(), at("A", 2)),
            ("B".into(), "answer".into(), at("B", 3)),
            ("A".into(), "answer".into(), at("A", 3)),
        ],
        "{seen:?}"
    );
    // Restarted again, the state is what a replay says, and nothing fires twice.
    drop(server);
    let server = Server::start(&dir, &policy, &[]);
    assert!(server.log_has("all 2 cases agrees"), "{}", server.log());
    std::thread::sleep(Duration::from_millis(1_500));
    let all = server.changes(0, 0);
    assert_eq!(all, seen, "the two openings, then what fired, once: {all:?}");
    assert_eq!(server.json("/v1/cases/A")["status"], "refunded");
}

#[test]
fn serve_killed_in_the_middle_of_batches_loses_no_acknowledged_event_and_applies_none_twice() {
    let dir = TempDir::new("kill");
    let policy = quick(&dir);
    let server = Server::start(&dir, &policy, &[]);
    let at = ts(now() + chrono::TimeDelta::days(1));
    let addr = server.addr.clone();
    let (status, body) = server.post("/v1/events", &open_event("SHARED", &at, "shared-open"));
    assert_eq!(status, 200, "{body}");
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Four clients: two on one shared case, two on cases of their own, each event with an id.
    let mut clients = Vec::new();
    for c in 0..4 {
        let (addr, acked, stop, at) = (addr.clone(), acked.clone(), stop.clone(), at.clone());
        clients.push(std::thread::spawn(move || {
            let mut sent = Vec::new();
            for i in 0..400 {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let case = if c < 2 { "SHARED".to_string() } else { format!("OWN-{c}-{}", i / 20) };
                let id = format!("c{c}-{i}");
                let line = if i % 20 == 0 && c >= 2 {
                    open_event(&case, &at, &id)
                } else {
                    format!(r#"{{"case":"{case}","at":"{at}","role":"buyer","action":"note","id":"{id}"}}"#)
                };
                sent.push(line.clone());
                let Ok(mut s) = TcpStream::connect(&addr) else { break };
                let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
                let req = format!(
                    "POST /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{line}",
                    line.len()
                );
                if s.write_all(req.as_bytes()).is_err() {
                    break;
                }
                let mut raw = String::new();
                if s.read_to_string(&mut raw).is_err() || !raw.starts_with("HTTP/1.1 200") {
                    break;
                }
                acked.lock().unwrap().push(id);
            }
            sent
        }));
    }
    let give_up = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 150 && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent: Vec<String> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 150, "the clients were acknowledged {} events", acked.len());
    let server = Server::start(&dir, &policy, &[]);
    assert!(server.log_has("agrees with their events"), "{}", server.log());
    let ids = |export: &str| -> Vec<String> {
        export.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_string()).collect()
    };
    let (_, export) = server.get("/v1/events?after=0");
    let stored = ids(&export);
    let unique: std::collections::BTreeSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "no event stored twice");
    for id in &acked {
        assert!(unique.contains(id), "acknowledged {id} was lost");
    }
    // Everything sent, redelivered: what was stored is a duplicate, the rest is applied.
    let again = sent.join("\n");
    let (status, body) = server.post_ndjson(&again);
    assert_eq!(status, 200, "{body}");
    for r in results(&body) {
        let id = r["id"].as_str().unwrap().to_string();
        let want = if unique.contains(&id) { "duplicate" } else { "applied" };
        assert_eq!(r["result"], want, "{r}");
    }
    let (_, export) = server.get("/v1/events?after=0");
    let stored = ids(&export);
    assert_eq!(stored.len(), sent.len() + 1, "each event once, and the shared case's opening");
    // The state is the export's, replayed by eval.
    let exported = dir.path("exported.jsonl");
    std::fs::write(&exported, &export).unwrap();
    let when = ts(now() + chrono::TimeDelta::days(2));
    for want in eval_reports(&policy, &exported, &when) {
        let case = want["case"].as_str().unwrap();
        assert_eq!(server.json(&format!("/v1/cases/{case}?at={when}")), want, "case {case}");
    }
}

#[test]
fn serve_with_tokens_answers_401_403_and_bad_requests_400_404_413() {
    let dir = TempDir::new("tokens");
    let policy = quick(&dir);
    let tokens = dir.path("tokens.toml");
    std::fs::write(
        &tokens,
        r#"
[[token]]
secret = "seller-secret-0123456789"
roles = ["seller"]

[[token]]
secret = "buyer-secret-0123456789"
roles = ["buyer"]
read = true

[[token]]
secret = "reader-secret-0123456789"
read = true
"#,
    )
    .unwrap();
    let server = Server::start(&dir, &policy, &["--tokens", &tokens.display().to_string()]);
    assert!(server.log_has("3 bearer tokens"), "{}", server.log());
    assert!(!server.log().contains("secret-0123456789"), "secrets are never logged");
    let bearer = |s: &str| format!("Bearer {s}-secret-0123456789");
    let ev = open_event("K-1", &ts(now() + chrono::TimeDelta::days(1)), "k1");
    let req = |method: &str, path: &str, token: Option<&str>, body: &str| {
        let auth = token.map(bearer);
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        http(&server.addr, method, path, &headers, body)
    };
    let code = |body: &str| serde_json::from_str::<Value>(body).unwrap()["error"]["code"].as_str().unwrap().to_string();
    let (s, b) = req("POST", "/v1/events", None, &ev);
    assert_eq!((s, code(&b).as_str()), (401, "unauthorized"), "{b}");
    let (s, _) = http(&server.addr, "GET", "/v1/cases", &[("Authorization", "Bearer wrong-secret-0123456789")], "");
    assert_eq!(s, 401);
    let (s, b) = req("POST", "/v1/events", Some("seller"), &ev);
    assert_eq!((s, code(&b).as_str()), (403, "forbidden"), "a seller's token posting a buyer's event: {b}");
    let (s, b) = req("GET", "/v1/cases", Some("seller"), "");
    assert_eq!(s, 403, "the seller's token may not read: {b}");
    let (s, b) = req("GET", "/v1/events", Some("reader"), "");
    assert_eq!((s, b.as_str()), (200, ""), "the refused event was not applied");
    let (s, b) = req("POST", "/v1/events", Some("buyer"), &ev);
    assert_eq!(s, 200, "{b}");
    assert_eq!(results(&b)[0]["result"], "applied");
    let (s, b) = req("POST", "/v1/admin/versions", Some("reader"), QUICK);
    assert_eq!((s, code(&b).as_str()), (403, "forbidden"), "only an admin's token adds versions: {b}");
    // Bad requests.
    let (s, b) = req("POST", "/v1/events", Some("buyer"), "{\"case\": ");
    assert_eq!((s, code(&b).as_str()), (400, "bad_json"), "{b}");
    let (s, b) = req("POST", "/v1/events", Some("buyer"), "[1, 2]");
    assert_eq!(s, 400, "{b}");
    let (s, b) = req("GET", "/v1/cases/K-1?at=yesterday", Some("reader"), "");
    assert_eq!((s, code(&b).as_str()), (400, "bad_time"), "{b}");
    let (s, b) = req("GET", "/v1/cases/K-2", Some("reader"), "");
    assert_eq!((s, code(&b).as_str()), (404, "not_found"), "{b}");
    let (s, b) = req("POST", "/v1/events?dry_run=true", Some("buyer"), &ev);
    assert_eq!((s, code(&b).as_str()), (400, "unknown_parameter"), "{b}");
    let (s, b) = req("GET", "/v1/cases?stauts=waiting", Some("reader"), "");
    assert_eq!(s, 400, "{b}");
    let (s, b) = req("GET", "/v1/nothing", Some("reader"), "");
    assert_eq!(s, 404, "{b}");
    let big = "x".repeat(9 * 1024 * 1024);
    let (s, b) = req("POST", "/v1/events", Some("buyer"), &big);
    assert_eq!((s, code(&b).as_str()), (413, "too_large"), "{b}");
    // A malformed line of a batch is reported, and the rest applied.
    let batch = format!("not json\n{}\n", open_event("K-3", &ts(now()), "k3"));
    let auth = bearer("buyer");
    let (s, b) = http(
        &server.addr,
        "POST",
        "/v1/events",
        &[("Authorization", auth.as_str()), ("Content-Type", "application/x-ndjson")],
        &batch,
    );
    assert_eq!(s, 200, "{b}");
    let rs = results(&b);
    assert_eq!((rs[0]["result"].as_str(), rs[1]["result"].as_str()), (Some("malformed"), Some("applied")), "{b}");
    // Still up.
    let (s, b) = req("GET", "/healthz", None, "");
    assert_eq!(s, 200, "{b}");
}

#[test]
fn serve_lists_cases_by_filters_a_page_at_a_time() {
    let dir = TempDir::new("list");
    let policy = quick(&dir);
    let server = Server::start(&dir, &policy, &[]);
    let later = now() + chrono::TimeDelta::days(1);
    let mut lines = Vec::new();
    for i in 0..5 {
        lines.push(open_event(&format!("L-{i}"), &ts(later), &format!("l{i}")));
    }
    lines.push(format!(r#"{{"case":"L-3","at":"{}","role":"buyer","action":"cancel"}}"#, ts(later)));
    let (s, b) = server.post_ndjson(&lines.join("\n"));
    assert_eq!(s, 200, "{b}");
    let mut got = Vec::new();
    let mut path = "/v1/cases?limit=2".to_string();
    loop {
        let page = server.json(&path);
        let cases = page["cases"].as_array().unwrap();
        assert!(cases.len() <= 2);
        got.extend(cases.iter().map(|c| c["case"].as_str().unwrap().to_string()));
        match page["next"].as_str() {
            Some(next) => path = format!("/v1/cases?limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(got, ["L-0", "L-1", "L-2", "L-3", "L-4"]);
    let waiting = server.json("/v1/cases?status=waiting");
    assert_eq!(waiting["cases"].as_array().unwrap().len(), 4);
    let first = &waiting["cases"][0];
    assert_eq!(first["label"], "Waiting for the seller");
    assert_eq!(first["breached"], false);
    assert_eq!(first["next_deadline"], ts(later + chrono::TimeDelta::seconds(2)));
    let closed = server.json("/v1/cases?status=cancelled");
    assert_eq!(closed["cases"][0]["case"], "L-3");
    let soon = ts(later + chrono::TimeDelta::seconds(1));
    assert_eq!(server.json(&format!("/v1/cases?due_before={soon}"))["cases"].as_array().unwrap().len(), 0);
    let after = ts(later + chrono::TimeDelta::seconds(3));
    assert_eq!(server.json(&format!("/v1/cases?due_before={after}"))["cases"].as_array().unwrap().len(), 4);
    assert_eq!(server.json("/v1/cases?breached=true")["cases"].as_array().unwrap().len(), 0);
    let (s, b) = server.get("/v1/cases?status=waitng");
    assert_eq!(s, 400, "{b}");
    assert!(b.contains("did you mean `waiting`"), "{b}");
    let (s, _) = server.get("/v1/cases?after=zz");
    assert_eq!(s, 400);
    let (s, _) = server.get("/v1/cases?limit=0");
    assert_eq!(s, 400);
    // SIGTERM: stop accepting, finish, flush, exit 0; a long poll in flight is answered at once.
    let mut server = server;
    let addr = server.addr.clone();
    let poll = std::thread::spawn(move || http(&addr, "GET", "/v1/changes?after=999&wait=60", &[], ""));
    // Time for the poll to reach the server and wait there.
    std::thread::sleep(Duration::from_millis(1000));
    let pid = server.child.id().to_string();
    let asked = Instant::now();
    assert!(signal("TERM", &pid).success());
    let give_up = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < give_up, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert!(asked.elapsed() < Duration::from_secs(20), "the 60 s long poll held up stopping");
    assert_eq!(poll.join().unwrap(), (200, String::new()));
    std::thread::sleep(Duration::from_millis(200));
    assert!(server.log_has("stopping"), "{}", server.log());
}

#[test]
fn serve_refuses_a_public_address_without_tokens_and_teaches_in_its_help() {
    let dir = TempDir::new("refuse");
    let policy = quick(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["serve", &policy.display().to_string(), "--db", &dir.path("x.sqlite").display().to_string()])
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a loopback address") && stderr.contains("--tokens"), "{stderr}");
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for want in ["Examples:", "curl", "POST /v1/events", "[[token]]", "--listen 127.0.0.1:0"] {
        assert!(help.contains(want), "{want} in {help}");
    }
}

#[test]
fn serve_delivers_each_change_to_the_webhook_in_order_retrying_a_failure_with_the_same_id() {
    let dir = TempDir::new("webhook");
    let policy = quick(&dir);
    // A receiver that fails the first delivery (500) and takes the rest.
    let receiver = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hook = format!("http://{}/hook", receiver.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::<(String, Value, u16)>::new()));
    let got2 = got.clone();
    std::thread::spawn(move || {
        for (n, conn) in receiver.incoming().enumerate() {
            let Ok(mut conn) = conn else { break };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let (mut key, mut length) = (String::new(), 0usize);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("idempotency-key:") {
                    key = v.trim().to_string();
                }
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            let status = if n == 0 { 500 } else { 200 };
            got2.lock().unwrap().push((key, serde_json::from_slice(&body).unwrap(), status));
            let _ = conn.write_all(format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n").as_bytes());
        }
    });
    let server = Server::start(&dir, &policy, &["--webhook", &hook]);
    let at = ts(now() + chrono::TimeDelta::days(1));
    let cancel = format!(r#"{{"case":"W-1","at":"{at}","role":"buyer","action":"cancel"}}"#);
    let (s, b) = server.post_ndjson(&format!("{}\n{cancel}\n", open_event("W-1", &at, "w1")));
    assert_eq!(s, 200, "{b}");
    let give_up = Instant::now() + Duration::from_secs(30);
    while got.lock().unwrap().len() < 4 && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = got.lock().unwrap().clone();
    let keys: Vec<(&str, u16)> = got.iter().map(|(k, _, s)| (k.as_str(), *s)).collect();
    assert_eq!(
        keys,
        [("docket-change-1", 500), ("docket-change-1", 200), ("docket-change-2", 200), ("docket-change-3", 200)],
        "{}",
        server.log()
    );
    for (key, body, _) in &got {
        assert_eq!(body["id"], key.as_str(), "each record carries its stable id");
    }
    assert_eq!(got[3].1["kind"], "closed");
    assert_eq!(got[3].1["outcome"]["kind"], "closed");
    assert!(server.log_has("docket-change-1 not delivered"), "{}", server.log());
}

#[test]
fn serve_adds_a_policy_version_through_the_admin_call_and_open_cases_keep_theirs() {
    let dir = TempDir::new("versions");
    let v1 = QUICK.replacen("\n\nroles", "\nversion \"1\"\n\nroles", 1);
    let v1_path = dir.path("quick-v1.policy");
    std::fs::write(&v1_path, &v1).unwrap();
    let server = Server::start(&dir, &v1_path, &[]);
    let t = now();
    let (s, b) = server.post("/v1/events", &open_event("OLD", &ts(t), "o1"));
    assert_eq!(s, 200, "{b}");
    // Version 2 answers in a minute, for cases begun from half a minute on.
    let effective = t + chrono::TimeDelta::seconds(30);
    let v2 = v1
        .replace("version \"1\"", &format!("version \"2\"\neffective {}", ts(effective)))
        .replace("answer = 3s", "answer = 60s");
    let (s, b) = server.post("/v1/admin/versions?name=quick-v2.policy", &v2);
    assert_eq!(s, 200, "{b}");
    let listed: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(listed["versions"][1]["version"], "2", "{b}");
    assert_eq!(listed["versions"][1]["source"], "quick-v2.policy");
    assert_eq!(server.json("/v1/admin/versions"), listed);
    let begun = ts(effective + chrono::TimeDelta::seconds(1));
    let (s, b) = server.post("/v1/events", &open_event("NEW", &begun, "n1"));
    assert_eq!(s, 200, "{b}");
    let report = &results(&b)[0]["report"];
    assert_eq!(report["policy_version"], "2", "{report}");
    assert_eq!(report["deadlines"][1]["timer"], "answer");
    assert_eq!(report["deadlines"][1]["at"], ts(effective + chrono::TimeDelta::seconds(61)));
    assert_eq!(server.json(&format!("/v1/cases/OLD?at={}", ts(t)))["policy_version"], "1");
    // A version that would have taken effect already does not fit; a broken one does not compile.
    let v3 = v1.replace("version \"1\"", &format!("version \"3\"\neffective {}", ts(t)));
    let (s, b) = server.post("/v1/admin/versions", &v3);
    assert_eq!(s, 409, "{b}");
    assert!(b.contains("has passed"), "{b}");
    let (s, b) = server.post("/v1/admin/versions", "policy broken \"x\"\nstatus");
    assert_eq!(s, 400, "{b}");
    assert!(b.contains("bad_policy"), "{b}");
    // Restarted with only the first file, the added version comes back from the database.
    drop(server);
    let server = Server::start(&dir, &v1_path, &[]);
    assert!(server.log_has("`quick-v2.policy` loaded from the database"), "{}", server.log());
    assert!(server.log_has("agrees with their events"), "{}", server.log());
    // The export, read by eval with both versions, gives the server's reports.
    let (_, export) = server.get("/v1/events?after=0");
    let exported = dir.path("exported.jsonl");
    std::fs::write(&exported, &export).unwrap();
    let v2_path = dir.path("quick-v2.policy");
    std::fs::write(&v2_path, &v2).unwrap();
    let at = ts(effective + chrono::TimeDelta::seconds(30));
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["eval", &v1_path.display().to_string(), &v2_path.display().to_string()])
        .args([&exported.display().to_string(), "--now", &at, "--format", "json"])
        .output()
        .unwrap();
    let reports: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(reports.len(), 2);
    for want in reports {
        let case = want["case"].as_str().unwrap();
        assert_eq!(server.json(&format!("/v1/cases/{case}?at={at}")), want, "case {case}");
    }
}

#[test]
fn serve_applies_a_migration_plan_through_the_admin_call_at_its_instant() {
    let dir = TempDir::new("migrate");
    let v1 = QUICK
        .replacen("\n\nroles", "\nversion \"1\"\n\nroles", 1)
        .replace("sla    = 2s", "sla    = 20s")
        .replace("answer = 3s", "answer = 30s");
    let v2 = v1
        .replace("version \"1\"", "version \"2\"\neffective 2099-01-01T00:00:00Z")
        .replace("answer = 30s", "answer = 60s");
    let (v1_path, v2_path) = (dir.path("v1.policy"), dir.path("v2.policy"));
    std::fs::write(&v1_path, &v1).unwrap();
    std::fs::write(&v2_path, &v2).unwrap();
    let v2_arg = v2_path.display().to_string();
    let server = Server::start(&dir, &v1_path, &[&v2_arg]);
    let t = now();
    let (s, b) = server.post("/v1/events", &open_event("M-1", &ts(t), "m1"));
    assert_eq!(s, 200, "{b}");
    assert_eq!(results(&b)[0]["report"]["policy_version"], "1");
    // Far enough ahead that the plan arrives before its instant on a loaded machine.
    let at = t + chrono::TimeDelta::seconds(4);
    let plan = format!("from = \"1\"\nto = \"2\"\nat = {}\n\n[timers]\nanswer = \"restart\"\n", ts(at));
    let (s, b) = server.post("/v1/admin/migrations?name=v1-to-v2.migration.toml", &plan);
    assert_eq!(s, 200, "{b}");
    assert_eq!(serde_json::from_str::<Value>(&b).unwrap()["migrations"][0]["to"], "2", "{b}");
    let past = plan.replace(&ts(at), "2020-01-01T00:00:00Z");
    let (s, b) = server.post("/v1/admin/migrations", &past);
    assert_eq!(s, 409, "{b}");
    let (s, b) = server.post("/v1/admin/migrations", "from = \"1\"\nto = \"9\"\nat = 2099-01-01T00:00:00Z\n");
    assert_eq!(s, 409, "{b}");
    // The case moves at the plan's instant, by the clock, and says so in the changes.
    let mut seen: Vec<Value> = Vec::new();
    let give_up = Instant::now() + Duration::from_secs(30);
    while !seen.iter().any(|c| c["kind"] == "migration") && Instant::now() < give_up {
        let after = seen.last().map_or(0, |c| c["seq"].as_i64().unwrap());
        seen.extend(server.changes(after, 10));
    }
    let moved = seen.iter().find(|c| c["kind"] == "migration").unwrap_or_else(|| panic!("{seen:?}"));
    assert_eq!((moved["from"].as_str(), moved["to"].as_str()), (Some("1"), Some("2")), "{moved}");
    assert_eq!(moved["at"], ts(at));
    let later = ts(at + chrono::TimeDelta::seconds(10));
    let report = server.json(&format!("/v1/cases/M-1?at={later}"));
    assert_eq!(report["policy_version"], "2", "{report}");
    let answer = report["deadlines"].as_array().unwrap().iter().find(|d| d["timer"] == "answer").unwrap().clone();
    assert_eq!(answer["at"], ts(at + chrono::TimeDelta::seconds(60)), "restarted at the move: {report}");
    // Restarted, the plan comes back; the export read by eval with the plan gives the same report.
    drop(server);
    let server = Server::start(&dir, &v1_path, &[&v2_arg]);
    assert!(server.log_has("`v1-to-v2.migration.toml` loaded from the database"), "{}", server.log());
    assert!(server.log_has("agrees with their events"), "{}", server.log());
    let (_, export) = server.get("/v1/events?after=0");
    let exported = dir.path("exported.jsonl");
    std::fs::write(&exported, &export).unwrap();
    let plan_path = dir.path("plan.migration.toml");
    std::fs::write(&plan_path, &plan).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["eval", &v1_path.display().to_string(), &v2_arg, &exported.display().to_string()])
        .args(["--migrations", &plan_path.display().to_string(), "--now", &later, "--format", "json"])
        .output()
        .unwrap();
    let want: Value = serde_json::from_str(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    assert_eq!(server.json(&format!("/v1/cases/M-1?at={later}")), want);
}

#[test]
fn serve_on_sighup_reads_the_policy_files_again_and_adds_a_new_version() {
    let dir = TempDir::new("reload");
    let policies = dir.path("policies");
    std::fs::create_dir_all(&policies).unwrap();
    let v1 = QUICK.replacen("\n\nroles", "\nversion \"1\"\n\nroles", 1);
    std::fs::write(policies.join("v1.policy"), &v1).unwrap();
    let mut server = Server::start(&dir, &policies, &[]);
    let effective = now() + chrono::TimeDelta::seconds(60);
    let v2 = v1.replace("version \"1\"", &format!("version \"2\"\neffective {}", ts(effective)));
    std::fs::write(policies.join("v2.policy"), &v2).unwrap();
    let pid = server.child.id().to_string();
    assert!(signal("HUP", &pid).success());
    let give_up = Instant::now() + Duration::from_secs(30);
    while !server.log().contains("v2.policy` added") && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.log_has("v2.policy` added"), "{}", server.log());
    assert_eq!(server.json("/v1/admin/versions")["versions"][1]["version"], "2");
    let later = ts(effective + chrono::TimeDelta::seconds(5));
    let (s, b) = server.post("/v1/events", &open_event("H-1", &later, "h1"));
    assert_eq!(s, 200, "{b}");
    assert_eq!(results(&b)[0]["report"]["policy_version"], "2", "{b}");
    // Nothing new: said so.
    assert!(signal("HUP", &pid).success());
    let give_up = Instant::now() + Duration::from_secs(30);
    while !server.log().contains("no new version") && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.log_has("no new version"), "{}", server.log());
    let _ = server.child.kill();
}

#[test]
fn serve_refuses_a_tokens_file_that_does_not_say_what_it_means() {
    let dir = TempDir::new("badtokens");
    let policy = quick(&dir);
    let cases = [
        ("[[token]]\nsecret = \"short\"\nroles = [\"buyer\"]\n", "at least 16 characters"),
        ("[[token]]\nsecret = \"0123456789abcdefgh\"\nroles = [\"buyr\"]\n", "did you mean `buyer`"),
        ("[[token]]\nsecret = \"0123456789abcdefgh\"\nwrite = true\n", "unknown field `write`"),
        ("# no tokens\n", "no [[token]] table"),
        ("[[token]]\nsecret = \"0123456789abcdefgh\n", "line 2"),
    ];
    for (text, want) in cases {
        let tokens = dir.path("tokens.toml");
        std::fs::write(&tokens, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(["serve", &policy.display().to_string(), "--db", &dir.path("t.sqlite").display().to_string()])
            .args(["--listen", "127.0.0.1:0", "--tokens", &tokens.display().to_string()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want) && stderr.contains("tokens.toml"), "{text}: {stderr}");
        assert!(!stderr.contains("0123456789abcdefgh"), "a secret is never printed: {stderr}");
    }
}

#[test]
fn serve_says_at_start_what_the_readme_shows() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("## Running it live: `docket serve`").nth(1).unwrap();
    let shown = section.split("```text\n").nth(1).unwrap().split("```").next().unwrap();
    let dir = TempDir::new("readme");
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/aliexpress.policy");
    let server = Server::start(&dir, &policy, &[]);
    let db = dir.path("docket.sqlite").display().to_string();
    let said = format!("{}\n", server.log()).replace(&db, "docket.sqlite").replace(&server.addr, "127.0.0.1:8080");
    assert_eq!(said, shown);
}
