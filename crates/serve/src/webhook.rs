//! `--webhook URL`: every change record is POSTed to the URL as JSON, in order, at least once.
//! Each record carries a stable `id` (`docket-change-SEQ`, also sent as the `Idempotency-Key`
//! header) so a receiver can drop repeats. A delivery that fails (no connection, a status other
//! than 2xx, no answer in 10 s) is retried with backoff from half a second doubling to 30 s,
//! for as long as it takes; later records wait, so the order holds. The last record delivered
//! is kept beside the database (`DB.webhook`; on PostgreSQL `docket-postgres.webhook` in the
//! working directory, one per delivering instance), so a restart resumes after it. Plain
//! `http://` only: put a TLS proxy in front for `https://`.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where records go.
#[derive(Debug, Clone)]
pub struct Target {
    host: String,
    port: u16,
    path: String,
}

impl Target {
    /// Read `http://host[:port][/path]`.
    pub fn parse(url: &str) -> Result<Target, String> {
        let bad = |why: &str| format!("--webhook `{url}`: {why}");
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| bad("only http:// URLs are delivered to (put a TLS proxy in front for https)"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("the port is not a number"))?),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(Target { host: host.to_string(), port, path: path.to_string() })
    }

    async fn deliver(&self, id: &str, body: &str) -> Result<(), String> {
        let mut stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nIdempotency-Key: {id}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.path,
            self.host,
            self.port,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.map_err(|e| format!("cannot send: {e}"))?;
        let mut head = [0u8; 64];
        let mut n = 0;
        while n < 12 {
            let got = stream.read(&mut head[n..]).await.map_err(|e| format!("no answer: {e}"))?;
            if got == 0 {
                break;
            }
            n += got;
        }
        let status = std::str::from_utf8(&head[..n]).ok().and_then(|s| s.split(' ').nth(1)).unwrap_or("");
        if status.starts_with('2') && status.len() == 3 { Ok(()) } else { Err(format!("answered `{}`", status)) }
    }
}

/// Deliver change records from where the last run stopped, for as long as the server runs.
pub fn start(
    target: Target,
    db: crate::Db,
    mut changes: tokio::sync::watch::Receiver<i64>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let file = db.webhook_cursor();
        let mut cursor: i64 = std::fs::read_to_string(&file).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0);
        loop {
            let db2 = db.clone();
            let rows =
                tokio::task::spawn_blocking(move || db2.open_reader().and_then(|s| s.changes_after(cursor, 200))).await;
            let rows = match rows {
                Ok(Ok(r)) => r,
                _ => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if rows.is_empty() {
                let _ = tokio::time::timeout(Duration::from_secs(1), changes.changed()).await;
                continue;
            }
            for row in rows {
                let id = format!("docket-change-{}", row.seq);
                let mut backoff = Duration::from_millis(500);
                loop {
                    let sent = tokio::time::timeout(Duration::from_secs(10), target.deliver(&id, &row.body)).await;
                    match sent {
                        Ok(Ok(())) => break,
                        Ok(Err(why)) => {
                            crate::notice(&format!("webhook: {id} not delivered ({why}); retrying in {backoff:?}"))
                        }
                        Err(_) => crate::notice(&format!("webhook: {id} not answered in 10s; retrying in {backoff:?}")),
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
                cursor = row.seq;
                let tmp = file.with_extension("webhook.tmp");
                if std::fs::write(&tmp, cursor.to_string()).is_ok() {
                    let _ = std::fs::rename(&tmp, &file);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_url_is_host_port_and_path() {
        let t = Target::parse("http://127.0.0.1:9000/hooks/docket").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("127.0.0.1", 9000, "/hooks/docket"));
        let t = Target::parse("http://example.test").unwrap();
        assert_eq!((t.port, t.path.as_str()), (80, "/"));
        assert!(Target::parse("https://x").unwrap_err().contains("only http://"));
    }
}
