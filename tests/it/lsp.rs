//! `docket lsp` driven as an editor drives it: the real binary over stdio with Content-Length
//! framing. Every read has a timeout, so a server that hangs fails the test instead of CI.
//! The policy has non-ASCII labels and comments, so columns are checked in UTF-16.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// How long any one answer may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(30);

const POLICY: &str = r#"## Réclamations 🧾: a small dispute policy.
policy demo "Démo — litiges"

roles buyer, seller

outcomes refund(money)

timers {
  ## Le vendeur répond sous 5 jours.
  wait = 5d  # ⏳ délai
}

fields {
  kind: enum { lost, broken } = lost
  claim: money = 0
}

actions {
  buyer open(kind, amount: money)
  seller accept
}

initial status ordered "Commandé ✓" {
  buyer open when amount >= 0 -> opened { claim = amount, kind = kind }
}

## En attente du vendeur.
status opened "Ouvert — en attente" {
  after wait -> closed
  seller accept when kind == broken and claim > 0 -> closed

  initial status waiting "En attente ⏳"
}

terminal status closed "Clôturé" outcome refund(claim)
"#;

const SCENARIO: &str = r#"description = "opening waits for the seller"
policy = "../demo.policy"

[[events]]
case = "C-1"
at = 2026-03-01T09:00:00Z
role = "buyer"
action = "open"
kind = "broken"
amount = "12.50"

[[expect]]
status = "opened.waiting"
deadlines = [{ timer = "wait" }]
"#;

/// A folder with the policy and a scenario beside it, removed when dropped.
struct Workspace(PathBuf);

impl Workspace {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("docket-lsp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("scen")).unwrap();
        std::fs::write(dir.join("demo.policy"), POLICY).unwrap();
        std::fs::write(dir.join("scen/s.toml"), SCENARIO).unwrap();
        Workspace(dir.canonicalize().unwrap())
    }

    fn uri(&self, rel: &str) -> String {
        format!("file://{}", self.0.join(rel).display())
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A language client speaking to `docket lsp`.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications read while waiting for something else.
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("every message has a Content-Length")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut client = Client { child, stdin, incoming, pending: Vec::new(), next_id: 0 };
        let root_uri = format!("file://{}", root.display());
        let init = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": root_uri, "capabilities": {},
                    "workspaceFolders": [{ "uri": root_uri, "name": "w" }] }),
        );
        assert_eq!(init["capabilities"]["positionEncoding"], "utf-16", "{init}");
        assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 1, "full sync: {init}");
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, msg: Value) {
        let body = serde_json::to_string(&msg).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn next(&mut self) -> Value {
        self.incoming.recv_timeout(TIMEOUT).expect("docket lsp did not answer in time")
    }

    /// The whole response to a request (`result` or `error`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let msg = self.next();
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            self.pending.push(msg);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let answer = self.call(method, params);
        assert!(answer.get("error").is_none(), "{method} failed: {answer}");
        answer["result"].clone()
    }

    /// The next diagnostics published for `uri` (the ones already read first).
    fn diagnostics(&mut self, uri: &str) -> (Option<i64>, Vec<Value>) {
        let is_ours = |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
        let msg = match self.pending.iter().position(is_ours) {
            Some(i) => self.pending.remove(i),
            None => loop {
                let m = self.next();
                if is_ours(&m) {
                    break m;
                }
                self.pending.push(m);
            },
        };
        (msg["params"]["version"].as_i64(), msg["params"]["diagnostics"].as_array().unwrap().clone())
    }

    /// The first diagnostics published for `uri` that satisfy `wanted`, skipping earlier ones (a
    /// changed policy republishes its open scenarios, so a scenario may be published twice).
    fn diagnostics_where(&mut self, uri: &str, wanted: impl Fn(Option<i64>, &[Value]) -> bool) -> Vec<Value> {
        loop {
            let (version, diags) = self.diagnostics(uri);
            if wanted(version, &diags) {
                return diags;
            }
        }
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    fn at(uri: &str, pos: Value) -> Value {
        json!({ "textDocument": { "uri": uri }, "position": pos })
    }

    /// Shut down as a client does; the server must exit with 0.
    fn shutdown(mut self) {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer, Value::Null);
        self.notify("exit", Value::Null);
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "docket lsp exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("docket lsp did not exit after `exit`");
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A test that failed half way leaves no server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The protocol position (UTF-16 columns) of the `nth` occurrence of `needle`, plus `skip` bytes.
fn pos(text: &str, needle: &str, nth: usize, skip: usize) -> Value {
    let at = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("no `{needle}` #{nth}")).0 + skip;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count();
    let character: usize = text[line_start..at].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

/// Apply protocol edits to a text (edits of one document, in any order, not overlapping).
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        let rest = &text[start..];
        for (i, c) in rest.char_indices() {
            if units >= p["character"].as_u64().unwrap() as usize || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().unwrap()))
        .collect();
    spans.sort();
    let mut out = text.to_string();
    for (s, e, t) in spans.into_iter().rev() {
        out.replace_range(s..e, t);
    }
    out
}

