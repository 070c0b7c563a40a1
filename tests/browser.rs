//! Real headless Chromium, driven through chromedriver: find things by their label and role,
//! as a person would.

use crate::helpers::{spawn_app, Who, PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: std::path::PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn browser() -> Browser {
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {chromedriver} ({e}); run scripts/test, which installs chromium-driver"));
    let profile = std::env::temp_dir().join(format!("pp-chromium-{port}"));
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=1280,900", format!("--user-data-dir={}", profile.display())]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Browser {
                    client,
                    driver,
                    _profile: profile,
                }
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not answer: {last:?}");
}

/// The form control whose `<label>` says `text`.
pub fn by_label(text: &str) -> String {
    format!("//*[@id=//label[normalize-space()='{text}']/@for]")
}

/// A button by its accessible text.
pub fn button(text: &str) -> String {
    format!("//button[normalize-space()='{text}']")
}

pub async fn fill(c: &Client, label: &str, value: &str) {
    let field = c
        .find(Locator::XPath(&by_label(label)))
        .await
        .unwrap_or_else(|_| panic!("field labelled {label}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

pub async fn click_button(c: &Client, text: &str) {
    c.find(Locator::XPath(&button(text)))
        .await
        .unwrap_or_else(|_| panic!("button {text}"))
        .click()
        .await
        .unwrap();
}

pub async fn heading(c: &Client) -> String {
    c.wait()
        .for_element(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_see_the_dashboard_and_sign_out_in_chromium() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    c.goto(&format!("{}/login", app.address)).await.unwrap();
    assert_eq!(heading(c).await, "Sign in to the Partner Portal");
    fill(c, "E-mail address", Who::ResellerAdmin.email()).await;
    fill(c, "Password", PASSWORD).await;
    click_button(c, "Sign in").await;

    c.wait()
        .for_url(&url::Url::parse(&format!("{}/", app.address)).unwrap())
        .await
        .unwrap();
    assert_eq!(heading(c).await, "Welcome, Dana Ortiz");
    let main = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(main.contains("Acme Secure IT"), "{main}");
    assert!(main.contains("Portal administrator"));
    assert!(main.contains("Gold"));
    let nav = c
        .find(Locator::XPath("//nav[@aria-label='Main']"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        nav.contains("Users") && !nav.contains("Organisations"),
        "{nav}"
    );

    click_button(c, "Sign out").await;
    let notice = c
        .wait()
        .for_element(Locator::XPath(
            "//*[@role='status' and contains(., 'You are signed out.')]",
        ))
        .await;
    assert!(notice.is_ok(), "signed-out notice shown");
    // Back on the login page; the dashboard now asks for a sign-in again.
    c.goto(&format!("{}/", app.address)).await.unwrap();
    assert_eq!(heading(c).await, "Sign in to the Partner Portal");
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_wrong_password_is_announced_in_the_browser() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    c.goto(&format!("{}/login", app.address)).await.unwrap();
    fill(c, "E-mail address", Who::ResellerUser.email()).await;
    fill(c, "Password", "not-my-password").await;
    click_button(c, "Sign in").await;
    let alert = c
        .wait()
        .for_element(Locator::XPath("//*[@role='alert']"))
        .await
        .unwrap();
    assert_eq!(
        alert.text().await.unwrap(),
        "The e-mail address or the password is wrong."
    );
    // The e-mail typed stays in its field.
    let email = c
        .find(Locator::XPath(&by_label("E-mail address")))
        .await
        .unwrap();
    assert_eq!(
        email.prop("value").await.unwrap().as_deref(),
        Some(Who::ResellerUser.email())
    );
    b.client.clone().close().await.unwrap();
}
