pub mod account;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod health;
pub mod orgs;
pub mod translator;
pub mod users;
