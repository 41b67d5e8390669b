//! Docket's language server: `docket lsp` speaks the Language Server Protocol over stdio
//! (rust-analyzer's `lsp-server` for the transport, `lsp-types` for the messages; no async
//! runtime). It owns no language knowledge of its own: every diagnostic, name, explanation and
//! layout comes from the `docket` library (`syntax`, `check`, `symbols`, `report`, `format`,
//! `scenario`), and this crate only turns them into protocol messages, with positions in UTF-16.
//!
//! One thread answers every message in order (`server.rs`); diagnostics are published 200 ms
//! after the last change to a document, so typing does not re-check on every keystroke, while a
//! request is answered from the document as it stands.

// lsp-types keys a `WorkspaceEdit`'s changes by `Uri`, whose hash never changes once built.
#![allow(clippy::mutable_key_type)]

mod analysis;
mod complete;
mod diagnostics;
mod edits;
mod hover;
mod lines;
mod navigate;
mod outline;
mod server;
mod uri;

pub use server::{capabilities, serve};

/// Run the server over standard input and output until the client says `exit`.
pub fn run_stdio() -> Result<(), String> {
    let (connection, threads) = lsp_server::Connection::stdio();
    let result = serve(&connection);
    drop(connection);
    result?;
    threads.join().map_err(|e| format!("the connection ended badly: {e}"))
}
