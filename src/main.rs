//! The `docket` command: parse arguments, call the library, map the result to an exit code.

mod cli;

use std::process::ExitCode;

/// The process's allocator is mimalloc, for every verb.
///
/// `docket serve`: with glibc's malloc the writer spent half its time in `malloc`/`free` on the
/// 1M-case log: the case cache drops an eighth of its 100,000 states at a time, and the heap's
/// freed chunks, thousands of small ones per state, made every allocation after it walk and
/// coalesce the free lists (`_int_malloc`, `unlink_chunk`, `malloc_consolidate`: 32% of the
/// writer in `perf record` at 1.1 GB of database).
///
/// `docket eval`: a closed case gives its fields back and a new case takes as much again, all
/// run long; see [`tune_allocator`].
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_arena_eager_commit` and `mi_option_purge_delay` (the 5th and 16th
/// options of `mi_option_e` in its `mimalloc.h`, v3; libmimalloc-sys names no constant for them).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Two of mimalloc's defaults cost `docket eval --summary` on the 1M-case log a quarter of its
/// time in the kernel clearing pages (`clear_page_erms` in `perf record`):
/// - it commits its arenas whole as soon as it reserves them: 55 MB more peak memory, pages the
///   run never uses cleared all the same (system time 1.44 s -> 0.41 s without);
/// - it gives freed memory back to the OS a second after it is freed, and takes it again as new
///   cases come: each page cleared anew.
fn tune_allocator() {
    // SAFETY: setting an option is allowed at any time; 0 is "commit on demand", -1 "never purge".
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
}

/// The options must be set before the allocator reserves its first arena, which happens at the
/// first allocation, before `main`: on Linux the loader runs this first, with the program's other
/// initializers; elsewhere `main` sets them (the arena reserved by then keeps the defaults).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static TUNE_ALLOCATOR_AT_LOAD: extern "C" fn() = {
    extern "C" fn at_load() {
        tune_allocator();
    }
    at_load
};

fn main() -> ExitCode {
    tune_allocator();
    cli::run()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_allocator_is_tuned_at_load_by_the_option_numbers_mimalloc_documents() {
        use super::{MI_OPTION_ARENA_EAGER_COMMIT as EAGER, MI_OPTION_PURGE_DELAY as PURGE};
        // SAFETY: reading options is allowed at any time.
        let get = |option| unsafe { libmimalloc_sys::mi_option_get(option) };
        // The loader ran the tuning before this test (it is part of this binary too).
        assert_eq!((get(EAGER), get(PURGE)), (0, -1));
        // The numbers are right: the options around them have mimalloc v3's documented
        // defaults (options.c), which a shifted numbering would not read.
        assert_eq!((get(EAGER + 1), get(PURGE - 1), get(PURGE + 3), get(PURGE + 4)), (1, 1, 100, 32));
    }
}
