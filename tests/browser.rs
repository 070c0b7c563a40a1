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
    /// Held while this browser runs (see [`BROWSERS`]).
    _slot: tokio::sync::SemaphorePermit<'static>,
}

/// At most two Chromium instances at a time: on a two-core machine, the whole suite's
/// browsers starting together starve each other and the portals under test, and a wait
/// for an element times out for no fault of the page.
static BROWSERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // A test that failed never closed its session: its Chromium outlives chromedriver.
        let _ = Command::new("pkill")
            .arg("-f")
            .arg(self._profile.as_os_str())
            .status();
        let _ = std::fs::remove_dir_all(&self._profile);
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
    partner_portal::install_crypto_provider();
    let slot = BROWSERS
        .acquire()
        .await
        .expect("the browser semaphore is never closed");
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {chromedriver} ({e}); run scripts/test, which installs chromium-driver"));
    // A profile of its own: a port number comes round again, and a profile another Chromium
    // still holds (a lock left behind) makes the new one exit at start.
    let profile =
        std::env::temp_dir().join(format!("pp-chromium-{port}-{}", rand::random::<u64>()));
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
                    _slot: slot,
                }
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not answer: {last:?}");
}

/// `text` as an XPath string literal (XPath 1 has no escapes: pick the other quote).
pub fn lit(text: &str) -> String {
    if text.contains('\'') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}

/// The form control whose `<label>` says `text`.
pub fn by_label(text: &str) -> String {
    format!("//*[@id=//label[normalize-space()={}]/@for]", lit(text))
}

/// A button by its accessible text.
pub fn button(text: &str) -> String {
    format!("//button[normalize-space()={}]", lit(text))
}

/// Waits (up to 10 s) for an element: right after a click the browser may still show the
/// page before, and `find` alone would look there.
pub async fn find(c: &Client, locator: Locator<'_>, what: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(locator)
        .await
        .unwrap_or_else(|_| panic!("{what}"))
}

pub async fn fill(c: &Client, label: &str, value: &str) {
    let field = find(
        c,
        Locator::XPath(&by_label(label)),
        &format!("field labelled {label}"),
    )
    .await;
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

pub async fn click_button(c: &Client, text: &str) {
    find(c, Locator::XPath(&button(text)), &format!("button {text}"))
        .await
        .click()
        .await
        .unwrap();
}

/// Opens the login page and signs in by the labelled fields, as a person does.
pub async fn sign_in(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    expect_heading(c, "Sign in to the Partner Portal").await;
    snap(c, "01-login").await;
    fill(c, "E-mail address", email).await;
    fill(c, "Password", password).await;
    click_button(c, "Sign in").await;
    // The answer has come (signed in, or the sign-in page saying why not) before the caller
    // goes on: a page asked for meanwhile would race the sign-in's own redirect.
    wait_for(
        c,
        &format!("{} | //*[@role='alert']", button("Sign out")),
        "the answer to the sign-in",
    )
    .await;
}

/// Waits until the page's main heading says `text` (the page may still be loading).
pub async fn expect_heading(c: &Client, text: &str) {
    let xpath = format!("//h1[normalize-space()={}]", lit(text));
    if c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&xpath))
        .await
        .is_err()
    {
        let seen = match c.find(Locator::Css("h1")).await {
            Ok(h) => h.text().await.unwrap_or_default(),
            Err(_) => String::from("(no h1)"),
        };
        panic!("expected the heading {text:?}, the page shows {seen:?}");
    }
}

#[tokio::test]
async fn sign_in_see_the_dashboard_and_sign_out_in_chromium() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    sign_in(c, &app.address, Who::ResellerAdmin.email(), PASSWORD).await;

    c.wait()
        .for_url(&url::Url::parse(&format!("{}/", app.address)).unwrap())
        .await
        .unwrap();
    expect_heading(c, "Welcome, Dana Ortiz").await;
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
        nav.contains("Sales") && nav.contains("Organisation") && !nav.contains("Administration"),
        "{nav}"
    );
    // The vendor admin's long menu included, the sections fit one row at 1366 px.
    c.set_window_size(1366, 900).await.unwrap();
    let rows = menu_rows_spread(c).await;
    assert!(
        rows.as_i64().is_some_and(|d| d < 16),
        "{rows} px between rows: {nav}"
    );
    // A section opens from the keyboard and Escape closes it again.
    let section = c
        .find(Locator::XPath(
            "//nav//summary[normalize-space()='Organisation']",
        ))
        .await
        .unwrap();
    c.execute(
        "arguments[0].focus();",
        vec![serde_json::to_value(&section).unwrap()],
    )
    .await
    .unwrap();
    section.send_keys("\u{E007}").await.unwrap();
    let users = c
        .find(Locator::XPath("//nav//a[normalize-space()='Users']"))
        .await
        .unwrap();
    assert!(
        users.is_displayed().await.unwrap(),
        "Enter opens the section"
    );
    section.send_keys("\u{E00C}").await.unwrap();
    assert!(!users.is_displayed().await.unwrap(), "Escape closes it");

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
    expect_heading(c, "Sign in to the Partner Portal").await;
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_wrong_password_is_announced_in_the_browser() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    sign_in(
        c,
        &app.address,
        Who::ResellerUser.email(),
        "not-my-password",
    )
    .await;
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

/// Saves a screenshot when SCREENSHOTS names a folder (for looking at pages during work).
pub async fn snap(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}

pub async fn check(c: &Client, label: &str) {
    let xpath = format!("//label[normalize-space()={}]/input", lit(label));
    c.find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|_| panic!("checkbox labelled {label}"))
        .click()
        .await
        .unwrap();
}

pub async fn choose(c: &Client, label: &str, option: &str) {
    let select = find(
        c,
        Locator::XPath(&by_label(label)),
        &format!("select {label}"),
    )
    .await;
    select
        .select_by_label(option)
        .await
        .unwrap_or_else(|_| panic!("option {option} in {label}"));
}

