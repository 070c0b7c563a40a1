//! One integration test binary. Each test gets a fresh database (SQLite by default,
//! PostgreSQL when TEST_DATABASE_URL points at a server) and a portal on a random port.

mod helpers;

mod api;
mod api_resources;
mod authorization;
mod browser;
mod catalogue_admin;
mod cli;
mod contact_roles;
mod contract;
mod currencies;
mod dashboard;
mod database;
mod deals;
mod health;
mod inquiries;
mod leads;
mod msp;
mod nfr;
mod order_form;
mod orders;
mod organisations;
mod paging;
mod renewals;
mod scoping;
mod security;
mod settings;
mod smtp_sink;
mod translator;
mod users;
mod webhooks;
