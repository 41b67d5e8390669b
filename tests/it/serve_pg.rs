//! `docket serve --db postgres://...`: several instances on one database. Each test starts a
//! throwaway PostgreSQL cluster of its own (Debian's `postgresql` package: `initdb` on a
//! temporary directory, `pg_ctl start` on a free loopback port, run as the `postgres` user when
//! the tests run as root, since PostgreSQL refuses root), and stops and removes it when the test
//! ends, passing or failing (`Drop`). Without PostgreSQL the tests say loudly that they were
//! skipped; under CI (`CI=true`) they fail instead, since `.ci/run` installs it.

use super::serve::{Server, TempDir, eval_reports, now, open_event, quick, results, ts};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The newest installed PostgreSQL's `bin` directory.
fn pg_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// A running throwaway cluster; stopped and removed on drop.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    user: Option<String>,
    port: u16,
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Cluster {
    /// Start one, or say why not: `None` when PostgreSQL is missing outside CI (skipped, said
    /// on stderr); under CI a missing PostgreSQL fails the test.
    fn start(test: &str) -> Option<Cluster> {
        let Some(bin) = pg_bin() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "CI=true but PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): .ci/run installs it"
                );
            }
            eprintln!(
                "SKIPPED: {test}: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); `apt-get install postgresql` to run it"
            );
            return None;
        };
        // PostgreSQL will not run as root: then the cluster belongs to the `postgres` user.
        let user = is_root().then(|| "postgres".to_string());
        let dir = std::env::temp_dir().join(format!("docket-pg-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(u) = &user {
            let ok = Command::new("chown").args(["-R", u, &dir.display().to_string()]).status().unwrap().success();
            assert!(ok, "cannot give {} to the user {u}", dir.display());
        }
        let mut cluster = Cluster { bin, dir, user, port: 0 };
        let data = cluster.dir.join("data");
        let out = cluster
            .run(
                "initdb",
                &["-D", &data.display().to_string(), "-U", "docket", "--auth=trust", "--locale=C", "-E", "UTF8"],
            )
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        // A port that was free a moment ago may be taken by then: try a few.
        for _ in 0..5 {
            cluster.port = free_port();
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off",
                cluster.port,
                cluster.dir.display()
            );
            let log = cluster.dir.join("postgres.log").display().to_string();
            let started = cluster
                .run("pg_ctl", &["start", "-w", "-t", "60", "-D", &data.display().to_string(), "-l", &log, "-o", &opts])
                .stdout(Stdio::null())
                .status()
                .unwrap();
            if started.success() && cluster.ready() {
                return Some(cluster);
            }
        }
        panic!(
            "PostgreSQL did not start: {}",
            std::fs::read_to_string(cluster.dir.join("postgres.log")).unwrap_or_default()
        );
    }

    fn run(&self, tool: &str, args: &[&str]) -> Command {
        let exe = self.bin.join(tool).display().to_string();
        match &self.user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--", &exe]).args(args);
                c
            }
            None => {
                let mut c = Command::new(exe);
                c.args(args);
                c
            }
        }
    }

    /// Accepting connections (pg_isready), waiting up to a minute.
    fn ready(&self) -> bool {
        let give_up = Instant::now() + Duration::from_secs(60);
        while Instant::now() < give_up {
            let port = self.port.to_string();
            let ok = self
                .run("pg_isready", &["-h", "127.0.0.1", "-p", &port, "-U", "docket", "-d", "postgres"])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    fn url(&self) -> String {
        format!("postgres://docket@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = self.run("pg_ctl", &["stop", "-m", "immediate", "-w", "-D", &data]).stdout(Stdio::null()).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One request; `None` if the instance did not answer 200 (down, or killed meanwhile).
fn try_post(addr: &str, line: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let req = format!(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{line}",
        line.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    if !raw.starts_with("HTTP/1.1 200") {
        return None;
    }
    raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

fn note(case: &str, at: &str, id: &str) -> String {
    format!(r#"{{"case":"{case}","at":"{at}","role":"buyer","action":"note","id":"{id}"}}"#)
}

/// Every change record, from the start.
fn all_changes(server: &Server) -> Vec<Value> {
    server.changes(0, 0)
}

/// Wait until each of these cases is closed in the listing (its timer fired), up to `secs`.
fn wait_closed(server: &Server, cases: &BTreeSet<String>, secs: u64) {
    let give_up = Instant::now() + Duration::from_secs(secs);
    loop {
        let closed: BTreeSet<String> = all_changes(server)
            .iter()
            .filter(|c| c["kind"] == "closed")
            .filter_map(|c| c["case"].as_str().map(str::to_string))
            .collect();
        let open: Vec<&String> = cases.iter().filter(|c| !closed.contains(*c)).collect();
        if open.is_empty() {
            return;
        }
        assert!(Instant::now() < give_up, "timers never fired for {} cases, such as {:?}", open.len(), open.first());
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn serve_pg_three_instances_one_killed_holding_claims_apply_each_event_and_fire_each_timer_once() {
    let Some(cluster) = Cluster::start("three") else { return };
    let dir = TempDir::new("pg-three");
    let policy = quick(&dir);
    let url = cluster.url();
    // Started together, all with --migrate: the advisory lock lets one migrate, the others wait.
    let (a, b, c) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start_on(&url, &policy, &["--migrate"], &[]));
        // B holds every claim it makes for 3 s, so that it is killed holding some.
        let b = s.spawn(|| Server::start_on(&url, &policy, &["--migrate"], &[("DOCKET_SERVE_HOLD_CLAIMS_MS", "3000")]));
        let c = s.spawn(|| Server::start_on(&url, &policy, &["--migrate"], &[]));
        (a.join().unwrap(), b.join().unwrap(), c.join().unwrap())
    });
    let migrated = [&a, &b, &c].iter().filter(|s| s.log().contains("schema migrated from version 0")).count();
    assert_eq!(migrated, 1, "one instance migrates: {}\n{}\n{}", a.log(), b.log(), c.log());
    let addrs = vec![a.addr.clone(), b.addr.clone(), c.addr.clone()];
    // Cases of notes, dated tomorrow (their timers never fall due during the test), sent by
    // four clients through the three instances in turn; and timer cases, opened an hour ago,
    // whose deadlines are due as soon as they are written.
    let tomorrow = ts(now() + chrono::TimeDelta::days(1));
    let past = ts(now() - chrono::TimeDelta::hours(1));
    for (i, case) in ["SHARED-1", "SHARED-2"].iter().enumerate() {
        let body = try_post(&addrs[i], &open_event(case, &tomorrow, &format!("{case}-open"))).unwrap();
        assert_eq!(results(&body)[0]["result"], "applied", "{body}");
    }
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let timer_cases: BTreeSet<String> = (0..4).flat_map(|c| (0..15).map(move |i| format!("T-{c}-{i}"))).collect();
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (addrs, acked, tomorrow, past) = (addrs.clone(), acked.clone(), tomorrow.clone(), past.clone());
            std::thread::spawn(move || {
                let mut sent = Vec::new();
                for i in 0..90 {
                    let (id, line) = if i % 6 == 0 {
                        let id = format!("T-{c}-{}-open", i / 6);
                        (id.clone(), open_event(&format!("T-{c}-{}", i / 6), &past, &id))
                    } else {
                        // The same cases from every client, and cases of one client's own.
                        let case = match i % 3 {
                            0 => format!("SHARED-{}", 1 + i % 2),
                            1 => "SHARED-1".to_string(),
                            _ => format!("SHARED-{}", 1 + c % 2),
                        };
                        let id = format!("n-{c}-{i}");
                        (id.clone(), note(&case, &tomorrow, &id))
                    };
                    sent.push(line.clone());
                    // As a load balancer would: the next instance, and another if it is down.
                    for k in 0..addrs.len() {
                        if let Some(body) = try_post(&addrs[(c + i + k) % addrs.len()], &line) {
                            let v: Value = serde_json::from_str(&body).unwrap();
                            assert_ne!(v["results"][0]["result"], "malformed", "{body}");
                            acked.lock().unwrap().push(id.clone());
                            break;
                        }
                    }
                    std::thread::sleep(Duration::from_millis(15));
                }
                sent
            })
        })
        .collect();
    // B claims due timers (it fires right after its own commits) and holds them: kill it then.
    let give_up = Instant::now() + Duration::from_secs(30);
    let mut nudge = 0;
    while !b.log().contains("holding ") {
        assert!(Instant::now() < give_up, "instance B never claimed a timer:\n{}", b.log());
        if nudge < 20 {
            // A case of B's own, due at once, so that B's commit is followed by its claim.
            let id = format!("T-B-{nudge}");
            let _ = try_post(&b.addr, &open_event(&id, &past, &format!("{id}-open")));
            nudge += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let held = b.log();
    b.kill();
    let sent: Vec<String> = clients.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= sent.len() * 2 / 3, "only {} of {} events acknowledged", acked.len(), sent.len());
    let mut timer_cases = timer_cases;
    timer_cases.extend((0..nudge).map(|n| format!("T-B-{n}")));
    // Every event sent, and B's, again through A: what was stored is a duplicate, the rest is
    // applied now (those lost with B before they were acknowledged).
    let mut again = sent.clone();
    again.extend((0..nudge).map(|n| open_event(&format!("T-B-{n}"), &past, &format!("T-B-{n}-open"))));
    let (status, body) = a.post_ndjson(&again.join("\n"));
    assert_eq!(status, 200, "{body}");
    let (_, export) = a.get("/v1/events?after=0");
    let stored: Vec<String> =
        export.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_string()).collect();
    let unique: BTreeSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "an event stored twice");
    for id in &acked {
        assert!(unique.contains(id), "acknowledged {id} was lost");
    }
    assert_eq!(stored.len(), again.len() + 2, "each event once, with the openings of the shared cases");
    let seqs: Vec<i64> =
        export.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=stored.len() as i64).collect::<Vec<_>>(), "the log's seqs are 1, 2, 3, ... in order");
    // Every timer case's deadlines fire, B's claims included once its death released them.
    wait_closed(&c, &timer_cases, 45);
    std::thread::sleep(Duration::from_millis(1500));
    let changes = all_changes(&c);
    let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=changes.len() as i64).collect::<Vec<_>>(), "changes are one order without gaps");
    let ids: BTreeSet<&str> = changes.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), changes.len(), "stable ids, each once");
    let mut fired: BTreeMap<(String, String), usize> = BTreeMap::new();
    for ch in &changes {
        if ch["kind"] == "timer" || ch["kind"] == "breach" || ch["kind"] == "closed" {
            let case = ch["case"].as_str().unwrap().to_string();
            *fired.entry((case, format!("{}:{}", ch["kind"].as_str().unwrap(), ch["timer"]))).or_default() += 1;
        }
    }
    for case in &timer_cases {
        for what in ["timer:\"answer\"", "breach:\"sla\"", "closed:null"] {
            let n = fired.get(&(case.clone(), what.to_string())).copied().unwrap_or(0);
            assert_eq!(n, 1, "case {case}: `{what}` recorded {n} times (B held claims: {held})");
        }
    }
    assert!(fired.keys().all(|(case, _)| timer_cases.contains(case)), "no timer of the shared cases fired: {fired:?}");
    // The reports are the export's under eval, and each instance sees every case.
    let exported = dir.path("exported.jsonl");
    std::fs::write(&exported, &export).unwrap();
    let when = ts(now() + chrono::TimeDelta::days(2));
    let wants = eval_reports(&policy, &exported, &when);
    assert_eq!(wants.len(), timer_cases.len() + 2);
    for (i, want) in wants.iter().enumerate() {
        let case = want["case"].as_str().unwrap();
        let server = if i % 2 == 0 { &a } else { &c };
        assert_eq!(server.json(&format!("/v1/cases/{case}?at={when}")), *want, "case {case}");
    }
    let listed = a.json("/v1/cases?status=refunded&limit=500");
    assert_eq!(listed["cases"].as_array().unwrap().len(), timer_cases.len(), "{listed}");
}

