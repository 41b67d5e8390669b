//! The main loop: one thread reads each message in order and answers it. Documents are kept
//! whole (full sync); each policy's analysis is cached by the document's version, so a burst of
//! requests after one change checks the policy once. Diagnostics wait until no change has come
//! for [`DEBOUNCE`], then go out for the document and for the open scenarios that use a changed
//! policy. A handler that fails (it should not: the library does not panic on any text) answers
//! with an error instead of ending the server.

use crate::analysis::{self, PolicyAnalysis, ScenarioAnalysis};
use crate::navigate::ScenarioFile;
use crate::{complete, diagnostics, edits, hover, navigate, outline, uri};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How long after the last change to a document its diagnostics are published.
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// What the server offers, sent in answer to `initialize`.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), ">".into(), " ".into(), "\"".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: outline::TOKEN_TYPES.to_vec(),
                    token_modifiers: outline::TOKEN_MODIFIERS.to_vec(),
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                ..SemanticTokensOptions::default()
            },
        )),
        ..ServerCapabilities::default()
    }
}

/// What kind of file a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Policy,
    Scenario,
    Other,
}

fn kind_of(uri: &Uri, text: &str) -> Kind {
    let name = uri.as_str();
    if name.ends_with(".policy") {
        Kind::Policy
    } else if name.ends_with(".toml") && !docket::scenario::names::names(text).policies.is_empty()
        || name.ends_with(".toml") && text.contains("[[expect]]")
    {
        Kind::Scenario
    } else {
        Kind::Other
    }
}

#[derive(Debug)]
struct Document {
    uri: Uri,
    text: String,
    version: i32,
    kind: Kind,
    path: Option<PathBuf>,
}

struct Server<'c> {
    conn: &'c Connection,
    docs: BTreeMap<String, Document>,
    cache: std::cell::RefCell<BTreeMap<String, (i32, Rc<PolicyAnalysis>)>>,
    /// The last analysis of each policy that parsed, for completing names in half-typed text.
    last_good: std::cell::RefCell<BTreeMap<String, Rc<PolicyAnalysis>>>,
    due: BTreeMap<String, Instant>,
    roots: Vec<PathBuf>,
    /// Policies read from disk (not open), by canonical path, with the file's time and size.
    on_disk: std::cell::RefCell<BTreeMap<PathBuf, DiskPolicy>>,
}

/// A policy read from disk: the file's modification time and size when read, its URI, its analysis.
type DiskPolicy = (Option<(Option<std::time::SystemTime>, u64)>, Uri, Rc<PolicyAnalysis>);

/// Serve one client over a connection: the `initialize` handshake, then every message until
/// `shutdown` and `exit`.
pub fn serve(conn: &Connection) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    let params = conn.initialize(caps).map_err(|e| format!("initialize failed: {e}"))?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let mut roots: Vec<PathBuf> =
        params.workspace_folders.iter().flatten().filter_map(|f| uri::to_path(&f.uri)).collect();
    #[allow(deprecated)] // Older clients send only `rootUri`.
    if roots.is_empty()
        && let Some(root) = params.root_uri.as_ref().and_then(uri::to_path)
    {
        roots.push(root);
    }
    let mut server = Server {
        conn,
        docs: BTreeMap::new(),
        cache: Default::default(),
        last_good: Default::default(),
        due: BTreeMap::new(),
        roots,
        on_disk: Default::default(),
    };
    loop {
        let next = server.due.values().min().copied();
        let msg = match next {
            Some(at) => match conn.receiver.recv_timeout(at.saturating_duration_since(Instant::now())) {
                Ok(m) => Some(m),
                Err(e) if e.is_timeout() => None,
                Err(_) => return Ok(()),
            },
            None => match conn.receiver.recv() {
                Ok(m) => Some(m),
                Err(_) => return Ok(()),
            },
        };
        match msg {
            None => server.publish_due(),
            Some(Message::Request(req)) => {
                if conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                    return Ok(());
                }
                let id = req.id.clone();
                let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.request(req)));
                let response = match answer {
                    Ok(Ok(value)) => Response::new_ok(id, value),
                    Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
                    Err(_) => Response::new_err(id, ErrorCode::InternalError as i32, "the request failed".into()),
                };
                server.send(response.into());
            }
            Some(Message::Notification(n)) => {
                if n.method == "exit" {
                    return Ok(());
                }
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.notification(n)));
            }
            Some(Message::Response(_)) => {}
        }
    }
}

