use std::process::ExitCode;

// mimalloc instead of the system allocator: a list page allocates and frees thousands of small
// values (rows, strings, the page); glibc's malloc spent a tenth of the CPU of a loaded list
// page in _int_malloc and malloc_consolidate.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A `.env` file is optional; real environment variables win over it.
    let _ = dotenvy::dotenv();
    partner_portal::cli::main()
}