#[test]
fn diagnostics_appear_and_disappear_as_the_text_changes() {
    let ws = Workspace::new("diagnostics");
    let uri = ws.uri("demo.policy");
    let mut c = Client::start(&ws.0);
    c.open(&uri, "docket", POLICY);
    assert_eq!(c.diagnostics(&uri), (Some(1), vec![]), "the policy checks clean");

    // A misspelt target after a label with `⏳`: the column counts UTF-16 units.
    let broken = POLICY.replace(
        "initial status waiting \"En attente ⏳\"",
        "initial status waiting \"En attente ⏳\" { after wait -> closd }",
    );
    // A burst of changes is checked once, after the last.
    let burst: String = (2..=6)
        .map(|v| {
            let body = json!({ "jsonrpc": "2.0", "method": "textDocument/didChange",
                "params": { "textDocument": { "uri": uri, "version": v }, "contentChanges": [{ "text": broken }] } })
            .to_string();
            format!("Content-Length: {}\r\n\r\n{body}", body.len())
        })
        .collect();
    c.stdin.write_all(burst.as_bytes()).unwrap();
    c.stdin.flush().unwrap();
    let (version, diags) = c.diagnostics(&uri);
    assert_eq!(version, Some(6), "only the last change of a burst is published: {diags:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "E020");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "docket");
    assert!(d["message"].as_str().unwrap().contains("unknown status `closd`"), "{d}");
    assert!(d["message"].as_str().unwrap().contains("help: did you mean `closed`?"), "{d}");
    assert_eq!(d["range"]["start"], pos(&broken, "closd", 0, 0));
    assert_eq!(d["range"]["end"], pos(&broken, "closd", 0, 5));

    // The quick fix is the suggestion.
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": d["range"], "context": { "diagnostics": [d] } }),
    );
    let fix = &actions[0];
    assert_eq!(fix["title"], "Change to `closed`");
    let fixed = apply(&broken, fix["edit"]["changes"][&uri].as_array().unwrap());
    assert!(fixed.contains("{ after wait -> closed }"), "{fixed}");

    // Undone, the problem goes away.
    c.change(&uri, 7, POLICY);
    assert_eq!(c.diagnostics(&uri), (Some(7), vec![]));

    // Overlapping rules: a warning or error with the earlier rule as related information, and `else` offered.
    let overlap = POLICY.replace(
        "  seller accept when kind == broken and claim > 0 -> closed\n",
        "  seller accept when kind == broken and claim > 0 -> closed\n  seller accept when claim > 10 -> closed\n",
    );
    c.change(&uri, 8, &overlap);
    let (_, diags) = c.diagnostics(&uri);
    let d = diags.iter().find(|d| d["code"] == "E043").unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(
        d["relatedInformation"][0]["location"]["range"]["start"],
        pos(&overlap, "seller accept when kind", 0, 0)
    );
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": d["range"], "context": { "diagnostics": [d] } }),
    );
    let els = actions.as_array().unwrap().iter().find(|a| a["title"].as_str().unwrap().contains("else")).unwrap();
    let fixed = apply(&overlap, els["edit"]["changes"][&uri].as_array().unwrap());
    assert!(fixed.contains("  else seller accept when claim > 10 -> closed\n"), "{fixed}");

    // Half-typed text never stops the server: every prefix of the policy, each with a hover and
    // a completion at its end.
    let mut cut = 0;
    let mut v = 9;
    while cut < POLICY.len() {
        cut += 13;
        while !POLICY.is_char_boundary(cut.min(POLICY.len())) {
            cut += 1;
        }
        let text = &POLICY[..cut.min(POLICY.len())];
        c.change(&uri, v, text);
        v += 1;
        let end = pos(text, text.lines().last().unwrap_or(""), 0, text.lines().last().unwrap_or("").len());
        let hover = c.call("textDocument/hover", Client::at(&uri, end.clone()));
        assert!(hover.get("error").is_none(), "{hover}");
        let items = c.call("textDocument/completion", Client::at(&uri, end));
        assert!(items.get("error").is_none(), "{items}");
    }
    c.shutdown();
}

