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
/// run long; see [`keep_freed_memory`].
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the 16th option of `mi_option_e` in its `mimalloc.h`,
/// v3; libmimalloc-sys names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keep freed memory for reuse instead of giving it back to the OS a while after it is freed
/// (mimalloc's default, 1 s in v3). Giving it back and taking it again made the kernel clear each page
/// anew: 13% of `docket eval --summary` on the 1M-case log in `perf record` (`clear_page_erms`
/// under `mi_page_free_list_extend`), 0.6 s of system time. The peak is the same either way.
fn keep_freed_memory() {
    // SAFETY: setting an option is allowed at any time; -1 means "never purge".
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

fn main() -> ExitCode {
    keep_freed_memory();
    cli::run()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_the_one_mimalloc_documents() {
        // mimalloc v3's default for `purge_delay` is 1,000 ms (options.c); a different option
        // number would read some other option's default. Set and read back, as main does.
        // SAFETY: reading and setting options is allowed at any time.
        let default = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(default, 1000);
        super::keep_freed_memory();
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) }, -1);
    }
}
