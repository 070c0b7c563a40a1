//! partner-portal: the web portal of a security vendor's sales channel.
//!
//! `main.rs` only parses the command line; everything else lives in this library so that
//! the tests and benchmarks drive the same code as the binary.

pub mod app;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;

pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod seed;
pub mod startup;
pub mod telemetry;
pub mod web;
pub mod webhooks;

/// Chooses rustls's cryptography (ring) for the whole process. Several crates enable
/// different providers; without a choice, the first TLS connection (SMTP with STARTTLS,
/// say) would fail. Safe to call more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