#[test]
fn hover_definition_references_and_completion() {
    let ws = Workspace::new("navigate");
    let uri = ws.uri("demo.policy");
    let mut c = Client::start(&ws.0);
    c.open(&uri, "docket", POLICY);
    assert_eq!(c.diagnostics(&uri).1, Vec::<Value>::new());

    let hover = |c: &mut Client, p: Value| {
        c.request("textDocument/hover", Client::at(&uri, p))["contents"]["value"].as_str().unwrap().to_string()
    };
    let timer = hover(&mut c, pos(POLICY, "after wait", 0, 7));
    assert!(timer.contains("**timer** `wait`"), "{timer}");
    assert!(timer.contains("Le vendeur répond sous 5 jours."), "{timer}");
    assert!(timer.contains("5d after the case entered opened"), "{timer}");
    let armed = POLICY[..POLICY.find("after wait").unwrap()].matches('\n').count() + 1;
    assert!(timer.contains(&format!("line {armed}, in `opened`: `after wait -> closed`")), "{timer}");
    let status = hover(&mut c, pos(POLICY, "-> opened", 0, 4));
    assert!(status.contains("\"Ouvert — en attente\""), "{status}");
    assert!(status.contains("En attente du vendeur."), "{status}");
    assert!(status.contains("Entering it enters opened.waiting"), "{status}");
    let leaf = hover(&mut c, pos(POLICY, "waiting", 0, 0));
    assert!(leaf.contains("seller accept"), "the inherited rules, as `docket table` prints them: {leaf}");
    assert!(leaf.contains("timer wait (5d after entering opened) transition"), "{leaf}");
    let field = hover(&mut c, pos(POLICY, "claim: money", 0, 0));
    assert!(field.contains("Type: `money`; default: `0`"), "{field}");
    let action = hover(&mut c, pos(POLICY, "buyer open(", 0, 6));
    assert!(
        action.contains("Sent by role `buyer`. Parameters: `kind: enum { lost, broken }`, `amount: money`"),
        "{action}"
    );
    let rule = hover(&mut c, pos(POLICY, "open when amount", 0, 11));
    assert!(rule.contains("In ordered: buyer open, if amount is at least 0: sets claim to amount"), "{rule}");

    // Definition: a target, a dotted scenario path, a variant.
    let def = c.request("textDocument/definition", Client::at(&uri, pos(POLICY, "-> closed", 0, 4)));
    assert_eq!(def["range"]["start"], pos(POLICY, "closed \"Cl", 0, 0));
    let def = c.request("textDocument/definition", Client::at(&uri, pos(POLICY, "== broken", 0, 3)));
    assert_eq!(def["range"]["start"], pos(POLICY, "broken }", 0, 0));

    // References of the timer: its declaration, where it is armed, and the scenario's deadline.
    let refs = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": pos(POLICY, "wait = 5d", 0, 0), "context": { "includeDeclaration": true } }),
    );
    let refs = refs.as_array().unwrap();
    let scenario_uri = ws.uri("scen/s.toml");
    assert_eq!(refs.len(), 3, "{refs:?}");
    assert!(
        refs.iter().any(|r| r["uri"] == scenario_uri && r["range"]["start"] == pos(SCENARIO, "\"wait\"", 0, 1)),
        "{refs:?}"
    );

    // From the scenario into the policy.
    c.open(&scenario_uri, "toml", SCENARIO);
    assert_eq!(c.diagnostics(&scenario_uri).1, Vec::<Value>::new());
    let def = c.request("textDocument/definition", Client::at(&scenario_uri, pos(SCENARIO, "waiting", 0, 2)));
    assert_eq!(def["uri"], uri);
    assert_eq!(def["range"]["start"], pos(POLICY, "waiting \"En", 0, 0));
    let def = c.request("textDocument/definition", Client::at(&scenario_uri, pos(SCENARIO, "\"open\"", 0, 1)));
    assert_eq!(def["range"]["start"], pos(POLICY, "open(kind", 0, 0));
    let h = c.request("textDocument/hover", Client::at(&scenario_uri, pos(SCENARIO, "opened.", 0, 1)));
    assert!(h["contents"]["value"].as_str().unwrap().contains("Ouvert — en attente"), "{h}");
    let items = c.request("textDocument/completion", Client::at(&scenario_uri, pos(SCENARIO, "status = \"", 0, 10)));
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, vec!["ordered", "opened", "opened.waiting", "closed"]);

    // Completion: targets visible from here, timers after `after`, variants of the compared field,
    // a role's actions; also while the line does not parse.
    let complete = |c: &mut Client, text: &str, v: i64, at: Value| -> Vec<String> {
        c.change(&uri, v, text);
        let items = c.request("textDocument/completion", Client::at(&uri, at));
        items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap().to_string()).collect()
    };
    let text = POLICY.replace("  after wait -> closed\n", "  after wait -> closed\n  seller accept -> \n");
    let labels = complete(&mut c, &text, 2, pos(&text, "accept -> \n", 0, 10));
    assert!(
        labels.contains(&"waiting".into()) && labels.contains(&"closed".into()) && labels.contains(&"ordered".into()),
        "{labels:?}"
    );
    let text = POLICY.replace("  after wait -> closed\n", "  after wait -> closed\n  after \n");
    assert_eq!(complete(&mut c, &text, 3, pos(&text, "  after \n", 0, 8)), vec!["wait"]);
    let text = POLICY.replace("  after wait -> closed\n", "  after wait -> closed\n  seller accept when kind == \n");
    assert_eq!(complete(&mut c, &text, 4, pos(&text, "kind == \n", 0, 8)), vec!["lost", "broken"]);
    let text = POLICY.replace("  after wait -> closed\n", "  after wait -> closed\n  seller \n");
    assert_eq!(complete(&mut c, &text, 5, pos(&text, "  seller \n", 0, 9)), vec!["accept"]);
    c.shutdown();
}

