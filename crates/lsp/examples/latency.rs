//! How long `docket lsp` takes to answer after a change: the server runs in this process over an
//! in-memory connection, a policy is opened, then each round changes it (a new version, so the
//! cache misses) and asks for a hover, a definition and a completion, the first of which checks
//! the whole policy again. Prints each answer's time (best, median, worst over the rounds).
//! Wall time on a shared machine is noisy: for a repeatable figure, count instructions with
//! `valgrind --tool=callgrind` at two round counts and take the difference.
//!
//! cargo run --release -p docket-lsp --example latency -- policies/aliexpress.policy 50

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "policies/aliexpress.policy".into());
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(50);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    let abs = std::fs::canonicalize(&path).map_err(|e| e.to_string())?;
    let uri = format!("file://{}", abs.display());
    let (server, client) = Connection::memory();
    let thread = std::thread::spawn(move || docket_lsp::serve(&server));
    let mut id = 0;
    let mut call = |method: &str, params: Value| -> Result<Duration, String> {
        id += 1;
        let start = Instant::now();
        let req = Request::new(RequestId::from(id), method.into(), params);
        client.sender.send(req.into()).map_err(|e| e.to_string())?;
        loop {
            match client.receiver.recv().map_err(|e| e.to_string())? {
                Message::Response(r) if r.id == RequestId::from(id) => {
                    let elapsed = start.elapsed();
                    return r.response_result.map(|_| elapsed).map_err(|e| format!("{method}: {}", e.message));
                }
                _ => {}
            }
        }
    };
    let notify = |method: &str, params: Value| {
        let _ = client.sender.send(Notification::new(method.into(), params).into());
    };
    call("initialize", json!({ "capabilities": {} }))?;
    notify("initialized", json!({}));
    notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "docket", "version": 0, "text": text } }),
    );
    // The position of the first `after TIMER` in the policy, for the hover and the definition.
    let at = text.find("after ").map_or(0, |i| i + 7);
    let line = text[..at].matches('\n').count();
    let character: usize = text[text[..at].rfind('\n').map_or(0, |i| i + 1)..at].chars().map(char::len_utf16).sum();
    let pos = json!({ "line": line, "character": character });
    let doc = json!({ "uri": uri });
    let (mut hovers, mut defs, mut completions) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        // A changed comment at the end: a new version with the same meaning.
        let changed = format!("{text}# round {round}\n");
        notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": round }, "contentChanges": [{ "text": changed }] }),
        );
        hovers.push(call("textDocument/hover", json!({ "textDocument": doc, "position": pos }))?);
        defs.push(call("textDocument/definition", json!({ "textDocument": doc, "position": pos }))?);
        completions.push(call("textDocument/completion", json!({ "textDocument": doc, "position": pos }))?);
    }
    call("shutdown", Value::Null)?;
    notify("exit", Value::Null);
    drop(client);
    thread.join().map_err(|_| "the server thread failed".to_string())??;
    let show = |name: &str, v: &mut Vec<Duration>| {
        v.sort();
        if let (Some(best), Some(worst)) = (v.first(), v.last()) {
            println!(
                "{name:<34} best {:>7.2} ms  median {:>7.2} ms  worst {:>7.2} ms",
                best.as_secs_f64() * 1e3,
                v[v.len() / 2].as_secs_f64() * 1e3,
                worst.as_secs_f64() * 1e3
            );
        }
    };
    println!("{path}: {rounds} round(s), each a change then three requests");
    show("hover (re-check after the change)", &mut hovers);
    show("definition (cached)", &mut defs);
    show("completion (cached)", &mut completions);
    Ok(())
}