type Answer = Result<Value, (ErrorCode, String)>;

fn params<P: serde::de::DeserializeOwned>(v: Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(v).map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))
}

fn json<T: serde::Serialize>(v: T) -> Answer {
    serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

/// Two paths name the same file (compared canonically when both exist).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

impl Server<'_> {
    fn send(&self, m: Message) {
        let _ = self.conn.sender.send(m);
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else { return };
                let d = p.text_document;
                let key = d.uri.as_str().to_string();
                let kind = kind_of(&d.uri, &d.text);
                let path = uri::to_path(&d.uri);
                self.docs.insert(key.clone(), Document { uri: d.uri, text: d.text, version: d.version, kind, path });
                // A newly opened document is checked at once.
                self.due.insert(key, Instant::now());
            }
            "textDocument/didChange" => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else { return };
                let key = p.text_document.uri.as_str().to_string();
                let Some(doc) = self.docs.get_mut(&key) else { return };
                for change in p.content_changes {
                    match change.range {
                        None => doc.text = change.text,
                        // Full sync is what the server asks for; a ranged change is applied all the same.
                        Some(r) => {
                            let lines = crate::lines::LineIndex::new(&doc.text);
                            let span = lines.span(&doc.text, r);
                            doc.text.replace_range(span.start..span.end, &change.text);
                        }
                    }
                }
                doc.version = p.text_document.version;
                doc.kind = kind_of(&doc.uri, &doc.text);
                self.due.insert(key, Instant::now() + DEBOUNCE);
            }
            "textDocument/didClose" => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else { return };
                let key = p.text_document.uri.as_str().to_string();
                self.docs.remove(&key);
                self.due.remove(&key);
                self.cache.borrow_mut().remove(&key);
                self.publish(&p.text_document.uri, Vec::new(), None);
            }
            _ => {}
        }
    }

    fn publish(&self, uri: &Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams { uri: uri.clone(), diagnostics, version };
        self.send(Notification::new("textDocument/publishDiagnostics".into(), params).into());
    }

    /// Publish the diagnostics of every document whose wait is over.
    fn publish_due(&mut self) {
        let now = Instant::now();
        let ready: Vec<String> = self.due.iter().filter(|(_, at)| **at <= now).map(|(k, _)| k.clone()).collect();
        let mut scenarios = std::collections::BTreeSet::new();
        for key in &ready {
            self.due.remove(key);
            let Some(doc) = self.docs.get(key) else { continue };
            match doc.kind {
                Kind::Policy => {
                    let a = self.policy(key);
                    if let Some(a) = a {
                        self.publish(&doc.uri, diagnostics::policy(&doc.uri, &a), Some(doc.version));
                    }
                    // The open scenarios of a changed policy may have changed too.
                    if let Some(path) = &doc.path {
                        for (k, d) in &self.docs {
                            if d.kind == Kind::Scenario && scenario_policies(d).iter().any(|p| same_file(p, path)) {
                                scenarios.insert(k.clone());
                            }
                        }
                    }
                }
                Kind::Scenario => {
                    scenarios.insert(key.clone());
                }
                Kind::Other => self.publish(&doc.uri, Vec::new(), Some(doc.version)),
            }
        }
        for key in scenarios {
            let Some(doc) = self.docs.get(&key) else { continue };
            let a = self.scenario(doc);
            self.publish(&doc.uri, diagnostics::scenario(&doc.text, &a), Some(doc.version));
        }
    }

    /// The analysis of an open policy document, cached by version.
    fn policy(&self, key: &str) -> Option<Rc<PolicyAnalysis>> {
        let doc = self.docs.get(key)?;
        if doc.kind != Kind::Policy {
            return None;
        }
        if let Some((v, a)) = self.cache.borrow().get(key)
            && *v == doc.version
        {
            return Some(a.clone());
        }
        let name = doc.path.as_ref().map_or_else(|| doc.uri.as_str().to_string(), |p| p.display().to_string());
        let a = Rc::new(analysis::policy(&name, doc.path.as_deref().and_then(Path::parent), &doc.text));
        self.cache.borrow_mut().insert(key.to_string(), (doc.version, a.clone()));
        if a.ast.is_some() {
            self.last_good.borrow_mut().insert(key.to_string(), a.clone());
        }
        Some(a)
    }

    /// A policy by path: the open document's analysis, or the file's.
    fn policy_at(&self, path: &Path) -> Option<(Uri, Rc<PolicyAnalysis>)> {
        for (k, d) in &self.docs {
            if d.kind == Kind::Policy && d.path.as_deref().is_some_and(|p| same_file(p, path)) {
                return Some((d.uri.clone(), self.policy(k)?));
            }
        }
        // A policy that is not open is read from disk, and checked again only when the file changes.
        let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let stamp = std::fs::metadata(&canon).ok().map(|m| (m.modified().ok(), m.len()));
        if let Some((s, u, a)) = self.on_disk.borrow().get(&canon)
            && stamp.is_some()
            && *s == stamp
        {
            return Some((u.clone(), a.clone()));
        }
        let text = std::fs::read_to_string(path).ok()?;
        let u = uri::from_path(&canon)?;
        let a = Rc::new(analysis::policy(&path.display().to_string(), path.parent(), &text));
        self.on_disk.borrow_mut().insert(canon, (stamp, u.clone(), a.clone()));
        Some((u, a))
    }

    fn scenario(&self, doc: &Document) -> ScenarioAnalysis {
        let load = |p: &Path| self.policy_at(p).map(|(_, a)| a);
        analysis::scenario(doc.path.as_deref().and_then(Path::parent), &doc.text, &load)
    }

    /// Every scenario that uses the policy at `path`: the open ones as they stand, and the
    /// `.toml` files under the workspace folders.
    fn scenarios_of(&self, path: &Path) -> Vec<ScenarioFile> {
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut consider = |u: Uri, file: Option<&Path>, text: String| {
            let names = docket::scenario::names::names(&text);
            let dir = file.and_then(Path::parent);
            let uses = names.policies.iter().any(|(p, _)| dir.is_some_and(|d| same_file(&d.join(p), path)));
            if uses {
                out.push(ScenarioFile { uri: u, lines: crate::lines::LineIndex::new(&text), text, names });
            }
        };
        for d in self.docs.values().filter(|d| d.kind == Kind::Scenario) {
            if let Some(p) = &d.path {
                seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone()));
            }
            consider(d.uri.clone(), d.path.as_deref(), d.text.clone());
        }
        let mut files = Vec::new();
        for root in &self.roots {
            toml_files(root, 0, &mut files);
        }
        files.sort();
        for f in files {
            let canon = f.canonicalize().unwrap_or_else(|_| f.clone());
            if !seen.insert(canon.clone()) {
                continue;
            }
            let (Ok(text), Some(u)) = (std::fs::read_to_string(&f), uri::from_path(&canon)) else { continue };
            consider(u, Some(&f), text);
        }
        out
    }

    fn request(&mut self, req: Request) -> Answer {
        match req.method.as_str() {
            "textDocument/hover" => {
                let p: HoverParams = params(req.params)?;
                let at = p.text_document_position_params;
                json(self.hover(&at.text_document.uri, at.position))
            }
            "textDocument/definition" => {
                let p: GotoDefinitionParams = params(req.params)?;
                let at = p.text_document_position_params;
                json(self.definition(&at.text_document.uri, at.position).map(GotoDefinitionResponse::Scalar))
            }
            "textDocument/references" => {
                let p: ReferenceParams = params(req.params)?;
                let at = p.text_document_position;
                let found = self.target(&at.text_document.uri, at.position);
                json(found.map(|(u, a, s)| {
                    let path = uri::to_path(&u);
                    let scenarios = path.map(|p| self.scenarios_of(&p)).unwrap_or_default();
                    navigate::references(&u, &a, s, p.context.include_declaration, &scenarios)
                }))
            }
            "textDocument/prepareRename" => {
                let p: TextDocumentPositionParams = params(req.params)?;
                let key = p.text_document.uri.as_str().to_string();
                let Some(doc) = self.docs.get(&key) else { return json(Value::Null) };
                let range = match doc.kind {
                    Kind::Policy => self.policy(&key).and_then(|a| {
                        let o = *a.index.at(a.lines.offset(&a.file.text, p.position))?;
                        Some(a.lines.range(&a.file.text, o.span))
                    }),
                    Kind::Scenario => {
                        let s = self.scenario(doc);
                        let offset = s.lines.offset(&doc.text, p.position);
                        s.names.at(offset).map(|(_, span)| s.lines.range(&doc.text, *span))
                    }
                    Kind::Other => None,
                };
                json(range.map(PrepareRenameResponse::Range))
            }
            "textDocument/rename" => {
                let p: RenameParams = params(req.params)?;
                let at = p.text_document_position;
                let Some((u, a, s)) = self.target(&at.text_document.uri, at.position) else {
                    return Err((ErrorCode::RequestFailed, "nothing to rename here".into()));
                };
                let scenarios = uri::to_path(&u).map(|p| self.scenarios_of(&p)).unwrap_or_default();
                match navigate::rename(&u, &a, s, &p.new_name, &scenarios) {
                    Ok(edit) => json(edit),
                    Err(why) => Err((ErrorCode::RequestFailed, why)),
                }
            }
            "textDocument/completion" => {
                let p: CompletionParams = params(req.params)?;
                let at = p.text_document_position;
                let key = at.text_document.uri.as_str().to_string();
                if let Some(doc) = self.docs.get(&key).filter(|d| d.kind == Kind::Scenario) {
                    let s = self.scenario(doc);
                    let offset = s.lines.offset(&doc.text, at.position);
                    let policy = s.policies.iter().find_map(|p| self.policy_at(p));
                    let items = policy.map(|(_, a)| complete::complete_scenario(&a.index, &doc.text, offset));
                    return json(CompletionResponse::Array(items.unwrap_or_default()));
                }
                let Some(a) = self.policy(&key) else { return json(Value::Null) };
                let offset = a.lines.offset(&a.file.text, at.position);
                let good = if a.ast.is_some() { Some(a.clone()) } else { self.last_good.borrow().get(&key).cloned() };
                let items = good.map(|g| complete::complete(&g.index, &a.file.text, offset)).unwrap_or_default();
                json(CompletionResponse::Array(items))
            }
            "textDocument/formatting" => {
                let p: DocumentFormattingParams = params(req.params)?;
                let Some(doc) = self.docs.get(p.text_document.uri.as_str()) else { return json(Value::Null) };
                json(if doc.kind == Kind::Policy { edits::format(&doc.text, None) } else { None })
            }
            "textDocument/rangeFormatting" => {
                let p: DocumentRangeFormattingParams = params(req.params)?;
                let Some(doc) = self.docs.get(p.text_document.uri.as_str()) else { return json(Value::Null) };
                let span = crate::lines::LineIndex::new(&doc.text).span(&doc.text, p.range);
                json(if doc.kind == Kind::Policy { edits::format(&doc.text, Some(span)) } else { None })
            }
            "textDocument/codeAction" => {
                let p: CodeActionParams = params(req.params)?;
                let key = p.text_document.uri.as_str().to_string();
                if let Some(doc) = self.docs.get(&key).filter(|d| d.kind == Kind::Scenario) {
                    let s = self.scenario(doc);
                    return json(edits::scenario_actions(&p.text_document.uri, &doc.text, &s, p.range));
                }
                let Some(a) = self.policy(&key) else { return json(Vec::<CodeAction>::new()) };
                let span = a.lines.span(&a.file.text, p.range);
                json(edits::code_actions(&p.text_document.uri, &a, span))
            }
            "textDocument/documentSymbol" => {
                let p: DocumentSymbolParams = params(req.params)?;
                let Some(a) = self.policy(p.text_document.uri.as_str()) else { return json(Value::Null) };
                json(DocumentSymbolResponse::Nested(outline::document_symbols(&a)))
            }
            "textDocument/semanticTokens/full" => {
                let p: SemanticTokensParams = params(req.params)?;
                let Some(a) = self.policy(p.text_document.uri.as_str()) else { return json(Value::Null) };
                json(SemanticTokens { result_id: None, data: outline::semantic_tokens(&a) })
            }
            other => Err((ErrorCode::MethodNotFound, format!("docket lsp does not answer `{other}`"))),
        }
    }

    /// The policy symbol at a position of a policy or a scenario, with its policy's URI and analysis.
    fn target(&self, u: &Uri, pos: Position) -> Option<(Uri, Rc<PolicyAnalysis>, usize)> {
        let key = u.as_str().to_string();
        let doc = self.docs.get(&key)?;
        match doc.kind {
            Kind::Policy => {
                let a = self.policy(&key)?;
                let o = *a.index.at(a.lines.offset(&a.file.text, pos))?;
                Some((doc.uri.clone(), a, o.symbol))
            }
            Kind::Scenario => {
                let s = self.scenario(doc);
                let offset = s.lines.offset(&doc.text, pos);
                let (k, _) = s.names.at(offset)?;
                s.policies.iter().find_map(|p| {
                    let (pu, a) = self.policy_at(p)?;
                    let sym = a.index.find(k)?;
                    Some((pu, a, sym))
                })
            }
            Kind::Other => None,
        }
    }

    fn hover(&self, u: &Uri, pos: Position) -> Option<Hover> {
        let key = u.as_str().to_string();
        let doc = self.docs.get(&key)?;
        let (text, range) = match doc.kind {
            Kind::Policy => {
                let a = self.policy(&key)?;
                let (text, span) = hover::hover(&a, a.lines.offset(&a.file.text, pos))?;
                (text, a.lines.range(&a.file.text, span))
            }
            Kind::Scenario => {
                let s = self.scenario(doc);
                let offset = s.lines.offset(&doc.text, pos);
                let (_, span) = s.names.at(offset)?;
                let (_, a, sym) = self.target(u, pos)?;
                let (text, _) = hover::hover(&a, a.index.symbols[sym].name_span.start)?;
                (text, s.lines.range(&doc.text, *span))
            }
            Kind::Other => return None,
        };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: text }),
            range: Some(range),
        })
    }

    fn definition(&self, u: &Uri, pos: Position) -> Option<Location> {
        let key = u.as_str().to_string();
        let doc = self.docs.get(&key)?;
        if doc.kind == Kind::Scenario {
            let s = self.scenario(doc);
            let offset = s.lines.offset(&doc.text, pos);
            // The `policy = "..."` path opens the policy.
            if let Some(i) = s.names.policies.iter().position(|(_, sp)| sp.start <= offset && offset <= sp.end) {
                let (pu, _) = self.policy_at(s.policies.get(i)?)?;
                return Some(Location { uri: pu, range: Range::default() });
            }
        }
        let (pu, a, sym) = self.target(u, pos)?;
        Some(Location { uri: pu, range: a.lines.range(&a.file.text, a.index.symbols[sym].name_span) })
    }
}

/// The policies a scenario document names, resolved against its folder.
fn scenario_policies(d: &Document) -> Vec<PathBuf> {
    let dir = d.path.as_deref().and_then(Path::parent);
    docket::scenario::names::names(&d.text)
        .policies
        .into_iter()
        .map(|(p, _)| dir.map_or_else(|| PathBuf::from(&p), |dir| dir.join(&p)))
        .collect()
}

/// The `.toml` files under a folder, skipping hidden folders and build output, to a fixed depth.
fn toml_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        match e.file_type() {
            Ok(t) if t.is_dir() => toml_files(&p, depth + 1, out),
            Ok(t) if t.is_file() && name.ends_with(".toml") && name != "Cargo.toml" => out.push(p),
            _ => {}
        }
    }
}