#[test]
fn rename_formatting_outline_and_scenario_problems() {
    let ws = Workspace::new("edit");
    let uri = ws.uri("demo.policy");
    let scenario_uri = ws.uri("scen/s.toml");
    let mut c = Client::start(&ws.0);
    c.open(&uri, "docket", POLICY);
    assert_eq!(c.diagnostics(&uri).1, Vec::<Value>::new());

    // Rename a status across the policy and the scenario (which is not open: read from disk).
    let prepared = c.request("textDocument/prepareRename", Client::at(&uri, pos(POLICY, "-> opened", 0, 5)));
    assert_eq!(prepared["start"], pos(POLICY, "-> opened", 0, 3));
    let edit = c.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": pos(POLICY, "-> opened", 0, 5), "newName": "en_cours" }),
    );
    let policy = apply(POLICY, edit["changes"][&uri].as_array().unwrap());
    assert!(policy.contains("-> en_cours {") && policy.contains("status en_cours \"Ouvert"), "{policy}");
    let scenario = apply(SCENARIO, edit["changes"][&scenario_uri].as_array().unwrap());
    assert!(scenario.contains("status = \"en_cours.waiting\""), "{scenario}");
    // A field and the untyped parameter that takes its type and event key from it.
    let edit = c.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": pos(POLICY, "kind: enum", 0, 0), "newName": "sorte" }),
    );
    let policy = apply(POLICY, edit["changes"][&uri].as_array().unwrap());
    assert!(policy.contains("buyer open(sorte, amount: money)") && policy.contains("sorte = sorte }"), "{policy}");
    assert!(apply(SCENARIO, edit["changes"][&scenario_uri].as_array().unwrap()).contains("sorte = \"broken\""));
    // Collisions are refused, saying why.
    for (at, name) in [("wait = 5d", "claim"), ("closed \"Cl", "ordered"), ("claim: money", "kind")] {
        let answer = c.call(
            "textDocument/rename",
            json!({ "textDocument": { "uri": uri }, "position": pos(POLICY, at, 0, 0), "newName": name }),
        );
        let message = answer["error"]["message"].as_str().unwrap_or_else(|| panic!("{at} -> {name}: {answer}"));
        assert!(message.contains(&format!("renaming to `{name}`")), "{message}");
    }
    let answer = c.call(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": pos(POLICY, "wait = 5d", 0, 0), "newName": "when" }),
    );
    assert!(answer["error"]["message"].as_str().unwrap().contains("is not a name"), "{answer}");

    // Formatting gives `docket fmt`'s layout; a range only the changes that touch it.
    let messy =
        POLICY.replace("roles buyer, seller", "roles   buyer,seller").replace("  claim: money = 0", "claim:money=0");
    c.change(&uri, 2, &messy);
    let edits = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(apply(&messy, edits.as_array().unwrap()), POLICY);
    let line = pos(&messy, "claim:money", 0, 0)["line"].clone();
    let edits = c.request(
        "textDocument/rangeFormatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true },
                "range": { "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 3 } } }),
    );
    let once = apply(&messy, edits.as_array().unwrap());
    assert!(once.contains("  claim: money = 0") && once.contains("roles   buyer,seller"), "{once}");
    c.change(&uri, 3, POLICY);

    // The outline is the status tree; semantic tokens colour every name.
    let symbols = c.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    let opened = symbols.as_array().unwrap().iter().find(|s| s["name"] == "opened").unwrap();
    assert_eq!(opened["detail"], "Ouvert — en attente");
    assert_eq!(opened["children"][0]["name"], "opened.waiting");
    assert_eq!(opened["selectionRange"]["start"], pos(POLICY, "opened \"Ouvert", 0, 0));
    let tokens = c.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri } }));
    let data = tokens["data"].as_array().unwrap();
    assert_eq!(data.len() % 5, 0);
    // The first name is the role `buyer` declared on line 3 (0-based), column 6.
    assert_eq!(&data[..5], &[json!(3), json!(6), json!(5), json!(3), json!(1)]);

    // A scenario gets what `docket test` would refuse before running, at its line.
    let bad = SCENARIO.replace("status = ", "stauts = ").replace("role = \"buyer\"", "role = \"buyr\"");
    c.open(&scenario_uri, "toml", &bad);
    let (_, diags) = c.diagnostics(&scenario_uri);
    let messages: Vec<&str> = diags.iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("unknown key `stauts`; did you mean `status`?")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("buyr")), "{messages:?}");
    let d = diags.iter().find(|d| d["message"].as_str().unwrap().contains("stauts")).unwrap();
    // At the line of its `[[expect]]`, as `docket test` reports it.
    assert_eq!(d["range"]["start"]["line"], pos(&bad, "[[expect]]", 0, 0)["line"]);
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": scenario_uri }, "range": d["range"], "context": { "diagnostics": [d] } }),
    );
    let fixed = apply(&bad, actions[0]["edit"]["changes"][&scenario_uri].as_array().unwrap());
    assert!(fixed.contains("\nstatus = \"opened.waiting\""), "{fixed}");
    // A policy with errors stops its scenarios, as in `docket test`.
    c.change(&scenario_uri, 2, SCENARIO);
    assert_eq!(c.diagnostics_where(&scenario_uri, |v, _| v == Some(2)), Vec::<Value>::new());
    c.change(&uri, 4, &POLICY.replace("-> closed\n  seller", "-> clos\n  seller"));
    let diags = c.diagnostics_where(&scenario_uri, |_, d| !d.is_empty());
    assert!(
        diags[0]["message"].as_str().unwrap().contains("cannot run: policy `../demo.policy` has 1 error(s)"),
        "{diags:?}"
    );
    c.shutdown();
}