#[test]
fn serve_pg_refuses_a_database_behind_without_migrate_and_names_the_flag() {
    let Some(cluster) = Cluster::start("behind") else { return };
    let dir = TempDir::new("pg-behind");
    let policy = quick(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["serve", &policy.display().to_string(), "--db", &cluster.url(), "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schema version 0, this docket needs 1: run `docket serve --migrate`"), "{err}");
    // Migrated, an instance serves; a second one started later finds the schema current.
    let first = Server::start_on(&cluster.url(), &policy, &["--migrate"], &[]);
    assert!(first.log_has("schema migrated from version 0 to 1"), "{}", first.log());
    let second = Server::start_on(&cluster.url(), &policy, &[], &[]);
    assert!(!second.log().contains("migrated"), "{}", second.log());
    let at = ts(now() + chrono::TimeDelta::days(1));
    let (status, body) = first.post("/v1/events", &open_event("X", &at, "x1"));
    assert_eq!(status, 200, "{body}");
    // A case cached by the second instance, then moved by the first: never served stale.
    let (_, body) = second.post("/v1/events", &note("X", &at, "x2"));
    assert_eq!(results(&body)[0]["result"], "applied", "{body}");
    // The first instance closes the case the second holds in its cache.
    let accept = format!(r#"{{"case":"X","at":"{at}","role":"seller","action":"accept","id":"x3"}}"#);
    let (_, body) = first.post("/v1/events", &accept);
    assert_eq!(results(&body)[0]["result"], "applied", "{body}");
    let (_, body) = second.post("/v1/events", &note("X", &at, "x2"));
    assert_eq!(results(&body)[0]["result"], "duplicate", "{body}");
    let (_, body) = second.post("/v1/events", &note("X", &at, "x4"));
    let r = &results(&body)[0];
    assert_eq!(r["result"], "rejected", "the second instance saw the case closed: {r}");
    assert_eq!(r["report"]["status"], "refunded", "{r}");
    let (_, export) = second.get("/v1/events?after=0");
    assert_eq!(export.lines().count(), 4, "{export}");
    let exported = dir.path("exported.jsonl");
    std::fs::write(&exported, &export).unwrap();
    let when = ts(now() + chrono::TimeDelta::days(2));
    for want in eval_reports(&policy, &exported, &when) {
        assert_eq!(second.json(&format!("/v1/cases/X?at={when}")), want);
        assert_eq!(first.json(&format!("/v1/cases/X?at={when}")), want);
    }
}

#[test]
fn serve_pg_a_version_added_through_one_instance_is_the_others_before_their_next_event_and_long_polls_see_its_changes()
{
    let Some(cluster) = Cluster::start("versions") else { return };
    let dir = TempDir::new("pg-versions");
    let v1 = super::serve::QUICK.replacen("\n\nroles", "\nversion \"1\"\n\nroles", 1);
    let v1_path = dir.path("quick-v1.policy");
    std::fs::write(&v1_path, &v1).unwrap();
    let a = Server::start_on(&cluster.url(), &v1_path, &["--migrate"], &[]);
    let b = Server::start_on(&cluster.url(), &v1_path, &[], &[]);
    let effective = now() + chrono::TimeDelta::seconds(30);
    let v2 = v1
        .replace("version \"1\"", &format!("version \"2\"\neffective {}", ts(effective)))
        .replace("answer = 3s", "answer = 60s");
    let (s, body) = a.post("/v1/admin/versions?name=quick-v2.policy", &v2);
    assert_eq!(s, 200, "{body}");
    // B was not told; it takes the version up before it applies its next event.
    let begun = ts(effective + chrono::TimeDelta::seconds(1));
    let (s, body) = b.post("/v1/events", &open_event("NEW", &begun, "n1"));
    assert_eq!(s, 200, "{body}");
    let report = &results(&body)[0]["report"];
    assert_eq!(report["policy_version"], "2", "{report}");
    assert!(b.log_has("`quick-v2.policy` added by another instance"), "{}", b.log());
    assert_eq!(b.json("/v1/admin/versions")["versions"][1]["version"], "2");
    // A case begun before the new version takes effect stays on the first.
    let (_, body) = a.post("/v1/events", &open_event("OLD", &ts(now()), "o1"));
    assert_eq!(results(&body)[0]["report"]["policy_version"], "1", "{body}");
    // A long poll on B answers with a change A commits (told by NOTIFY, or B's poll).
    let head = a.changes(0, 0).last().and_then(|c| c["seq"].as_i64()).unwrap();
    let addr = b.addr.clone();
    let poll = std::thread::spawn(move || {
        let started = Instant::now();
        let (s, body) = super::serve::http(&addr, "GET", &format!("/v1/changes?after={head}&wait=30"), &[], "");
        (s, body, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(500));
    let tomorrow = ts(now() + chrono::TimeDelta::days(1));
    let (s, body) = a.post("/v1/events", &open_event("POLLED", &tomorrow, "p1"));
    assert_eq!(s, 200, "{body}");
    let (s, body, took) = poll.join().unwrap();
    assert_eq!(s, 200, "{body}");
    assert!(body.contains(r#""case":"POLLED""#), "{body}");
    assert!(took < Duration::from_secs(20), "the long poll waited {took:?}");
}