#[tokio::test]
async fn the_vendor_admin_creates_a_reseller_in_the_browser_and_fixes_a_mistake() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    sign_in(c, &app.address, Who::VendorAdmin.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Avery Whitfield").await;
    snap(c, "02-dashboard").await;

    follow(c, "Organisations").await;
    expect_heading(c, "Distributors and resellers").await;
    snap(c, "03-organisations").await;
    follow(c, "New organisation").await;
    expect_heading(c, "New distributor or reseller").await;
    check(c, "Reseller").await;
    fill(c, "Organisation name", "Harbor Secure").await;
    choose(c, "Partner level", "Gold").await;
    check(c, "Northwind Distribution").await;
    fill(c, "Administrator's name", "Hana Berg").await;
    fill(c, "Administrator's e-mail address", "hana@harbor.example").await;
    click_button(c, "Create organisation").await;

    // The form comes back with the messages next to the fields and the input kept.
    let error = c
        .wait()
        .for_element(Locator::Css("#cam_user_id-error"))
        .await
        .unwrap();
    assert_eq!(
        error.text().await.unwrap(),
        "Choose the reseller's channel account manager."
    );
    let name = c
        .find(Locator::XPath(&by_label("Organisation name")))
        .await
        .unwrap();
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("Harbor Secure")
    );
    snap(c, "04-org-form-errors").await;

    choose(c, "Channel account manager", "Casey Morgan").await;
    click_button(c, "Create organisation").await;
    let status = c
        .wait()
        .for_element(Locator::Css("[role=status]"))
        .await
        .unwrap();
    let text = status.text().await.unwrap();
    assert!(
        text.starts_with(
            "Harbor Secure created; an invitation to choose a password went to hana@harbor.example"
        ),
        "{text}"
    );
    // A new reseller joins the partner program: its level's NFR allotment is issued.
    assert!(text.contains("Its NFR allotment ("), "{text}");
    snap(c, "05-org-created").await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organisations WHERE name = 'Harbor Secure'")
            .await,
        1
    );

    // Hana opens the link of her invitation mail and chooses her own password.
    let link = app.invitation_path("hana@harbor.example").await;
    c.goto(&format!("{}{link}", app.address)).await.unwrap();
    expect_heading(c, "Choose your password").await;
    fill(c, "Password", "hanas-own-password").await;
    fill(c, "The same password again", "hanas-own-passwort").await;
    click_button(c, "Set my password and sign in").await;
    let error = c
        .wait()
        .for_element(Locator::Css("#confirm-error"))
        .await
        .unwrap();
    assert_eq!(error.text().await.unwrap(), "The two passwords differ.");
    fill(c, "Password", "hanas-own-password").await;
    fill(c, "The same password again", "hanas-own-password").await;
    click_button(c, "Set my password and sign in").await;
    expect_heading(c, "Welcome, Hana Berg").await;
    expect_status(c, "Welcome, Hana Berg. Your password is set").await;
    // The link works once.
    c.goto(&format!("{}{link}", app.address)).await.unwrap();
    expect_heading(c, "This invitation link does not work").await;
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_reseller_admin_disables_a_user_in_place_with_htmx() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    sign_in(c, &app.address, Who::ResellerAdmin.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Dana Ortiz").await;
    c.goto(&format!("{}/users", app.address)).await.unwrap();
    expect_heading(c, "Users of Acme Secure IT").await;
    snap(c, "06-users").await;
    let url_before = c.current_url().await.unwrap();
    c.find(Locator::XPath(
        "//button[normalize-space()='Disable Lee Fischer']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    // htmx swaps the row: the button becomes "Enable", the page stays where it was.
    c.wait()
        .for_element(Locator::XPath(
            "//button[normalize-space()='Enable Lee Fischer']",
        ))
        .await
        .expect("the row now offers Enable");
    assert_eq!(c.current_url().await.unwrap(), url_before);
    let lee = app.id_of_user(Who::ResellerUser.email()).await;
    assert_eq!(
        app.scalar(&format!("SELECT disabled FROM users WHERE id = {lee}"))
            .await,
        1
    );

    // Live search narrows the table as one types.
    fill(c, "Search by name or e-mail", "priya").await;
    c.wait()
        .for_element(Locator::XPath(
            "//tbody[not(contains(., 'Lee Fischer')) and contains(., 'Priya Nair')]",
        ))
        .await
        .expect("the search narrowed the rows");
    snap(c, "07-users-search").await;
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_reseller_translates_legacy_skus_in_the_browser() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    sign_in(c, &app.address, Who::ResellerUser.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Lee Fischer").await;
    follow(c, "SKU translator").await;
    expect_heading(c, "SKU translator").await;
    fill(
        c,
        "Legacy SKUs, one a line",
        "IXA-U10-N12M\nIXA-U10-N1M x 17\nEPIXADB10SN12X",
    )
    .await;
    fill(c, "Accepted on", "").await;
    // The date field takes the digits as a person types them.
    let date = c
        .find(Locator::XPath(&by_label("Accepted on")))
        .await
        .unwrap();
    date.send_keys("10012023").await.unwrap();
    click_button(c, "Translate").await;
    let row = c
        .wait()
        .for_element(Locator::XPath("//tbody/tr[contains(., 'EPIXADB10SN17J')]"))
        .await
        .expect("the 17-month line");
    let text = row.text().await.unwrap();
    assert!(
        text.contains("Rejected") && text.contains("USD 59.50"),
        "{text}"
    );
    let summary = c
        .find(Locator::XPath("//p[contains(., 'accepted ·')]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        summary,
        "1 accepted · 1 rejected · 1 not understood. Prices are MSRP per unit in USD."
    );
    snap(c, "08-translator").await;
    // htmx kept the text the person typed in the box.
    let lines = c
        .find(Locator::XPath(&by_label("Legacy SKUs, one a line")))
        .await
        .unwrap();
    assert!(lines
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
        .contains("IXA-U10-N1M x 17"));
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_reseller_admin_ticks_a_contact_role_and_it_stays_ticked() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    sign_in(c, &app.address, Who::ResellerAdmin.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Dana Ortiz").await;
    follow(c, "Contact roles").await;
    expect_heading(c, "Contact roles").await;
    let label = "Renewals for Priya Nair";
    let checkbox = c
        .find(Locator::XPath(&by_label(label)))
        .await
        .expect("a checkbox labelled per person and role");
    assert!(!checkbox.is_selected().await.unwrap());
    checkbox.click().await.unwrap();
    c.wait()
        .for_element(Locator::XPath(
            "//span[@role='status' and normalize-space()='Saved: on']",
        ))
        .await
        .expect("the cell says it saved");
    // The warning about nobody holding Renewals is gone without a reload.
    let warnings = c
        .find(Locator::Id("role-warnings"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!warnings.contains("Nobody holds Renewals"), "{warnings}");
    snap(c, "09-contact-roles").await;

    c.refresh().await.unwrap();
    expect_heading(c, "Contact roles").await;
    let checkbox = c.find(Locator::XPath(&by_label(label))).await.unwrap();
    assert!(
        checkbox.is_selected().await.unwrap(),
        "still ticked after a reload"
    );
    click_button(c, "Sign out").await;

    sign_in(c, &app.address, Who::OtherResellerAdmin.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Alex Novak").await;
    c.goto(&format!("{}/contact-roles", app.address))
        .await
        .unwrap();
    expect_heading(c, "Contact roles").await;
    let page = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("Priya Nair") && page.contains("Kim Yamada"),
        "{page}"
    );
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn inquiry_quote_and_acceptance_across_three_parties_in_chromium() {
    use partner_portal::mail::{worker, Mailer};
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;

    // The reseller asks for a price.
    sign_in(c, &app.address, Who::ResellerUser.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Lee Fischer").await;
    follow(c, "Pricing inquiries").await;
    follow(c, "New pricing inquiry").await;
    expect_heading(c, "New pricing inquiry").await;
    choose(c, "One of your end customers", "Harbour Logistics Ltd").await;
    choose(c, "Distributor", "Northwind Distribution (prices in USD)").await;
    click_button(c, "Create the inquiry").await;
    c.wait()
        .for_element(Locator::XPath(
            "//h1[starts-with(., 'Pricing inquiry PI-')]",
        ))
        .await
        .unwrap();
    // A legacy SKU is refused today, with its new SKU offered as a button that fills the
    // field (and the live preview follows).
    fill(c, "SKU or legacy SKU", "IXA-U10-N12M").await;
    fill(c, "Quantity", "25").await;
    click_button(c, "Add the line").await;
    click_button(c, "Put EPIXADB10SN12T in the field").await;
    let sku = find(
        c,
        Locator::XPath(&by_label("SKU or legacy SKU")),
        "SKU field",
    )
    .await;
    assert_eq!(
        sku.prop("value").await.unwrap().as_deref(),
        Some("EPIXADB10SN12T")
    );
    c.wait()
        .for_element(Locator::XPath(
            "//*[@id='line-preview' and contains(., 'USD 1,050.00')]",
        ))
        .await
        .expect("the preview shows the MSRP while typing");
    // The refusal of the legacy SKU is gone now that the line is valid.
    wait_for(
        c,
        "//*[@id='sku-error' and normalize-space()='']",
        "the stale SKU message taken away",
    )
    .await;
    assert!(
        c.find(Locator::XPath(
            "//*[@role='alert' and contains(., 'This line was not added')]"
        ))
        .await
        .is_err(),
        "the refusal's alert is gone"
    );
    click_button(c, "Add the line").await;
    c.wait()
        .for_element(Locator::XPath("//tfoot[contains(., 'USD 1,050.00')]"))
        .await
        .unwrap();
    click_button(c, "Submit to Northwind Distribution").await;
    c.wait()
        .for_element(Locator::XPath(
            "//*[@role='status' and contains(., 'is sent to Northwind Distribution')]",
        ))
        .await
        .unwrap();
    let inquiry_url = c.current_url().await.unwrap();
    click_button(c, "Sign out").await;

    // The distributor quotes, lowering the program discount with a reason.
    sign_in(c, &app.address, Who::DistributorStaff.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Sam Patel").await;
    c.goto(inquiry_url.as_str()).await.unwrap();
    c.wait()
        .for_element(Locator::XPath("//h2[.='Prepare the quote']"))
        .await
        .unwrap();
    let program = c
        .find(Locator::XPath(
            "//input[starts-with(@id, 'bp_') and contains(@id, '_program')]",
        ))
        .await
        .unwrap();
    let label = program.attr("id").await.unwrap().unwrap();
    let label_text = c
        .find(Locator::XPath(&format!("//label[@for='{label}']")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(label_text, "Partner program % for EPIXADB10SN12T");
    fill(c, "Partner program % for EPIXADB10SN12T", "10").await;
    // The net follows the typing (registration 10% and promotion 7% after the program's 10%).
    wait_for(c, "//*[@id='net-total' and .='USD 790.96']", "the live net").await;
    fill(c, "Note to the reseller", "Thanks for asking").await;
    fill(c, "Internal note", "floor reached").await;
    // Sent without a reason: refused on the page's own address, with everything kept.
    click_button(c, "Send the quote").await;
    wait_for(
        c,
        "//*[@role='alert' and contains(., 'The quote was not sent')]",
        "the refusal",
    )
    .await;
    let url = c.current_url().await.unwrap();
    assert_eq!(
        url.path(),
        inquiry_url.path(),
        "a reload re-submits nothing"
    );
    for (label, typed) in [
        ("Partner program % for EPIXADB10SN12T", "10"),
        ("Note to the reseller", "Thanks for asking"),
        ("Internal note", "floor reached"),
    ] {
        let field = find(c, Locator::XPath(&by_label(label)), label).await;
        assert_eq!(field.prop("value").await.unwrap().as_deref(), Some(typed));
    }
    fill(
        c,
        "Why lowered (internal), Partner program, EPIXADB10SN12T",
        "price agreed",
    )
    .await;
    c.find(Locator::XPath(
        "//label[normalize-space()='Show the reason to the reseller (Partner program, EPIXADB10SN12T)']/input",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    snap(c, "10-quote-desk").await;
    click_button(c, "Send the quote").await;
    c.wait()
        .for_element(Locator::XPath(
            "//*[@role='status' and contains(., 'Quote version 1')]",
        ))
        .await
        .unwrap();
    snap(c, "10-quote-sent").await;
    // The revise form starts from what was sent (10% and its reason), the sent quote above it.
    expect_heading_h2(c, "Revise the quote").await;
    for (label, sent) in [
        ("Partner program % for EPIXADB10SN12T", "10"),
        (
            "Why lowered (internal), Partner program, EPIXADB10SN12T",
            "price agreed",
        ),
        ("Note to the reseller", "Thanks for asking"),
    ] {
        let field = find(c, Locator::XPath(&by_label(label)), label).await;
        assert_eq!(field.prop("value").await.unwrap().as_deref(), Some(sent));
    }
    let above = c
        .execute(
            "var q = document.getElementById('quote-1'), r = document.getElementById('quote-heading'); \
             return !!(q.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        above.as_bool(),
        Some(true),
        "the sent quote stands above the form"
    );
    click_button(c, "Sign out").await;

    // The reseller sees every level with its source and accepts.
    sign_in(c, &app.address, Who::ResellerUser.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Lee Fischer").await;
    c.goto(inquiry_url.as_str()).await.unwrap();
    let quote = find(
        c,
        Locator::XPath("//table[contains(., 'why this price')]"),
        "the quote's levels",
    )
    .await
    .text()
    .await
    .unwrap();
    for expected in [
        "Partner program 10%",
        "price agreed",
        "Deal registration 10%",
        "Promotion 7%",
        "USD 790.96",
    ] {
        assert!(quote.contains(expected), "{expected} missing in {quote}");
    }
    let body = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Thanks for asking") && !body.contains("floor reached"));
    snap(c, "11-quote-seen").await;
    follow(c, "Accept and place the order…").await;
    // The confirmation names what binds: the net total, the validity, the distributor.
    let reference: String = sqlx::query_scalar("SELECT reference FROM inquiries")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    expect_heading(c, &format!("Accept the quote for {reference}")).await;
    let confirm = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for shown in [
        "binding order",
        "Northwind Distribution",
        "USD 790.96",
        "Valid until",
    ] {
        assert!(confirm.contains(shown), "{shown}: {confirm}");
    }
    fill(c, "Your purchase-order reference (optional)", "PO-77").await;
    click_button(c, "Place the order").await;
    expect_status(c, "is placed with Northwind Distribution").await;
    // It lands on the order's page, which keeps the reference.
    let heading = find(c, Locator::Css("h1"), "the order's heading").await;
    assert!(heading.text().await.unwrap().starts_with("Order SO-"));
    let facts = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(facts.contains("PO-77"), "{facts}");
    b.client.clone().close().await.unwrap();

    // The mail of the flow lands in a real SMTP server.
    let sink = crate::smtp_sink::start(0).await;
    let mut settings = partner_portal::config::Settings::for_database("sqlite://unused.db");
    settings.smtp_url = Some(format!("smtp://127.0.0.1:{}", sink.port));
    let mailer = Mailer::from_settings(&settings).unwrap();
    worker::try_run_once(&app.db, &mailer, app.clock.timestamp())
        .await
        .unwrap();
    let mut to: Vec<String> = sink.messages().iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "admin@distributor.example",
            "admin@distributor.example",
            "admin@reseller.example",
            "admin@reseller.example",
            "sales@reseller.example",
            "sales@reseller.example"
        ],
        "inquiry to Northwind; quote to the author and Acme's admin; the placed order to Northwind's quotes and Acme's renewals roles (their admins) and the author"
    );
}

/// Clicks the link whose text is `text`.
async fn follow(c: &Client, text: &str) {
    // By its text in the document: a link in a closed menu section has no rendered text.
    let xpath = format!("//a[normalize-space()={}]", lit(text));
    let link = find(c, Locator::XPath(&xpath), &format!("link {text}")).await;
    // A page of the menu sits in a section: open the section first, as a person would.
    if !link.is_displayed().await.unwrap_or(true) {
        let section = format!(
            "//nav//details[.//a[normalize-space()={}]]/summary",
            lit(text)
        );
        c.find(Locator::XPath(&section))
            .await
            .unwrap_or_else(|_| panic!("no menu section holds {text}"))
            .click()
            .await
            .unwrap();
    }
    link.click().await.unwrap();
}

/// Follows the link `text` and waits for the page headed `heading`.
async fn open(c: &Client, text: &str, heading: &str) {
    follow(c, text).await;
    expect_heading(c, heading).await;
}

/// Waits until the page has a field labelled `label` (after a plain form's round trip).
async fn wait_for_field(c: &Client, label: &str) {
    c.wait()
        .for_element(Locator::XPath(&by_label(label)))
        .await
        .unwrap_or_else(|_| panic!("a field labelled {label}"));
}

/// Waits for a status message (flash) that contains `text`.
/// axe-core (installed by scripts/test from the npm registry; `AXE_JS` names the file).
fn axe_source() -> String {
    let path = std::env::var("AXE_JS").unwrap_or_else(|_| {
        format!(
            "{}/.cache/partner-portal/axe-core-4.14.1/node_modules/axe-core/axe.min.js",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read axe-core at {path} ({e}); run scripts/test, which installs it")
    })
}

/// Runs axe-core on the page shown: the serious and critical violations, and content outside
/// the landmarks (region), one line each.
async fn axe_violations(c: &Client, source: &str) -> Vec<String> {
    // Injected through WebDriver, which the page's CSP does not govern.
    c.execute(
        &format!("if (typeof axe === 'undefined') {{ {source} }} return true;"),
        vec![],
    )
    .await
    .unwrap();
    let version = c.execute("return axe.version;", vec![]).await.unwrap();
    assert!(
        version.as_str().is_some_and(|v| v.starts_with("4.")),
        "axe-core 4.x is loaded: {version}"
    );
    let found = c
        .execute_async(
            "var done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] }).then(function (r) {\
               done(r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical' || v.id === 'region'; })\
                 .map(function (v) { return v.id + ' (' + v.impact + '): ' + v.help + ' at ' +\
                   v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(', '); }));\
             });",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// How many pixels lie between the top of the highest and the lowest entry of the main menu
/// (0 when it is one row).
async fn menu_rows_spread(c: &Client) -> serde_json::Value {
    c.execute("var tops = Array.from(document.querySelectorAll('nav[aria-label=Main] > ul > li')).map(e => e.getBoundingClientRect().top); return Math.round(Math.max(...tops) - Math.min(...tops));", vec![])
        .await
        .unwrap()
}

/// Waits for a second-level heading `text`.
async fn expect_heading_h2(c: &Client, text: &str) {
    wait_for(
        c,
        &format!("//h2[normalize-space()={}]", lit(text)),
        &format!("heading {text}"),
    )
    .await;
}

/// Waits (up to 10 s) for an element matching `xpath`, naming `what` when it never comes.
async fn wait_for(c: &Client, xpath: &str, what: &str) {
    if c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(xpath))
        .await
        .is_err()
    {
        let body = c.source().await.unwrap_or_default();
        panic!("no {what} on the page:\n{body}");
    }
}

async fn expect_status(c: &Client, text: &str) {
    let xpath = format!("//*[@role='status' and contains(., {})]", lit(text));
    if c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&xpath))
        .await
        .is_err()
    {
        let body = c.source().await.unwrap_or_default();
        panic!("no status saying {text:?} on the page:\n{body}");
    }
}

#[tokio::test]
async fn a_distributor_orders_the_vendor_processes_and_the_reseller_downloads_the_schedule() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;

    // The distributor enters the order.
    sign_in(c, &app.address, Who::DistributorStaff.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Sam Patel").await;
    open(c, "Orders", "Orders").await;
    open(c, "Enter an order", "Enter an order").await;
    choose(c, "Reseller", "Acme Secure IT").await;
    click_button(c, "Continue").await;
    wait_for_field(c, "End customer").await;
    choose(c, "End customer", "Harbour Logistics Ltd").await;
    click_button(c, "Continue").await;
    wait_for_field(c, "SKU, line 1").await;
    fill(c, "SKU, line 1", "EPIXADB10SN12T").await;
    fill(c, "Quantity, line 1", "25").await;
    click_button(c, "Check the order").await;
    c.wait()
        .for_element(Locator::XPath(
            "//p[contains(., 'Net total with the approved discounts')]",
        ))
        .await
        .unwrap();
    snap(c, "order-checked").await;
    click_button(c, "Place the order").await;
    expect_status(c, "is placed").await;
    click_button(c, "Sign out").await;

    // The vendor processes it.
    sign_in(c, &app.address, Who::VendorAdmin.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Avery Whitfield").await;
    open(c, "Orders", "Orders").await;
    click_button(c, "Process placed orders now").await;
    expect_status(c, "Processed 1 order with completion date 2026-03-02").await;
    click_button(c, "Sign out").await;

    // The reseller finds the entry and downloads the PDF.
    sign_in(c, &app.address, Who::ResellerUser.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Lee Fischer").await;
    open(c, "License schedules", "License schedules").await;
    open(
        c,
        "Harbour Logistics Ltd",
        "License schedule of Harbour Logistics Ltd",
    )
    .await;
    let row = c
        .find(Locator::XPath("//tr[td/code[.='EPIXADB10SN12T']]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        row.contains("2026-03-02") && row.contains("2027-03-01"),
        "{row}"
    );
    snap(c, "schedule").await;
    let pdf = c
        .find(Locator::LinkText("Download as PDF"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    // The download, with the browser's own session cookie.
    let cookies = c.get_all_cookies().await.unwrap();
    let cookie = cookies
        .iter()
        .map(|k| format!("{}={}", k.name(), k.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let r = reqwest::Client::new()
        .get(format!("{}{pdf}", app.address))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = crate::orders::pdf_text(&r.bytes().await.unwrap());
    assert!(
        text.contains("License schedule – Harbour Logistics Ltd"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.contains("EPIXADB10SN12T"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("2026-03-02") && line.contains("2027-03-01"),
        "{line}"
    );
}

#[tokio::test]
async fn a_distributor_files_an_nfr_request_and_the_cam_approves_it() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;

    sign_in(c, &app.address, Who::DistributorStaff.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Sam Patel").await;
    open(c, "NFR licenses", "NFR licenses").await;
    open(c, "Request NFR licenses", "Request NFR licenses").await;
    choose(c, "For the reseller", "Acme Secure IT").await;
    click_button(c, "Continue").await;
    wait_for_field(c, "Product, line 1").await;
    choose(
        c,
        "Product, line 1",
        "Intercept X Advanced, 10-24 users, 12 months, not for resale",
    )
    .await;
    fill(c, "Quantity, line 1", "5").await;
    fill(c, "Justification", "A demo lab for Acme's sales engineers").await;
    click_button(c, "Send the request").await;
    expect_status(c, "is sent to its channel account manager for a decision").await;
    let request_url = c.current_url().await.unwrap();
    click_button(c, "Sign out").await;

    sign_in(c, &app.address, Who::ChannelManager.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Casey Morgan").await;
    follow(c, "NFR licenses").await;
    find(
        c,
        Locator::XPath("//a[starts-with(., 'NFR-2026-')]"),
        "the request in the CAM's list",
    )
    .await
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::XPath(
            "//h1[starts-with(., 'NFR request NFR-2026-')]",
        ))
        .await
        .unwrap();
    assert_eq!(c.current_url().await.unwrap(), request_url);
    let filed = c
        .find(Locator::XPath(
            "//dt[.='Filed by']/following-sibling::dd[1]",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        filed,
        "Sam Patel of Northwind Distribution, on behalf of Acme Secure IT"
    );
    snap(c, "nfr-request").await;
    click_button(c, "Approve and issue the licenses…").await;
    wait_for(
        c,
        "//li[starts-with(., 'Issues 5 licenses at no charge to Acme Secure IT')]",
        "what the approval does",
    )
    .await;
    click_button(c, "Yes, approve").await;
    expect_status(c, "is processed and on the reseller's schedule").await;
    let status = c
        .find(Locator::XPath("//dt[.='Status']/following-sibling::dd[1]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.starts_with("Approved"), "{status}");
    let entries = app
        .scalar("SELECT COUNT(*) FROM license_entries e JOIN organisations r ON r.id = e.reseller_id WHERE r.name = 'Acme Secure IT' AND e.start_date = '2026-03-02' AND e.end_date = '2027-03-01' AND e.quantity = 5")
        .await;
    assert_eq!(entries, 1);
}

/// The renewal journey as its three people do it: the reseller ticks a subscription on its
/// schedule and asks for renewal pricing, the distributor quotes, the reseller accepts, the
/// vendor processes; the schedule then shows the renewal starting the day after the old end.
#[tokio::test]
async fn a_reseller_renews_a_subscription_from_its_schedule() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let (old_end, description): (String, String) = sqlx::query_as(
        "SELECT end_date, description FROM license_entries WHERE sku LIKE 'EPIXADB25SN12%' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let old_end = chrono::NaiveDate::parse_from_str(&old_end, "%Y-%m-%d").unwrap();
    let new_start = old_end.succ_opt().unwrap();
    let b = browser().await;
    let c = &b.client;

    sign_in(c, &app.address, Who::ResellerUser.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Lee Fischer").await;
    open(c, "License schedules", "License schedules").await;
    let label = format!("Renew 40 × {description} of Harbour Logistics Ltd, ending {old_end}");
    find(
        c,
        Locator::XPath(&by_label(&label)),
        "the Renew box of the entry",
    )
    .await
    .click()
    .await
    .unwrap();
    c.set_window_size(390, 844).await.unwrap();
    snap(c, "renewal-schedule-390").await;
    assert_no_horizontal_scroll(c, "the schedule").await;
    c.set_window_size(1366, 900).await.unwrap();
    snap(c, "renewal-schedule-1366").await;
    click_button(c, "Ask for renewal pricing").await;
    expect_status(c, "asks for renewal pricing").await;
    c.set_window_size(390, 844).await.unwrap();
    snap(c, "renewal-draft-390").await;
    assert_no_horizontal_scroll(c, "the renewal draft").await;
    c.set_window_size(1366, 900).await.unwrap();
    // Two years instead of one: the line keeps renewing the entry.
    fill(c, "Renewal term (months)", "24").await;
    let line_sku: String =
        sqlx::query_scalar("SELECT sku FROM inquiry_lines ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    click_button(c, &format!("Change the term of {line_sku}")).await;
    find(
        c,
        Locator::XPath("//td/code[starts-with(., 'EPIXADB25SR24')]"),
        "the 24-month renewal SKU",
    )
    .await;
    click_button(c, "Submit to Northwind Distribution").await;
    expect_status(c, "is sent to Northwind Distribution").await;
    click_button(c, "Sign out").await;
    let reference: String =
        sqlx::query_scalar("SELECT reference FROM inquiries ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();

    quote_accept_and_process(c, &app.address, &reference).await;

    sign_in(c, &app.address, Who::ResellerUser.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Lee Fischer").await;
    open(c, "License schedules", "License schedules").await;
    let new_end = new_start
        .checked_add_months(chrono::Months::new(24))
        .unwrap()
        .pred_opt()
        .unwrap();
    let renewal_row = format!(
        "//tr[td/code[starts-with(., 'EPIXADB25SR24')] and td[normalize-space()='{new_start}'] and td[normalize-space()='{new_end}']]"
    );
    find(
        c,
        Locator::XPath(&renewal_row),
        "the renewal on the schedule, starting the day after the old end",
    )
    .await;
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_reseller_upgrades_a_subscription_from_its_schedule() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let (old_end, description): (String, String) = sqlx::query_as(
        "SELECT end_date, description FROM license_entries WHERE sku LIKE 'EPIXADB25SN12%' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let xdr: String = sqlx::query_scalar(
        "SELECT description FROM catalogue_items WHERE family = 'EPIXDR' AND band = 'B25'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let old_end = chrono::NaiveDate::parse_from_str(&old_end, "%Y-%m-%d").unwrap();
    let today = app.clock.today();
    // The months left, rounded up, counted independently of the portal.
    let months = (1..=60u32)
        .find(|m| {
            today.checked_add_months(chrono::Months::new(*m)).unwrap() - chrono::Days::new(1)
                >= old_end
        })
        .unwrap();
    let b = browser().await;
    let c = &b.client;

    sign_in(c, &app.address, Who::ResellerUser.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Lee Fischer").await;
    open(c, "License schedules", "License schedules").await;
    let name = format!("Upgrade or add to {description} of Harbour Logistics Ltd");
    find(
        c,
        Locator::XPath(&format!("//a[@aria-label={}]", lit(&name))),
        "the entry's upgrade link, by its accessible name",
    )
    .await
    .click()
    .await
    .unwrap();
    expect_heading(c, "Upgrade or add to a subscription").await;
    c.set_window_size(390, 844).await.unwrap();
    snap(c, "upgrade-form-390").await;
    assert_no_horizontal_scroll(c, "the upgrade form").await;
    c.set_window_size(1366, 900).await.unwrap();
    choose(c, "Upgrade to or add", &format!("{xdr} (EPIXDR B25)")).await;
    fill(c, "Quantity", "40").await;
    click_button(c, "Ask for upgrade pricing").await;
    expect_status(c, "asks for the pricing of a mid-term change").await;
    let sku_prefix = format!("EPIXDRB25SU{months:02}");
    find(
        c,
        Locator::XPath(&format!("//code[starts-with(., '{sku_prefix}')]")),
        "the months-left U SKU on the draft",
    )
    .await;
    click_button(c, "Submit to Northwind Distribution").await;
    expect_status(c, "is sent to Northwind Distribution").await;
    click_button(c, "Sign out").await;
    let reference: String =
        sqlx::query_scalar("SELECT reference FROM inquiries ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();

    quote_accept_and_process(c, &app.address, &reference).await;

    // On the schedule: from today, ending with the entry it changes.
    sign_in(c, &app.address, Who::ResellerUser.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Lee Fischer").await;
    open(c, "License schedules", "License schedules").await;
    let row = format!(
        "//tr[td/code[starts-with(., '{sku_prefix}')] and td[normalize-space()='{today}'] and td[normalize-space()='{old_end}']]"
    );
    find(
        c,
        Locator::XPath(&row),
        "the co-termed upgrade on the schedule",
    )
    .await;
    // Its order's page, from the schedule's order number, says what the line changed.
    let order_ref: String =
        sqlx::query_scalar("SELECT reference FROM orders ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    follow(c, &order_ref).await;
    expect_heading(c, &format!("Order {order_ref}")).await;
    find(
        c,
        Locator::XPath(&format!(
            "//*[contains(., 'Changed the subscription ending {old_end}, co-termed with it.')]"
        )),
        "what the order's line changed",
    )
    .await;
    c.set_window_size(390, 844).await.unwrap();
    snap(c, "order-page-390").await;
    assert_no_horizontal_scroll(c, "the order page").await;
    b.client.clone().close().await.unwrap();
}

/// Sam quotes the submitted inquiry `reference` as proposed, Lee accepts it, and the vendor
/// admin processes the order today; each signs out after.
async fn quote_accept_and_process(c: &Client, base: &str, reference: &str) {
    sign_in(c, base, Who::DistributorStaff.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Sam Patel").await;
    open(c, "Pricing inquiries", "Pricing inquiries").await;
    follow(c, reference).await;
    click_button(c, "Send the quote").await;
    expect_status(c, "is sent").await;
    click_button(c, "Sign out").await;

    sign_in(c, base, Who::ResellerUser.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Lee Fischer").await;
    open(c, "Pricing inquiries", "Pricing inquiries").await;
    follow(c, reference).await;
    follow(c, "Accept and place the order…").await;
    click_button(c, "Place the order").await;
    expect_status(c, "order SO-").await;
    click_button(c, "Sign out").await;

    sign_in(c, base, Who::VendorAdmin.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Avery Whitfield").await;
    open(c, "Orders", "Orders").await;
    click_button(c, "Process placed orders now").await;
    expect_status(c, "Processed 1 order with").await;
    click_button(c, "Sign out").await;
}

/// The page is no wider than the window (nothing cut off on a phone).
async fn assert_no_horizontal_scroll(c: &Client, what: &str) {
    let widths = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, window) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    if scroll > window {
        // Name the innermost elements that stick out, to say what to fix.
        let culprits = c
            .execute(
                "return Array.from(document.querySelectorAll('body *')).filter(e => \
                   e.getBoundingClientRect().right > window.innerWidth + 1 && \
                   !e.closest('.table-scroll') && \
                   !Array.from(e.children).some(k => k.getBoundingClientRect().right > window.innerWidth + 1)) \
                 .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + \
                   Math.round(e.getBoundingClientRect().right) + 'px');",
                vec![],
            )
            .await
            .unwrap();
        panic!("{what} is {scroll} px wide in a {window} px window: {culprits}");
    }
}

/// The pages this round added or changed read on a phone: nothing sticks out at 390 px.
#[tokio::test]
async fn the_new_pages_fit_a_phone() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let b = browser().await;
    let c = &b.client;
    c.set_window_size(390, 844).await.unwrap();
    let base = app.address.as_str();
    let visit = |path: &'static str, heading: &'static str| async move {
        c.goto(&format!("{base}{path}")).await.unwrap();
        expect_heading(c, heading).await;
        snap(c, &format!("phone{}", path.replace(['/', '?', '='], "-"))).await;
        assert_no_horizontal_scroll(c, path).await;
    };
    sign_in(c, &app.address, Who::VendorAdmin.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Avery Whitfield").await;
    visit("/admin/settings", "Time limits, reminders and time zone").await;
    visit("/admin/messages", "Messages to the channel").await;
    visit(
        "/admin/licenses/import",
        "Import licenses from the old system",
    )
    .await;
    visit("/account", "My account").await;
    click_button(c, "Sign out").await;
    sign_in(c, &app.address, Who::ChannelManager.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Casey Morgan").await;
    visit("/leads?status=idle", "Leads of your resellers").await;
    // The demo's idle lead, with the reassign form.
    follow(c, "Coastal Schools Trust").await;
    expect_heading(c, "Lead: Coastal Schools Trust").await;
    find(
        c,
        Locator::XPath("//h2[normalize-space()='Give this lead to another partner']"),
        "the reassign form of an idle lead",
    )
    .await;
    assert_no_horizontal_scroll(c, "an idle lead").await;
    b.client.clone().close().await.unwrap();
}

/// Every role's home page counts the demo's work, the menu fits one row at 1366 px, and the
/// pages of the three journeys fit a 390 px phone.
#[tokio::test]
async fn each_role_s_pages_fit_both_widths() {
    let app = spawn_app().await;
    app.seed_history().await;
    let inquiry: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM inquiries WHERE status = 'submitted'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let quoted: i64 = sqlx::query_scalar("SELECT MIN(id) FROM inquiries WHERE status = 'quoted'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let order: i64 = sqlx::query_scalar("SELECT MIN(id) FROM orders")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let b = browser().await;
    let c = &b.client;
    let base = app.address.as_str();
    let inquiry_page = format!("/inquiries/{inquiry}");
    let quoted_page = format!("/inquiries/{quoted}");
    let accept_page = format!("/inquiries/{quoted}/accept");
    let order_page = format!("/orders/{order}");
    // Acme's endpoint, with a delivery that failed for good.
    let webhook: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (org_id, url, events, secret, created_at) \
         SELECT id, 'https://psa.acme.example/portal-events/very/long/path/that/wraps', 'order.placed,quote.sent', 'whsec_x', 0 \
         FROM organisations WHERE name = 'Acme Secure IT' RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, dedupe_key, event_id, event_type, payload, status, attempts, \
         next_attempt_at, last_status, last_error, created_at) \
         VALUES ($1, 'widths', 'evt_widths0123456789abcdef', 'order.placed', '{}', 'dead', 6, 0, 503, \
         'HTTP 503 Service Unavailable: the receiver is down for maintenance until tomorrow morning', 0)",
    )
    .bind(webhook)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let webhook_page = format!("/webhooks/{webhook}");
    let common = [
        "/",
        "/catalogue",
        "/sku-translator",
        "/deals",
        "/nfr",
        "/account",
    ];
    let plan: [(Who, &str, Vec<&str>); 5] = [
        (
            Who::VendorAdmin,
            "1 idle lead",
            vec![
                "/quotes",
                "/inquiries",
                "/orders",
                "/licenses",
                "/leads",
                "/admin/organisations",
                "/admin/outbox",
                "/admin/audit",
                &order_page,
            ],
        ),
        (
            Who::DistributorStaff,
            "2 inquiries waiting for a quote",
            vec![
                "/quotes",
                "/inquiries",
                &inquiry_page,
                "/orders",
                &order_page,
                "/licenses",
                "/contact-roles",
            ],
        ),
        (
            Who::ResellerUser,
            "2 quotes waiting for your answer",
            vec![
                "/quotes",
                "/inquiries",
                &quoted_page,
                &accept_page,
                "/inquiries/new",
                "/orders",
                "/licenses",
                "/leads",
            ],
        ),
        (
            Who::ResellerAdmin,
            "1 draft pricing inquiry not submitted yet",
            vec![
                "/users",
                "/contact-roles",
                "/api-tokens",
                "/webhooks",
                &webhook_page,
            ],
        ),
        (Who::ChannelManager, "1 idle lead", vec!["/leads"]),
    ];
    let mut wide = Vec::new();
    let mut inaccessible = Vec::new();
    let axe = axe_source();
    // The checker finds what it should: an input without a label on the sign-in page.
    c.goto(&format!("{base}/login")).await.unwrap();
    c.execute(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=\"unlabelled\">');",
        vec![],
    )
    .await
    .unwrap();
    let found = axe_violations(c, &axe).await;
    assert!(
        found.iter().any(|v| v.starts_with("label (critical)")),
        "{found:?}"
    );
    for (who, count, pages) in plan {
        c.set_window_size(1366, 900).await.unwrap();
        sign_in(c, base, who.email(), PASSWORD).await;
        wait_for(
            c,
            &format!("//main//li[contains(normalize-space(), '{count}')]"),
            count,
        )
        .await;
        let spread = menu_rows_spread(c).await;
        assert!(
            spread.as_i64().is_some_and(|d| d < 16),
            "{who:?}'s menu wraps at 1366 px"
        );
        snap(c, &format!("wide-{who:?}-home")).await;
        c.set_window_size(390, 844).await.unwrap();
        for path in common.iter().chain(pages.iter()) {
            c.goto(&format!("{base}{path}")).await.unwrap();
            find(c, Locator::Css("h1"), "a heading").await;
            snap(
                c,
                &format!("phone-{who:?}{}", path.replace(['/', '?', '='], "-")),
            )
            .await;
            let widths = c
                .execute("return document.documentElement.scrollWidth;", vec![])
                .await
                .unwrap();
            if widths.as_i64().is_some_and(|w| w > 390) {
                wide.push(format!("{who:?} {path}: {widths}"));
            }
            for width in [390, 1366] {
                c.set_window_size(width, 900).await.unwrap();
                for v in axe_violations(c, &axe).await {
                    inaccessible.push(format!("{who:?} {path} at {width} px: {v}"));
                }
            }
            c.set_window_size(390, 844).await.unwrap();
        }
        c.set_window_size(1366, 900).await.unwrap();
        c.goto(&format!("{base}/")).await.unwrap();
        click_button(c, "Sign out").await;
        expect_heading(c, "Sign in to the Partner Portal").await;
    }
    assert!(wide.is_empty(), "wider than a 390 px phone: {wide:#?}");
    assert!(
        inaccessible.is_empty(),
        "serious or critical axe-core violations: {inaccessible:#?}"
    );
    b.client.clone().close().await.unwrap();
}

/// The deal registration journey: the reseller registers two products for a new end customer;
/// its CAM approves one and rejects the other, sees what that does and confirms; the
/// reseller sees the decision, who made it, and the history.
#[tokio::test]
async fn a_reseller_registers_a_deal_and_its_cam_approves_it_in_part() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    sign_in(c, &app.address, Who::ResellerAdmin.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Dana Ortiz").await;
    c.goto(&format!("{}/deals/new", app.address)).await.unwrap();
    expect_heading(c, "Register a deal").await;
    fill(c, "New end customer's name", "Łódź Logistyka").await;
    fill(c, "Its license contact", "Ola Nowak").await;
    fill(
        c,
        "The license contact's e-mail address",
        "ola@lodz-logistyka.example",
    )
    .await;
    check(c, "MDR Essentials (MDRESS)").await;
    check(c, "Email Advanced (EMLADV)").await;
    fill(c, "Estimated MSRP value (USD)", "12,000").await;
    let close = find(
        c,
        Locator::XPath(&by_label("Expected close date")),
        "the date",
    )
    .await;
    close.send_keys("05152026").await.unwrap();
    choose(c, "Distributor", "Northwind Distribution (prices in USD)").await;
    click_button(c, "Submit the registration").await;
    wait_for(
        c,
        "//h1[starts-with(., 'Deal registration DR-2026-')]",
        "the registration",
    )
    .await;
    let deal_url = c.current_url().await.unwrap();
    click_button(c, "Sign out").await;

    sign_in(c, &app.address, Who::ChannelManager.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Casey Morgan").await;
    c.goto(deal_url.as_str()).await.unwrap();
    // Unticking a product without a reason is explained next to the reason.
    check(c, "Email Advanced").await;
    click_button(c, "Approve…").await;
    let error = find(c, Locator::Css("#reason-error"), "the reason's message").await;
    assert_eq!(
        error.text().await.unwrap(),
        "Give the reseller the reason why Email Advanced is not approved."
    );
    fill(
        c,
        "Reason (needed to reject, or to approve only some products)",
        "Email is registered by another partner",
    )
    .await;
    click_button(c, "Approve…").await;
    wait_for(
        c,
        "//h1[starts-with(., 'Approve in part DR-2026-') and contains(., 'for Łódź Logistyka?')]",
        "the confirmation page",
    )
    .await;
    wait_for(
        c,
        "//li[contains(., 'get the deal registration discount on MDR Essentials from 2026-03-02 until 2026-05-30')]",
        "what the approval does",
    )
    .await;
    assert_no_horizontal_scroll(c, "the confirmation page").await;
    click_button(c, "Yes, approve in part").await;
    expect_status(c, "is approved; Acme Secure IT's deal registration contacts and the submitter are told by e-mail.").await;
    click_button(c, "Sign out").await;

    sign_in(c, &app.address, Who::ResellerAdmin.email(), PASSWORD).await;
    c.goto(deal_url.as_str()).await.unwrap();
    let facts = |term: &'static str| async move {
        c.find(Locator::XPath(&format!(
            "//dt[.='{term}']/following-sibling::dd[1]"
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
    };
    assert!(facts("Status").await.starts_with("Approved"));
    assert_eq!(facts("Not approved for").await, "Email Advanced");
    assert!(facts("Last decision by")
        .await
        .starts_with("Casey Morgan, 2026-03-02"));
    wait_for(
        c,
        "//td[starts-with(., 'Approved for MDR Essentials, valid 2026-03-02 to 2026-05-30; rejected for Email Advanced')]",
        "the decision in the history",
    )
    .await;
    assert_no_horizontal_scroll(c, "a deal registration").await;
}

#[tokio::test]
async fn a_quote_sent_meanwhile_reopens_the_desk_with_what_was_typed_in_chromium() {
    let app = spawn_app().await;
    let path = crate::inquiries::submitted_inquiry(&app).await;
    let b = browser().await;
    let c = &b.client;
    sign_in(c, &app.address, Who::DistributorStaff.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Sam Patel").await;
    c.goto(&format!("{}{path}", app.address)).await.unwrap();
    expect_heading_h2(c, "Prepare the quote").await;
    fill(c, "Partner program % for EPIXADB10SN12T", "10").await;
    fill(c, "Note to the reseller", "As discussed with Dana").await;
    // Meanwhile Sam's colleague sends the quote.
    let admin = app.login_as(Who::DistributorAdmin).await;
    let v = crate::inquiries::version(&admin.text(&path).await);
    assert_eq!(
        admin
            .post(&format!("{path}/quote"), &[("version", &v)])
            .await
            .status(),
        303
    );
    click_button(c, "Send the quote").await;
    expect_heading(c, "Changed meanwhile").await;
    follow(c, "Open it again with what you typed").await;
    wait_for(
        c,
        "//*[@role='status' and contains(., 'This form holds what you typed before')]",
        "the note saying the form holds what was typed",
    )
    .await;
    expect_heading_h2(c, "Revise the quote").await;
    for (label, typed) in [
        ("Partner program % for EPIXADB10SN12T", "10"),
        ("Note to the reseller", "As discussed with Dana"),
    ] {
        let field = find(c, Locator::XPath(&by_label(label)), label).await;
        assert_eq!(
            field.prop("value").await.unwrap().as_deref(),
            Some(typed),
            "{label}"
        );
    }
    // The colleague's quote is on the page above the desk.
    wait_for(
        c,
        "//*[contains(., 'Quote version 1 of')]",
        "the quote sent meanwhile",
    )
    .await;
}

#[tokio::test]
async fn a_euro_inquiry_is_quoted_and_ordered_in_euros_in_chromium() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    let main_text = || async {
        c.find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };

    // Nordlicht asks Rhein, whose prices are in euros.
    sign_in(c, &app.address, Who::EuroResellerAdmin.email(), PASSWORD).await;
    expect_heading(c, "Welcome, Katrin Vogel").await;
    follow(c, "Pricing inquiries").await;
    follow(c, "New pricing inquiry").await;
    choose(
        c,
        "One of your end customers",
        "Müller Präzisionstechnik GmbH",
    )
    .await;
    choose(c, "Distributor", "Rhein Distribution GmbH (prices in EUR)").await;
    click_button(c, "Create the inquiry").await;
    fill(c, "SKU or legacy SKU", "EPIXADB10SN12T").await;
    fill(c, "Quantity", "25").await;
    wait_for(
        c,
        "//*[@id='line-preview' and contains(., 'EUR 966.00')]",
        "the preview in euros",
    )
    .await;
    click_button(c, "Add the line").await;
    wait_for(
        c,
        "//tfoot[contains(., 'EUR 966.00')]",
        "the total in euros",
    )
    .await;
    // A SKU without a euro price is refused, naming the price book.
    let mdr = partner_portal::domain::Sku::build(partner_portal::domain::sku::SkuFields {
        family: "MDRESS".into(),
        band: "C10".into(),
        channel: partner_portal::domain::sku::Channel::Standard,
        transaction: partner_portal::domain::sku::Transaction::New,
        term: 12,
    })
    .unwrap()
    .to_string();
    fill(c, "SKU or legacy SKU", &mdr).await;
    fill(c, "Quantity", "120").await;
    click_button(c, "Add the line").await;
    wait_for(
        c,
        "//*[@id='sku-error' and contains(., 'The EUR price book has no price for this SKU.')]",
        "the refusal next to the SKU",
    )
    .await;
    click_button(c, "Submit to Rhein Distribution GmbH").await;
    expect_status(c, "is sent to Rhein Distribution GmbH").await;
    let inquiry_url = c.current_url().await.unwrap();
    click_button(c, "Sign out").await;

    // Rhein's staff quote from the euro book's rules.
    sign_in(c, &app.address, Who::EuroDistributorStaff.email(), PASSWORD).await;
    c.goto(inquiry_url.as_str()).await.unwrap();
    wait_for(c, "//h2[.='Prepare the quote']", "the quote desk").await;
    wait_for(
        c,
        "//*[@id='net-total' and .='EUR 807.58']",
        "the net in euros",
    )
    .await;
    let desk = main_text().await;
    assert!(
        desk.contains("ENDPOINT-EURO") && !desk.contains("USD"),
        "{desk}"
    );
    click_button(c, "Send the quote").await;
    expect_status(c, "Quote version 1").await;
    click_button(c, "Sign out").await;

    // Nordlicht reads every level in euros and accepts.
    sign_in(c, &app.address, Who::EuroResellerAdmin.email(), PASSWORD).await;
    c.goto(inquiry_url.as_str()).await.unwrap();
    let quote = find(
        c,
        Locator::XPath("//table[contains(., 'why this price')]"),
        "the quote's levels",
    )
    .await
    .text()
    .await
    .unwrap();
    for expected in ["Partner program 12%", "Promotion 5%", "EUR 807.58"] {
        assert!(quote.contains(expected), "{expected} missing in {quote}");
    }
    follow(c, "Accept and place the order…").await;
    let confirm = main_text().await;
    assert!(
        confirm.contains("EUR 807.58") && !confirm.contains("USD"),
        "{confirm}"
    );
    click_button(c, "Place the order").await;
    expect_status(c, "is placed with Rhein Distribution GmbH").await;
    let order = main_text().await;
    assert!(
        order.contains("EUR 807.58") && !order.contains("USD"),
        "{order}"
    );
    snap(c, "20-euro-order").await;
    b.client.clone().close().await.unwrap();
}

/// A reseller's admin adds a webhook endpoint on a phone, fixes a refused address, tries the
/// receiver with a test event, and gives the endpoint a new secret after confirming.
#[tokio::test]
async fn a_reseller_admin_adds_a_webhook_tries_it_and_rotates_its_secret_in_chromium() {
    use crate::webhooks::{deliver, receiver, signed_with};
    let app = spawn_app().await;
    let hook = receiver(&[]).await;
    let b = browser().await;
    let c = &b.client;
    let base = app.address.as_str();
    sign_in(c, base, Who::ResellerAdmin.email(), PASSWORD).await;
    c.set_window_size(390, 844).await.unwrap();
    open(c, "Webhooks", "Webhooks").await;
    fill(
        c,
        "Address (URL) of the receiver",
        "http://erp.example.com/in",
    )
    .await;
    fill(c, "Description (optional)", "PSA").await;
    click_button(c, "Add endpoint").await;
    wait_for(
        c,
        "//p[@class='field-error' and contains(., 'plain http:// is accepted only for this machine')]",
        "the refusal next to the address",
    )
    .await;
    assert_no_horizontal_scroll(c, "the refused form").await;
    fill(c, "Address (URL) of the receiver", &hook.url).await;
    click_button(c, "Add endpoint").await;
    expect_heading(c, &format!("Webhook endpoint {}", hook.url)).await;
    let secret_of = |c: &Client| {
        let c = c.clone();
        async move {
            find(
                &c,
                Locator::XPath(&by_label("Signing secret")),
                "the secret",
            )
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap()
        }
    };
    let secret = secret_of(c).await;
    assert!(secret.starts_with("whsec_"));
    snap(c, "webhook-added-390").await;
    assert_no_horizontal_scroll(c, "the endpoint page").await;
    click_button(c, "Send a test event").await;
    expect_status(c, "A test event is queued").await;
    deliver(&app, app.clock.timestamp()).await;
    c.refresh().await.unwrap();
    wait_for(
        c,
        "//td[contains(., 'Delivered')]",
        "the delivered test event",
    )
    .await;
    let got = hook.got();
    assert_eq!(got.len(), 1);
    assert!(signed_with(
        &secret,
        got[0].header("Partner-Portal-Signature"),
        &got[0].body
    ));
    click_button(c, "Make a new signing secret").await;
    expect_heading(c, "Give this endpoint a new signing secret?").await;
    click_button(c, "Yes, make a new secret").await;
    expect_heading(c, &format!("Webhook endpoint {}", hook.url)).await;
    let rotated = secret_of(c).await;
    assert_ne!(rotated, secret);
    c.set_window_size(1366, 900).await.unwrap();
    assert_no_horizontal_scroll(c, "the endpoint page at 1366 px").await;
    b.client.clone().close().await.unwrap();
}