#[test]
fn the_vscode_extension_starts_docket_lsp() {
    let package: Value =
        serde_json::from_str(&std::fs::read_to_string("editors/vscode/package.json").unwrap()).unwrap();
    assert_eq!(package["main"], "./extension.js");
    assert!(package["dependencies"]["vscode-languageclient"].is_string(), "{package}");
    assert!(package["activationEvents"].as_array().unwrap().contains(&json!("onLanguage:docket")));
    assert_eq!(package["contributes"]["configuration"]["properties"]["docket.path"]["default"], "docket");
    let js = std::fs::read_to_string("editors/vscode/extension.js").unwrap();
    assert!(js.contains("require('vscode-languageclient/node')"), "{js}");
    assert!(js.contains("args: ['lsp']"), "{js}");
    assert!(js.contains("config.get('path')"), "{js}");
    // The editors' guide gives each editor the same command.
    let guide = std::fs::read_to_string("editors/README.md").unwrap();
    for editor in ["### Neovim", "### Helix", "### Zed", "### VS Code"] {
        assert!(guide.contains(editor), "{editor}");
    }
    assert!(guide.contains("cmd = { 'docket', 'lsp' }") && guide.contains("args = [\"lsp\"]"));
}

#[test]
fn without_a_client_lsp_exits_2_saying_why_and_teaches_in_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).arg("lsp").stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "stdout is the protocol's alone");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: docket lsp: initialize failed"), "{err}");
    let help = Command::new(env!("CARGO_BIN_EXE_docket")).args(["lsp", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Examples:\n  docket lsp") && help.contains("editors/README.md"), "{help}");
}
