use std::process::ExitCode;

fn main() -> ExitCode {
    // A `.env` file is optional; real environment variables win over it.
    let _ = dotenvy::dotenv();
    partner_portal::cli::main()
}
