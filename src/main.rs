//! The `rudder` command line: a thin shell over the `rudder` library.
//! Parsing and dispatch live in [`cli`]; this file only maps the outcome
//! to an exit status.

mod cli;

/// The allocator. `rudder template` is a short burst of small allocations
/// (template trees, values shared through `Rc`, strings built action by
/// action), most of them on the render thread; glibc's malloc gives that
/// thread an arena of its own that grows by `mprotect` call and spends a
/// quarter of the render in `malloc`/`free` and their bookkeeping
/// (`perf` on bitnami nginx: `_int_free`, `_int_malloc`,
/// `malloc_consolidate`, `unlink_chunk`, 14% of all samples, plus 6% in
/// `mprotect`). mimalloc's thread-local free lists and segment reuse cut
/// `rudder template` on the real-world charts by the figures in the
/// README's speed table (commit message: before/after). Built with
/// `no_thp`: mimalloc otherwise asks for transparent huge pages, which
/// took peak RSS on nginx from 19 to 35 MiB with no measurable gain in
/// time. The library does not choose an allocator; only this binary does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
