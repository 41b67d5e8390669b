//! Per-case output rendered on several threads and written in case order.
//!
//! Building and rendering each case's report costs as much as evaluating the log (a million
//! cases give over a gigabyte of JSON), so `docket eval` spreads it over `--threads` workers.
//! The cases go in consecutive chunks: worker `w` renders chunks `w`, `w + n`, `w + 2n`, ... and
//! the writing thread takes them round-robin, so the bytes come out in case order, the same as
//! on one thread.

use std::io::Write;
use std::sync::mpsc;

/// Cases per chunk: small enough that the chunks in flight stay a few megabytes (a case's JSON is
/// about 1.3 KB), large enough that handing a chunk over costs little next to rendering it.
pub const CHUNK: usize = 1024;

/// Chunks each worker may have rendered ahead of the writer: bounds memory, keeps workers busy.
const CHUNKS_AHEAD: usize = 2;

/// Render each item with `render` (appending its bytes) and write them to `out` in order, on
/// `threads` workers (one: on this thread). Each worker renders with its own clone of `state`
/// (the engines, which keep scratch cells and cannot be shared). A write error stops the workers
/// and is returned.
pub fn write_in_order<T, S, F>(
    items: &[T],
    threads: usize,
    state: &S,
    out: &mut impl Write,
    render: F,
) -> std::io::Result<()>
where
    T: Sync,
    S: Clone + Send,
    F: Fn(&S, &T, &mut Vec<u8>) + Sync,
{
    let workers = threads.min(items.len().div_ceil(CHUNK));
    if workers <= 1 {
        let mut buf = Vec::new();
        for chunk in items.chunks(CHUNK) {
            buf.clear();
            render_chunk(chunk, state, &render, &mut buf);
            out.write_all(&buf)?;
        }
        return Ok(());
    }
    write_from_workers(items, workers, state, out, &render)
}

/// [`write_in_order`] on `workers` scoped threads (2 or more), each with at most
/// [`CHUNKS_AHEAD`] rendered chunks waiting, so memory stays a few chunks whatever the log.
fn write_from_workers<T, S, F>(
    items: &[T],
    workers: usize,
    state: &S,
    out: &mut impl Write,
    render: &F,
) -> std::io::Result<()>
where
    T: Sync,
    S: Clone + Send,
    F: Fn(&S, &T, &mut Vec<u8>) + Sync,
{
    std::thread::scope(|scope| {
        let receivers: Vec<mpsc::Receiver<Vec<u8>>> = (0..workers)
            .map(|w| {
                let (send, receive) = mpsc::sync_channel(CHUNKS_AHEAD);
                let state = state.clone();
                scope.spawn(move || {
                    // Sized as the last chunk was, so a chunk's buffer does not grow by copying.
                    let mut size = 0;
                    for chunk in items.chunks(CHUNK).skip(w).step_by(workers) {
                        let mut buf = Vec::with_capacity(size + size / 8);
                        render_chunk(chunk, &state, render, &mut buf);
                        size = buf.len();
                        // The writer has gone (a write failed): stop rendering.
                        if send.send(buf).is_err() {
                            return;
                        }
                    }
                });
                receive
            })
            .collect();
        for chunk in 0..items.len().div_ceil(CHUNK) {
            // A worker that panicked has dropped its sender; the scope re-raises its panic.
            let Ok(buf) = receivers[chunk % workers].recv() else { break };
            // On an error the receivers drop as this closure returns, before the scope joins the
            // workers, so their next send fails and they stop instead of blocking forever.
            out.write_all(&buf)?;
        }
        Ok(())
    })
}

fn render_chunk<T, S>(chunk: &[T], state: &S, render: &impl Fn(&S, &T, &mut Vec<u8>), buf: &mut Vec<u8>) {
    for item in chunk {
        render(state, item, buf);
    }
}
