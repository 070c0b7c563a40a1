//! The command line (PRODUCT.md section 8). Exit code 0 on success, 2 on bad input (with the
//! reason on stderr), 1 when something else failed.

use crate::config::Settings;
use crate::db::Db;
use crate::domain::Email;
use crate::startup::Application;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "partner-portal",
    version,
    about = "The partner portal of a security vendor's sales channel"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web portal (applies pending migrations first)
    Serve {
        /// Demo mode: seed demo data into an empty database, list the demo accounts on the
        /// login page, allow plain-HTTP cookies and a built-in session key
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations
    Migrate,
    /// Load the demo organisations and users (does nothing if they are already there)
    SeedDemo,
    /// Create a vendor administrator; the password is read from PORTAL_ADMIN_PASSWORD or,
    /// when that is unset, generated and printed once
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// The name shown in the portal
        #[arg(long, default_value = "Vendor administrator")]
        name: String,
    },
}

/// A failure, told apart by whether the input was at fault.
#[derive(Debug)]
pub enum CliError {
    BadInput(String),
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Failed(e)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(CliError::Failed(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn open(settings: &Settings) -> Result<Db, CliError> {
    crate::db::Backend::from_url(&settings.database_url)
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let settings = cli.settings;
    match cli.command {
        Command::Serve { demo } => {
            settings
                .session_key_bytes(demo)
                .map_err(CliError::BadInput)?;
            if demo {
                let db = open(&settings).await?;
                if crate::seed::seed_demo(&db, chrono::Utc::now().timestamp()).await? {
                    tracing::info!("demo data loaded");
                }
                db.pool.close().await;
            }
            let app = Application::build(settings, demo, crate::clock::Clock::System).await?;
            tracing::info!(address = %app.address(), demo, "partner portal listening");
            app.run_until_stopped()
                .await
                .map_err(|e| CliError::Failed(e.into()))?;
        }
        Command::Migrate => {
            open(&settings).await?;
            println!("database is up to date");
        }
        Command::SeedDemo => {
            let db = open(&settings).await?;
            let now = chrono::Utc::now().timestamp();
            if crate::seed::seed_demo(&db, now).await? {
                println!(
                    "demo data loaded; every demo account has the password {}",
                    crate::seed::DEMO_PASSWORD
                );
            } else {
                println!("demo data is already there; nothing changed");
            }
        }
        Command::CreateAdmin { email, name } => {
            let email =
                Email::parse(&email).map_err(|e| CliError::BadInput(format!("--email: {e}")))?;
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err(CliError::BadInput("--name must not be empty".into()));
            }
            let (password, generated) = match std::env::var("PORTAL_ADMIN_PASSWORD") {
                Ok(p) => (p, false),
                Err(_) => (crate::seed::random_password(), true),
            };
            crate::domain::password::check_new_password(&password)
                .map_err(|e| CliError::BadInput(format!("PORTAL_ADMIN_PASSWORD: {e}")))?;
            let db = open(&settings).await?;
            let hash = crate::password::hash(password.clone()).await?;
            let now = chrono::Utc::now().timestamp();
            match crate::seed::create_vendor_admin(&db, &email, &name, &hash, now).await {
                Ok(_) => {
                    println!("created vendor administrator {email}");
                    if generated {
                        println!("password (shown once): {password}");
                    }
                }
                Err(e)
                    if e.downcast_ref::<sqlx::Error>()
                        .is_some_and(crate::db::is_unique_violation) =>
                {
                    return Err(CliError::BadInput(format!(
                        "a user with the e-mail {email} already exists"
                    )));
                }
                Err(e) => return Err(CliError::Failed(e)),
            }
        }
    }
    Ok(())
}
