//! An organisation's admin manages its own users, and nobody else's.

use crate::helpers::{header, location, spawn_app, Who};

#[tokio::test]
async fn a_reseller_admin_invites_a_user_who_chooses_a_password_and_signs_in() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let r = admin
        .post(
            "/users",
            &[
                ("display_name", "Morgan Ames"),
                ("email", "morgan@reseller.example"),
                ("role", "reseller_user"),
                // An old form's password field is ignored: nobody chooses it for Morgan.
                ("password", "initial-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let list = admin.text(&location(&r)).await;
    // Created 2026-03-02 10:00 UTC (the test clock): the link works 7 days.
    assert!(
        list.contains("Morgan Ames is invited: an e-mail to morgan@reseller.example has a link to choose a password, which works once until 2026-03-09"),
        "{list}"
    );
    assert!(
        list.contains("Invited; the link works until 2026-03-09"),
        "{list}"
    );
    assert!(list.contains("Send a new invitation<span class=\"visually-hidden\"> to Morgan Ames"));
    let (org, role, disabled, state): (i64, String, i64, String) =
        sqlx::query_as("SELECT org_id, role, disabled, password_state FROM users WHERE email = $1")
            .bind("morgan@reseller.example")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(org, app.id_of_org("Acme Secure IT").await);
    assert_eq!(
        (role.as_str(), disabled, state.as_str()),
        ("reseller_user", 1, "invited")
    );
    let (subject, text): (String, String) = sqlx::query_as(
        "SELECT subject, text_body FROM outbox WHERE to_address = 'morgan@reseller.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        subject,
        "You are invited to the Partner Portal for Acme Secure IT"
    );
    assert!(
        text.contains(
            "Dana Ortiz added you to Acme Secure IT on the Partner Portal as reseller user."
        ),
        "{text}"
    );
    assert!(!text.contains("initial-password-1"));
    // Nobody signs in as Morgan before the invitation is accepted, not with the old form's password.
    let morgan = app.client();
    assert_eq!(
        morgan
            .login("morgan@reseller.example", "initial-password-1")
            .await
            .status(),
        401
    );

    let link = app.invitation_path("morgan@reseller.example").await;
    let page = morgan.text(&link).await;
    assert!(page.contains("Welcome, Morgan Ames."), "{page}");
    assert!(page.contains("Acme Secure IT"));
    let r = morgan.choose_password(&link, "short", "short").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Use at least 12 characters."));
    let r = morgan
        .choose_password(&link, "morgans-own-password", "morgans-own-passwor")
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("The two passwords differ."));
    let r = morgan
        .choose_password(&link, "morgans-own-password", "morgans-own-password")
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
    let home = morgan.text("/").await;
    assert!(
        home.contains("Welcome, Morgan Ames. Your password is set"),
        "{home}"
    );
    assert!(home.contains("Reseller user"));
    // A reseller user does not manage users.
    assert_eq!(morgan.get("/users").await.status(), 403);
    // The link works once.
    let again = app.client();
    let r = again.get(&link).await;
    assert_eq!(r.status(), 410);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("This invitation was used on 2026-03-02"));
    let r = again
        .choose_password(&link, "somebody-elses-pass", "somebody-elses-pass")
        .await;
    assert_eq!(r.status(), 410);
    assert_eq!(
        again
            .login("morgan@reseller.example", "morgans-own-password")
            .await
            .status(),
        303
    );
    assert!(admin.text("/users").await.contains("Morgan Ames"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'invitation_accepted' AND subject = 'morgan@reseller.example'").await,
        1
    );
}

#[tokio::test]
async fn an_expired_link_says_whom_to_ask_and_a_new_one_replaces_it() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let r = admin
        .post(
            "/users",
            &[
                ("display_name", "Nora Brandt"),
                ("email", "nora@reseller.example"),
                ("role", "reseller_admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(admin
        .text(&location(&r))
        .await
        .contains("Nora Brandt is invited"));
    let first = app.invitation_path("nora@reseller.example").await;
    // Not yet a recipient of anything: Acme's lead notices (no new-leads holder) go to its
    // active admins, and Nora's first mail stays the invitation.
    let cam = app.login_as(Who::ChannelManager).await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let r = cam
        .post(
            "/leads",
            &[
                ("reseller", &acme.to_string()),
                ("company", "Fjord Fisheries"),
                ("contact_name", "Ines Moreau"),
                ("contact_email", "ines@prospect.example"),
                ("interest", ""),
                ("notes", ""),
                ("next_step", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM outbox WHERE to_address = 'nora@reseller.example'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(kinds, ["invitation"]);
    // Nor can the admin give Nora a contact role yet: the matrix lists active people only.
    let nora = app.id_of_user("nora@reseller.example").await;
    let matrix = admin.text("/contact-roles").await;
    assert!(!matrix.contains("Nora Brandt"), "{matrix}");
    let version =
        crate::helpers::value_after(&matrix, "id=\"roles-version\" name=\"version\" value=\"")
            .unwrap();
    let r = admin
        .post(
            "/contact-roles",
            &[
                ("version", &version),
                ("held", &format!("{nora}:new_leads")),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM contact_roles WHERE user_id = {nora}"
        ))
        .await,
        0
    );

    app.clock.advance(chrono::Duration::days(7));
    let visitor = app.client();
    let r = visitor.get(&first).await;
    assert_eq!(r.status(), 410);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("This invitation expired on 2026-03-09"),
        "{page}"
    );
    assert!(
        page.contains("Ask Dana Ortiz at Acme Secure IT to send you a new one."),
        "{page}"
    );
    let admin = app.login_as(Who::ResellerAdmin).await;
    assert!(admin
        .text("/users")
        .await
        .contains("Invitation expired 2026-03-09"));
    // Invited people are not enabled by hand.
    assert_eq!(
        admin
            .post(&format!("/users/{nora}/enable"), &[])
            .await
            .status(),
        409
    );
    let r = admin.post(&format!("/users/{nora}/invite"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(admin
        .text("/users")
        .await
        .contains("A new invitation went to Nora Brandt (nora@reseller.example); its link works until 2026-03-16"));
    let second = app.invitation_path("nora@reseller.example").await;
    assert_ne!(first, second);
    assert!(visitor
        .text(&first)
        .await
        .contains("a newer one was sent: use the link in the newest invitation e-mail"));
    // Withdrawn: the link stops working, and says so.
    let r = admin
        .post(&format!("/users/{nora}/withdraw-invitation"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(admin.text("/users").await.contains("Invitation withdrawn"));
    let r = visitor.get(&second).await;
    assert_eq!(r.status(), 410);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("This invitation was withdrawn"));
    // A third link works; the withdrawn one never does.
    admin.post(&format!("/users/{nora}/invite"), &[]).await;
    let third = app.invitation_path("nora@reseller.example").await;
    let r = visitor
        .choose_password(&second, "noras-own-password", "noras-own-password")
        .await;
    assert_eq!(r.status(), 410);
    let r = visitor
        .choose_password(&third, "noras-own-password", "noras-own-password")
        .await;
    assert_eq!(r.status(), 303);
    assert!(admin
        .text("/users")
        .await
        .contains("Disable<span class=\"visually-hidden\"> Nora Brandt"));
    // Another organisation cannot invite Acme's people, and a junk link is not found.
    let other = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(
        other
            .post(&format!("/users/{nora}/invite"), &[])
            .await
            .status(),
        404
    );
    assert_eq!(
        visitor
            .get("/invitations/%E2%80%AEjunk%F0%9F%98%80")
            .await
            .status(),
        404
    );
    assert_eq!(
        visitor
            .get("/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_person_whose_admin_chose_the_password_chooses_one_at_the_next_sign_in() {
    let app = spawn_app().await;
    sqlx::query("UPDATE users SET password_state = 'change' WHERE email = $1")
        .bind(Who::ResellerUser.email())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let lee = app.login_as(Who::ResellerUser).await;
    for page in ["/", "/licenses", "/leads"] {
        let r = lee.get(page).await;
        assert_eq!(r.status(), 303, "{page}");
        assert_eq!(location(&r), "/account", "{page}");
    }
    let r = lee.get_htmx("/licenses").await;
    assert_eq!(header(r.headers(), "hx-redirect"), "/account");
    let account = lee.text("/account").await;
    assert!(
        account.contains("Your portal administrator chose your password"),
        "{account}"
    );
    let r = lee
        .post(
            "/account/password",
            &[
                ("current_password", crate::helpers::PASSWORD),
                ("new_password", "lees-very-own-password"),
                ("confirm_password", "lees-very-own-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    lee.forget_token();
    assert_eq!(lee.get("/").await.status(), 200);
    assert!(!lee.text("/account").await.contains("chose your password"));
}

#[tokio::test]
async fn bad_input_is_explained_next_to_each_field_and_nothing_is_created() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let before = app.scalar("SELECT COUNT(*) FROM users").await;
    let r = admin
        .post(
            "/users",
            &[
                ("display_name", ""),
                ("email", "sales@reseller.example"),
                ("role", "distributor_staff"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter the person&#39;s name."));
    assert!(html.contains("A user with this e-mail address exists already."));
    assert!(
        html.contains("Choose an access role."),
        "a reseller cannot make distributor staff"
    );
    assert!(html.contains("id=\"email-error\""));
    assert!(
        html.contains("value=\"sales@reseller.example\""),
        "what the person typed stays"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, before);
}

#[tokio::test]
async fn another_organisations_users_are_not_found() {
    let app = spawn_app().await;
    let other = app.login_as(Who::OtherResellerAdmin).await;
    let acme_user = app.id_of_user(Who::ResellerUser.email()).await;
    assert_eq!(
        other.get(&format!("/users/{acme_user}")).await.status(),
        404
    );
    let r = other
        .post(
            &format!("/users/{acme_user}"),
            &[("display_name", "Hacked"), ("role", "reseller_admin")],
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        other
            .post(&format!("/users/{acme_user}/disable"), &[])
            .await
            .status(),
        404
    );
    let (name, role, disabled): (String, String, i64) =
        sqlx::query_as("SELECT display_name, role, disabled FROM users WHERE id = $1")
            .bind(acme_user)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), role.as_str(), disabled),
        ("Lee Fischer", "reseller_user", 0)
    );
    // The list shows only their own people.
    let list = other.text("/users").await;
    assert!(
        list.contains("Alex Novak") && list.contains("Kim Yamada"),
        "{list}"
    );
    assert!(!list.contains("Lee Fischer") && !list.contains("Dana Ortiz"));
    // Search cannot reach across either.
    assert!(other
        .text("/users?q=fischer")
        .await
        .contains("No user matches"));
}

#[tokio::test]
async fn an_admin_changes_a_role_but_not_their_own() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let lee = app.id_of_user(Who::ResellerUser.email()).await;
    let r = admin
        .post(
            &format!("/users/{lee}"),
            &[("display_name", "Lee Fischer"), ("role", "reseller_admin")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(lee)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(role, "reseller_admin");
    let lee_client = app.login_as(Who::ResellerUser).await;
    assert_eq!(
        lee_client.get("/users").await.status(),
        200,
        "the new role applies"
    );

    let me = app.id_of_user(Who::ResellerAdmin.email()).await;
    let r = admin
        .post(
            &format!("/users/{me}"),
            &[("display_name", "Dana Ortiz"), ("role", "reseller_user")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("You cannot change your own access role"));
    assert_eq!(
        admin
            .post(&format!("/users/{me}/disable"), &[])
            .await
            .status(),
        400
    );
    let audit = app.audit_actions().await;
    assert!(audit.contains(&"user_updated".to_string()));
}

#[tokio::test]
async fn disabling_through_htmx_swaps_the_row_and_the_plain_form_redirects() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let lee = app.id_of_user(Who::ResellerUser.email()).await;
    let r = admin.post_htmx(&format!("/users/{lee}/disable"), &[]).await;
    assert_eq!(r.status(), 200);
    let row = r.text().await.unwrap();
    assert!(row.starts_with(&format!("<tr id=\"user-{lee}\">")), "{row}");
    assert!(row.contains("Disabled"));
    assert!(row.contains("Enable<span class=\"visually-hidden\"> Lee Fischer</span>"));
    assert_eq!(
        app.scalar(&format!("SELECT disabled FROM users WHERE id = {lee}"))
            .await,
        1
    );

    let r = admin.post(&format!("/users/{lee}/enable"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/users");
    assert!(admin
        .text("/users")
        .await
        .contains("Lee Fischer can sign in again."));
    assert_eq!(
        app.scalar(&format!("SELECT disabled FROM users WHERE id = {lee}"))
            .await,
        0
    );
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"user_disabled".to_string())
            && actions.contains(&"user_enabled".to_string())
    );
}

#[tokio::test]
async fn user_search_answers_htmx_with_rows_only() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let r = admin.get_htmx("/users?q=priya").await;
    assert_eq!(header(r.headers(), "vary"), "HX-Request");
    let html = r.text().await.unwrap();
    assert!(!html.contains("<html"));
    assert!(html.contains("Priya Nair") && !html.contains("Lee Fischer"));
}

#[tokio::test]
async fn a_distributor_admin_gives_only_distributor_roles() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::DistributorAdmin).await;
    let form = admin.text("/users/new").await;
    assert!(
        form.contains("value=\"distributor_staff\"") && !form.contains("value=\"reseller_user\"")
    );
    let r = admin
        .post(
            "/users",
            &[
                ("display_name", "Quinn Staff"),
                ("email", "quinn@distributor.example"),
                ("role", "distributor_staff"),
                ("password", "initial-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn changing_ones_password_checks_the_current_one() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    let r = c
        .post(
            "/account/password",
            &[
                ("current_password", "wrong"),
                ("new_password", "brand-new-password"),
                ("confirm_password", "different-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("This is not your current password."));
    assert!(html.contains("The two new passwords differ."));
    let r = c
        .post(
            "/account/password",
            &[
                ("current_password", crate::helpers::PASSWORD),
                ("new_password", "brand-new-password"),
                ("confirm_password", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.client()
            .login(Who::ResellerUser.email(), crate::helpers::PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.client()
            .login(Who::ResellerUser.email(), "brand-new-password")
            .await
            .status(),
        303
    );
}
