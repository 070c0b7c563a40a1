//! Settings from the environment (and `.env`), PRODUCT.md section 8. clap reads them, so
//! `--help` lists every variable with its default.

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// sqlite://path or postgres://user@host/db
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/portal.db",
        global = true
    )]
    pub database_url: String,

    /// Address the web server listens on
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,

    /// smtp://user:pass@host:port; without it mail is written to data/mailbox/
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender address of the portal's mail
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "Partner Portal <portal@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// The portal's public address, e.g. `https://partners.example.com` (used in links and
    /// for the Origin check)
    #[arg(long, env = "BASE_URL", global = true)]
    pub base_url: Option<String>,

    /// Where mail goes when SMTP_URL is not set (one .eml file per message)
    #[arg(
        long,
        env = "MAILBOX_DIR",
        default_value = "data/mailbox",
        global = true
    )]
    pub mailbox_dir: String,

    /// Seconds between runs of the mail delivery worker and the webhook worker inside `serve`
    /// (0: run neither)
    #[arg(long, env = "MAIL_WORKER_SECS", default_value_t = 5, global = true)]
    pub mail_worker_secs: u64,

    /// Seconds between runs of the housekeeping inside `serve`: expired sessions, the sweep of
    /// date-driven rules and order processing (0: do not run it; tests run the jobs themselves)
    #[arg(long, env = "HOUSEKEEPING_SECS", default_value_t = 600, global = true)]
    pub housekeeping_secs: u64,

    /// Reverse proxies whose X-Forwarded-For is believed, as CIDRs separated by commas
    /// (e.g. 10.0.0.0/8); empty: the connection's address is the client's
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "", global = true)]
    pub trusted_proxies: String,

    /// A second address that serves only /metrics (Prometheus), e.g. 127.0.0.1:9090, for a
    /// scraper on a private network; unset: no such listener
    #[arg(long, env = "METRICS_BIND", global = true)]
    pub metrics_bind: Option<String>,

    /// A token that lets a scraper read /metrics on the portal's own address (sent as
    /// `Authorization: Bearer TOKEN`, at least 32 characters); unset: /metrics is not there
    #[arg(long, env = "METRICS_TOKEN", global = true, hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// At least 64 characters; signs the session cookie. Required outside demo mode.
    #[arg(long, env = "SESSION_KEY", global = true, hide_env_values = true)]
    pub session_key: Option<String>,
}

/// Demo mode only; exactly 64 bytes, as the cookie key needs.
const DEMO_SESSION_KEY: &str = "demo-mode-only-session-key--never-use-outside-demo--0123456789ab";

impl Settings {
    /// The settings a test or demo uses when nothing else is given.
    pub fn for_database(database_url: &str) -> Self {
        Settings {
            database_url: database_url.to_string(),
            bind: "127.0.0.1:0".to_string(),
            smtp_url: None,
            mail_from: "Partner Portal <portal@localhost>".to_string(),
            base_url: None,
            session_key: None,
            mailbox_dir: "data/mailbox".to_string(),
            mail_worker_secs: 5,
            housekeeping_secs: 600,
            trusted_proxies: String::new(),
            metrics_bind: None,
            metrics_token: None,
        }
    }

    /// The cookie-signing key. Demo mode may use a fixed one; a real portal must be given one.
    pub fn session_key_bytes(&self, demo: bool) -> Result<Vec<u8>, String> {
        match (&self.session_key, demo) {
            (Some(k), _) if k.len() >= 64 => Ok(k.as_bytes()[..64].to_vec()),
            (Some(k), _) => Err(format!(
                "SESSION_KEY must be at least 64 characters long (it has {}). \
                 Generate one with: openssl rand -hex 32",
                k.len()
            )),
            (None, true) => Ok(DEMO_SESSION_KEY.as_bytes().to_vec()),
            (None, false) => Err(
                "SESSION_KEY is required outside demo mode (at least 64 characters). \
                 Generate one with: openssl rand -hex 32, or run `serve --demo`."
                    .to_string(),
            ),
        }
    }

    /// The address links in mail point at: BASE_URL, or the bound address.
    pub fn public_url(&self) -> String {
        match &self.base_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The origin (`scheme://host[:port]`) of BASE_URL, if set and valid.
    pub fn base_origin(&self) -> Option<String> {
        let url = url::Url::parse(self.base_url.as_deref()?).ok()?;
        Some(url.origin().ascii_serialization())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_key_has_the_length_the_cookie_key_needs() {
        assert_eq!(DEMO_SESSION_KEY.len(), 64);
    }

    #[test]
    fn session_key_rules() {
        let mut s = Settings::for_database("sqlite://x.db");
        assert!(s.session_key_bytes(true).unwrap().len() == 64);
        let err = s.session_key_bytes(false).unwrap_err();
        assert!(err.contains("SESSION_KEY is required"), "{err}");
        s.session_key = Some("short".into());
        assert!(s
            .session_key_bytes(true)
            .unwrap_err()
            .contains("at least 64"));
        s.session_key = Some("k".repeat(80));
        assert_eq!(s.session_key_bytes(false).unwrap().len(), 64);
    }

    #[test]
    fn base_origin_drops_the_path() {
        let mut s = Settings::for_database("sqlite://x.db");
        assert_eq!(s.base_origin(), None);
        s.base_url = Some("https://partners.example.com/portal/".into());
        assert_eq!(
            s.base_origin().as_deref(),
            Some("https://partners.example.com")
        );
    }
}
