//! An organisation's admin manages its own users, and nobody else's.

use crate::helpers::{header, location, spawn_app, Who};

#[tokio::test]
async fn a_reseller_admin_adds_a_user_who_can_then_sign_in() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let r = admin
        .post(
            "/users",
            &[
                ("display_name", "Morgan Ames"),
                ("email", "morgan@reseller.example"),
                ("role", "reseller_user"),
                ("password", "initial-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let list = admin.text(&location(&r)).await;
    assert!(list.contains("Morgan Ames (morgan@reseller.example) can now sign in."));
    let (org, role): (i64, String) =
        sqlx::query_as("SELECT org_id, role FROM users WHERE email = $1")
            .bind("morgan@reseller.example")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(org, app.id_of_org("Acme Secure IT").await);
    assert_eq!(role, "reseller_user");
    let morgan = app.client();
    assert_eq!(
        morgan
            .login("morgan@reseller.example", "initial-password-1")
            .await
            .status(),
        303
    );
    assert!(morgan.text("/").await.contains("Reseller user"));
    // A reseller user does not manage users.
    assert_eq!(morgan.get("/users").await.status(), 403);
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
                ("password", "x"),
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
    assert!(html.contains("Use at least 12 characters."));
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
