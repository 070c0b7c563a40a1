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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    Small,
    Large,
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
    SeedDemo {
        /// `large` adds the volume of the performance budgets: 50 distributors, 5,000
        /// resellers, 200,000 end customers, 1,000,000 schedule entries, 200,000 leads
        #[arg(long, value_enum, default_value = "small")]
        scale: Scale,
    },
    /// Import licenses from the old system (CSV: license_key, reseller, end_customer, legacy_sku,
    /// quantity, order_completion_date, activation_date). A dry run unless --commit.
    ImportLicenses {
        file: std::path::PathBuf,
        /// Write the entries (all rows or none); without it nothing is written
        #[arg(long)]
        commit: bool,
    },
    /// Apply the date-driven rules for a day: quotes and deal registrations that end,
    /// renewal reminders (90, 60, 30 days). Idempotent; `serve` does this for today.
    Sweep {
        /// The day to apply the rules for, YYYY-MM-DD (default: today)
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Mail: `mail flush` delivers every due message of the outbox once (for cron)
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Webhooks: `webhooks flush` sends every due webhook delivery once (for cron)
    Webhooks {
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// Explain or translate SKUs
    Sku {
        #[command(subcommand)]
        command: SkuCommand,
    },
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

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Deliver every due message of the outbox once, then exit
    Flush,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Send every due webhook delivery once, then exit
    Flush,
}

#[derive(Debug, Subcommand)]
pub enum SkuCommand {
    /// Explain a 14-character SKU field by field, or say which position is wrong
    Check { sku: String },
    /// Translate a legacy SKU (or every line of a file) into the new SKU, with its MSRP and
    /// whether it is accepted on a date
    Translate {
        /// The legacy SKU (leave out with --file)
        legacy: Option<String>,
        /// Months, for a 1-month legacy SKU
        #[arg(long)]
        months: Option<u32>,
        /// The submission date, YYYY-MM-DD (default: today)
        #[arg(long)]
        on: Option<String>,
        /// Print JSON instead of text (one object; a JSON array with --file)
        #[arg(long)]
        json: bool,
        /// Translate every row of this CSV file (SKU, months); prints CSV unless --json
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        /// The price book to show MSRP from
        #[arg(long, default_value = "USD")]
        currency: String,
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

impl From<sqlx::Error> for CliError {
    fn from(e: sqlx::Error) -> Self {
        CliError::Failed(e.into())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _log = crate::telemetry::init();
    crate::install_crypto_provider();
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
                if crate::seed::seed_demo_with_history(&db, chrono::Utc::now().timestamp()).await? {
                    tracing::info!("demo data loaded");
                }
                db.close().await;
            }
            let app = Application::build(settings, demo, crate::clock::Clock::system()).await?;
            tracing::info!(address = %app.address(), demo, "partner portal listening");
            app.run_until_stopped()
                .await
                .map_err(|e| CliError::Failed(e.into()))?;
        }
        Command::Migrate => {
            open(&settings).await?;
            println!("database is up to date");
        }
        Command::SeedDemo { scale } => {
            let db = open(&settings).await?;
            let now = chrono::Utc::now().timestamp();
            if crate::seed::seed_demo_with_history(&db, now).await? {
                println!(
                    "demo data loaded; every demo account has the password {}",
                    crate::seed::DEMO_PASSWORD
                );
            } else {
                println!("demo data is already there; nothing changed");
            }
            if scale == Scale::Large {
                let started = std::time::Instant::now();
                let today = crate::clock::Clock::system().today();
                match crate::seed::large::seed_large(&db, today, now).await? {
                    Some(c) => println!(
                        "large data set loaded in {:.1} s: {} distributors, {} resellers, {} end customers, {} schedule entries, {} leads",
                        started.elapsed().as_secs_f64(),
                        c.distributors, c.resellers, c.end_customers, c.entries, c.leads
                    ),
                    None => println!("the large data set is already there; nothing changed"),
                }
            }
        }
        Command::Sku { command } => sku_command(&settings, command).await?,
        Command::ImportLicenses { file, commit } => {
            let input = std::fs::File::open(&file)
                .map(std::io::BufReader::new)
                .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", file.display())))?;
            let db = open(&settings).await?;
            let clock = crate::clock::Clock::system();
            crate::app::settings::refresh_zone(&db.pool, &clock).await;
            let ctx = crate::app::Ctx::system(
                db,
                clock.today(),
                clock.timestamp(),
                &settings.public_url(),
            );
            use crate::app::licenses::{import, LicenseImport};
            let (preview, added) = match import(&ctx, input, commit)
                .await
                .map_err(anyhow::Error::from)?
            {
                LicenseImport::Refused(problems) => {
                    let lines: Vec<String> = problems
                        .iter()
                        .map(|(l, m)| format!("line {l}: {m}"))
                        .collect();
                    return Err(CliError::BadInput(format!(
                        "{}; nothing imported:\n{}",
                        crate::domain::paging::counted(problems.len(), "problem", "problems"),
                        lines.join("\n")
                    )));
                }
                LicenseImport::Preview(preview) => (preview, None),
                LicenseImport::Imported { preview, added, .. } => (preview, Some(added)),
            };
            for r in preview.losing() {
                let row = preview.row(r);
                let activated = match row.activated {
                    Some(on) => format!("activated {on}"),
                    None => "not activated yet".to_string(),
                };
                println!(
                    "line {}: {} starts {} ({}), {activated}: {} days of term lost",
                    row.line,
                    row.license_key,
                    r.start,
                    r.rule.describe(),
                    r.days_lost
                );
            }
            println!(
                "{} rows: {} new, {} already imported; {} start on their activation (activated before 2023-10-01), {} on their order completion",
                preview.rows(),
                preview.rows() - preview.already,
                preview.already,
                preview.by_activation(),
                preview.new.len() - preview.by_activation()
            );
            match added {
                Some(added) => println!("imported {added} license schedule entries"),
                None => println!("dry run: nothing was written; add --commit to import"),
            }
        }
        Command::Sweep { as_of } => {
            let as_of = match as_of {
                Some(d) => Some(chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(
                    |_| CliError::BadInput(format!("--as-of: {d:?} is not a date (YYYY-MM-DD)")),
                )?),
                None => None,
            };
            let db = open(&settings).await?;
            // Without --as-of, today in the vendor's time zone.
            let clock = crate::clock::Clock::system();
            crate::app::settings::refresh_zone(&db.pool, &clock).await;
            let day = as_of.unwrap_or_else(|| clock.today());
            let s = clock
                .in_zone(crate::jobs::sweep(
                    &db,
                    day,
                    &settings.public_url(),
                    clock.timestamp(),
                ))
                .await?;
            println!(
                "sweep as of {day}: {} quote reminders, {} quotes expired, {} deal registration reminders, {} expired, {} renewal reminders, {} leads expired, {} lead reminders",
                s.quotes.reminded, s.quotes.expired, s.deals.reminded, s.deals.expired, s.renewal_reminders,
                s.leads.expired, s.leads.reminded
            );
            let took: Vec<String> = s
                .timings
                .iter()
                .map(|(what, d)| format!("{what} {:.2} s", d.as_secs_f64()))
                .collect();
            println!("took: {}", took.join(", "));
        }
        Command::Mail {
            command: MailCommand::Flush,
        } => {
            let db = open(&settings).await?;
            let mailer = crate::mail::Mailer::from_settings(&settings)
                .map_err(|e| CliError::BadInput(format!("{e:#}")))?;
            let stats =
                crate::mail::worker::try_run_once(&db, &mailer, chrono::Utc::now().timestamp())
                    .await?;
            println!(
                "sent {}, to retry {}, dead {}",
                stats.sent, stats.retrying, stats.dead
            );
        }
        Command::Webhooks {
            command: WebhooksCommand::Flush,
        } => {
            let db = open(&settings).await?;
            let client = crate::webhooks::client()?;
            let stats =
                crate::webhooks::try_run_once(&db, &client, chrono::Utc::now().timestamp()).await?;
            println!(
                "delivered {}, to retry {}, dead {}",
                stats.delivered, stats.retrying, stats.dead
            );
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
            let hash = crate::app::password::hash(password.clone()).await?;
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

async fn sku_command(settings: &Settings, command: SkuCommand) -> Result<(), CliError> {
    use crate::domain::catalogue::{LineInput, Status};
    use crate::domain::Sku;
    match command {
        SkuCommand::Check { sku } => {
            let parsed =
                Sku::parse(&sku).map_err(|e| CliError::BadInput(format!("{}: {e}", sku.trim())))?;
            let db = open(settings).await?;
            let snapshot =
                crate::app::translator::snapshot_for(&db, crate::db::catalogue::DEFAULT_CURRENCY)
                    .await?;
            print!("{}", explain(&parsed, snapshot.item_of(&parsed)));
        }
        SkuCommand::Translate {
            legacy,
            months,
            on,
            json,
            file,
            currency,
        } => {
            let on = match on {
                Some(d) => Some(chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(
                    |_| CliError::BadInput(format!("--on: {d:?} is not a date (YYYY-MM-DD)")),
                )?),
                None => None,
            };
            let inputs = match (&legacy, &file) {
                (Some(sku), None) => vec![LineInput {
                    line: 1,
                    sku: sku.clone(),
                    months,
                }],
                (None, Some(path)) => {
                    let bytes = std::fs::read(path).map_err(|e| {
                        CliError::BadInput(format!("cannot read {}: {e}", path.display()))
                    })?;
                    let (inputs, errors) = crate::app::translator::read_csv(&bytes);
                    if let Some((line, e)) = errors.first() {
                        return Err(CliError::BadInput(format!(
                            "{} line {line}: {e}",
                            path.display()
                        )));
                    }
                    inputs
                }
                _ => {
                    return Err(CliError::BadInput(
                        "give either a legacy SKU or --file, not both".into(),
                    ))
                }
            };
            let db = open(settings).await?;
            // Without --on, today in the vendor's time zone.
            let on = match on {
                Some(d) => d,
                None => {
                    let clock = crate::clock::Clock::system();
                    crate::app::settings::refresh_zone(&db.pool, &clock).await;
                    clock.today()
                }
            };
            let snapshot = crate::app::translator::snapshot_for(&db, &currency).await?;
            let rows: Vec<_> = inputs.iter().map(|i| snapshot.translate(i, on)).collect();
            let out = std::io::stdout();
            if file.is_some() {
                if json {
                    let all: Vec<_> = rows
                        .iter()
                        .map(|t| crate::app::translator::to_json(t, &snapshot.currency))
                        .collect();
                    serde_json::to_writer_pretty(out.lock(), &all).map_err(anyhow::Error::from)?;
                    println!();
                } else {
                    use std::io::Write;
                    out.lock()
                        .write_all(&crate::app::translator::to_csv(&rows, &snapshot.currency)?)
                        .map_err(anyhow::Error::from)?;
                }
                return Ok(());
            }
            let t = &rows[0];
            if t.status() == Status::Invalid {
                return Err(CliError::BadInput(t.message().to_string()));
            }
            if json {
                let j = crate::app::translator::to_json(t, &snapshot.currency);
                println!(
                    "{}",
                    serde_json::to_string_pretty(&j).map_err(anyhow::Error::from)?
                );
            } else {
                let money = t
                    .msrp()
                    .map(|c| c.with_currency(&snapshot.currency))
                    .unwrap_or_else(|| "no price".into());
                println!(
                    "{} -> {}",
                    t.input.sku.trim(),
                    t.new_sku().as_deref().unwrap_or("-")
                );
                println!(
                    "  {}",
                    t.description()
                        .as_deref()
                        .unwrap_or("(not in the catalogue)")
                );
                println!("  MSRP {money} per unit");
                println!("  {} on {on}: {}", t.status().as_str(), t.message());
                if let Some(s) = &t.suggested() {
                    println!("  order instead: {s}");
                }
            }
        }
    }
    Ok(())
}

/// `sku check`: each field of a valid SKU with its meaning.
fn explain(
    sku: &crate::domain::Sku,
    item: Option<&crate::domain::catalogue::CatalogueItem>,
) -> String {
    let f = sku.fields();
    let s = sku.as_str();
    let family = item
        .map(|i| i.family_name.as_str())
        .unwrap_or("not a family of the catalogue");
    let band = match (item, f.band.as_str()) {
        (Some(i), _) => i.description.clone(),
        (None, "000") => "per appliance (no band)".into(),
        (None, _) => "not a band of this family in the catalogue".into(),
    };
    let term = if f.term == 0 {
        "none (hardware)".to_string()
    } else {
        format!("{} months", f.term)
    };
    format!(
        "{s} is a valid SKU\n\
         \x20 1-6    family       {}  {family}\n\
         \x20 7-9    band         {}     {band}\n\
         \x20 10     channel      {}       {}\n\
         \x20 11     transaction  {}       {}\n\
         \x20 12-13  term         {:02}      {term}\n\
         \x20 14     check        {}       correct\n",
        f.family,
        f.band,
        f.channel.code(),
        f.channel.label(),
        f.transaction.code(),
        f.transaction.label(),
        f.term,
        &s[13..],
    )
}
