//! The operator dashboard over real HTTP: off by default, signed in with the admin token into a
//! signed cookie, CSRF-checked forms, never opened by a plugin token, and pages that show what the
//! database holds.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use renderiq_server::config::Config;
use support::receiver::Receiver;
use support::TestServer;

const TOKEN: &str = "admin-token-0123456789abcdef";

fn with_admin(config: &mut Config) {
    config.admin_token = Some(TOKEN.into());
}

const FORM: &str = "application/x-www-form-urlencoded";

/// What a browser sends for a form with `fields`.
fn form_body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// A client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    renderiq_server::tls::client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// Signs in; the session cookie (`renderiq_admin=…`).
async fn sign_in(server: &TestServer) -> String {
    let resp = browser()
        .post(format!("{}/admin/login", server.base))
        .header("content-type", FORM)
        .body(form_body(&[("token", TOKEN)]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/admin/renders");
    let set = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age="] {
        assert!(set.contains(attribute), "{attribute} missing from {set}");
    }
    set.split(';').next().unwrap().to_owned()
}

async fn get_page(server: &TestServer, cookie: &str, path: &str) -> (u16, String) {
    let resp = browser()
        .get(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    if status == 200 {
        assert_eq!(resp.headers()["cache-control"], "no-store");
        assert_eq!(resp.headers()["x-frame-options"], "DENY");
        assert!(resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
    }
    (status, resp.text().await.unwrap())
}

/// An attribute's text as the browser reads it.
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The CSRF token in a page's forms.
fn csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    unescape(&html[at..at + html[at..].find('"').unwrap()])
}

async fn post_form(
    server: &TestServer,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser()
        .post(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .header("content-type", FORM)
        .body(form_body(form))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_dashboard_is_off_without_an_admin_token() {
    let server = TestServer::start().await;
    for path in ["/admin", "/admin/login", "/admin/renders", "/admin/users"] {
        let resp = browser()
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn a_short_admin_token_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::test_config(dir.path());
    config.admin_token = Some("short".into());
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("--admin-token is shorter than 16"), "{err}");
}

#[tokio::test]
async fn only_the_admin_token_signs_in_and_plugin_tokens_never_open_pages() {
    let server = TestServer::start_with(with_admin).await;
    // No session: to the sign-in page.
    let resp = browser()
        .get(format!("{}/admin/users", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/admin/login");
    // A plugin's access token, as a bearer token or as the sign-in token, is not the admin token.
    let user = server.user(10).await;
    let resp = browser()
        .get(format!("{}/admin/users", server.base))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    for wrong in [user.token.as_str(), "admin-token-0123456789abcdeX", ""] {
        let resp = browser()
            .post(format!("{}/admin/login", server.base))
            .header("content-type", FORM)
            .body(form_body(&[("token", wrong)]))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        assert!(resp.headers().get("set-cookie").is_none());
    }
    // A forged or altered cookie is no session.
    let cookie = sign_in(&server).await;
    let altered = format!("{}x", cookie);
    let (status, _) = get_page(&server, &altered, "/admin/users").await;
    assert_eq!(status, 303);
    let (status, html) = get_page(&server, &cookie, "/admin/users").await;
    assert_eq!(status, 200);
    assert!(html.contains(&user.email));
}

#[tokio::test]
async fn granting_credits_needs_the_sessions_csrf_token_and_changes_the_balance() {
    let server = TestServer::start_with(with_admin).await;
    let user = server.user(5).await;
    let cookie = sign_in(&server).await;
    let (_, html) = get_page(&server, &cookie, "/admin/users").await;
    let token = csrf(&html);
    let user_id = user.id.clone();
    assert!(html.contains(&format!("action=\"/admin/users/{user_id}/grant\"")));
    let path = format!("/admin/users/{user_id}/grant");

    // Without the token, with another session's token: refused, nothing granted.
    let other_session = sign_in(&server).await;
    let (_, other_html) = get_page(&server, &other_session, "/admin/users").await;
    for bad in ["", csrf(&other_html).as_str()] {
        let resp = post_form(&server, &cookie, &path, &[("csrf", bad), ("amount", "40")]).await;
        assert_eq!(resp.status(), 403);
    }
    assert_eq!(server.balance(&user.token).await, 5);

    let resp = post_form(
        &server,
        &cookie,
        &path,
        &[("csrf", &token), ("amount", "40")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/admin/users?notice="), "{location}");
    assert_eq!(server.balance(&user.token).await, 45);
    let (_, html) = get_page(&server, &cookie, &location).await;
    assert!(
        html.contains("Granted 40 credits; balance now 45."),
        "{html}"
    );
    // The ledger has the grant.
    let ledger = server
        .get(Some(&user.token), "/credits/transactions?limit=1")
        .await;
    assert_eq!(ledger.data()["items"][0]["type"], "grant");
    assert_eq!(ledger.data()["items"][0]["amount"], 40);

    // The user's page shows the ledger: the first grant, then this one.
    let (status, html) = get_page(&server, &cookie, &format!("/admin/users/{user_id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-stat=\"balance\"><b>45</b>"), "{html}");
    let grants: Vec<&str> = html.split("<tr class=\"ledger grant\">").skip(1).collect();
    assert_eq!(grants.len(), 2, "{html}");
    assert!(grants[0].contains("+40") && grants[0].contains("admin dashboard"));
    assert!(grants[1].contains("+5"));

    // Nonsense amounts grant nothing.
    for amount in ["-5", "0", "ten"] {
        let resp = post_form(
            &server,
            &cookie,
            &path,
            &[("csrf", &token), ("amount", amount)],
        )
        .await;
        assert_eq!(resp.status(), 303);
    }
    assert_eq!(server.balance(&user.token).await, 45);

    // Signing out ends the browser's cookie; the form's token dies with the session it belongs to.
    let resp = post_form(&server, &cookie, "/admin/logout", &[("csrf", &token)]).await;
    assert_eq!(resp.status(), 303);
    assert!(resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
}

#[tokio::test]
async fn a_user_created_in_the_dashboard_signs_in_and_revoking_ends_their_sessions() {
    let server = TestServer::start_with(with_admin).await;
    let cookie = sign_in(&server).await;
    let (_, html) = get_page(&server, &cookie, "/admin/users").await;
    let token = csrf(&html);
    let resp = post_form(
        &server,
        &cookie,
        "/admin/users",
        &[
            ("csrf", &token),
            ("email", "grace@example.com"),
            ("password", "a long password"),
            ("name", "Grace"),
            ("credits", "30"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let signed_in = server
        .post(
            None,
            "/auth/signin",
            serde_json::json!({ "email": "grace@example.com", "password": "a long password" }),
        )
        .await;
    let access = signed_in.data()["accessToken"].as_str().unwrap().to_owned();
    let refresh = signed_in.data()["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(server.balance(&access).await, 30);
    // The same email again is refused with a notice, not a second user.
    let resp = post_form(
        &server,
        &cookie,
        "/admin/users",
        &[
            ("csrf", &token),
            ("email", "GRACE@example.com"),
            ("password", "another password"),
        ],
    )
    .await;
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let (_, html) = get_page(&server, &cookie, &location).await;
    assert!(html.contains("exists"), "{html}");

    let (_, html) = get_page(&server, &cookie, "/admin/users").await;
    let row = &html[html.find("data-user=\"grace@example.com\"").unwrap()..];
    let at = row.find("action=\"/admin/users/").unwrap() + "action=\"/admin/users/".len();
    let user_id = row[at..at + row[at..].find('/').unwrap()].to_owned();
    let resp = post_form(
        &server,
        &cookie,
        &format!("/admin/users/{user_id}/revoke"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(resp.status(), 303);
    // The refresh token no longer refreshes.
    let refreshed = server
        .post(
            None,
            "/auth/refresh",
            serde_json::json!({ "refreshToken": refresh }),
        )
        .await;
    assert_eq!(refreshed.status, 401);
}

#[tokio::test]
async fn the_gallery_shows_a_completed_render_with_images_that_load_and_its_timeline() {
    let server = TestServer::start_with(with_admin).await;
    let user = server.user(100).await;
    let id = server
        .create_render_with(
            &user.token,
            support::png(64, 48),
            &[("prompt", "<script>alert(1)</script> brick facade")],
            &[("x-renderiq-platform", "blender")],
        )
        .await
        .data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.wait_for_render(&user.token, &id).await;
    let cookie = sign_in(&server).await;

    let (status, html) = get_page(&server, &cookie, "/admin/renders").await;
    assert_eq!(status, 200);
    let card = &html[html.find(&format!("data-render=\"{id}\"")).unwrap()..];
    assert!(card.contains("status completed"));
    assert!(card.contains(&user.email));
    // Telemetry the plugin sent is listed; headers it did not send are left out.
    assert!(card.contains("blender"));
    assert!(!card.contains("null"), "{card}");
    // Both images are signed links that load.
    for alt in ["input of", "output of"] {
        let img = &card[..card.find(&format!("alt=\"{alt} {id}\"")).unwrap()];
        let src_at = img.rfind("src=\"").unwrap() + 5;
        let src = unescape(&img[src_at..src_at + img[src_at..].find('"').unwrap()]);
        let resp = support::client().get(&src).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{alt}: {src}");
        assert!(!resp.bytes().await.unwrap().is_empty());
    }
    // Filters narrow the gallery.
    let (_, filtered) = get_page(&server, &cookie, "/admin/renders?status=failed").await;
    assert!(!filtered.contains(&format!("data-render=\"{id}\"")));
    let (_, filtered) = get_page(&server, &cookie, "/admin/renders?platform=blender").await;
    assert!(filtered.contains(&format!("data-render=\"{id}\"")));

    let (status, html) = get_page(&server, &cookie, &format!("/admin/renders/{id}")).await;
    assert_eq!(status, 200);
    let created = html.find("<b>created</b>").unwrap();
    let processing = html
        .find("<b>processing</b> · 20")
        .expect("processing with its time");
    let completed = html.find("<b>completed</b>").unwrap();
    assert!(created < processing && processing < completed);
    // What a user sent is shown as text, never as markup.
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;"));

    // The owner's ledger links the spend to the render.
    let (status, html) = get_page(&server, &cookie, &format!("/admin/users/{}", user.id)).await;
    assert_eq!(status, 200);
    let spend = &html[html
        .find("<tr class=\"ledger spend\">")
        .expect("a spend entry")..];
    assert!(spend.contains("-10"), "{spend}");
    assert!(
        spend.contains(&format!("href=\"&#x2f;admin&#x2f;renders&#x2f;{id}\""))
            || spend.contains(&format!("/admin/renders/{id}\"")),
        "{spend}"
    );

    let (status, html) = get_page(&server, &cookie, "/admin/health").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-stat=\"ended\"><b>1</b>"), "{html}");
    assert!(html.contains("data-stat=\"pending\"><b>0</b>"));
}

#[tokio::test]
async fn webhook_attempts_show_their_answer_and_headers_and_a_replay_keeps_the_webhook_id() {
    let server = TestServer::start_with(with_admin).await;
    let user = server.user(100).await;
    // The first attempt fails (500 with a body), the retry succeeds.
    let receiver = Receiver::start(1).await;
    let webhook_id = server
        .post(
            Some(&user.token),
            "/webhooks/register",
            serde_json::json!({ "url": receiver.url, "events": ["render.completed"] }),
        )
        .await
        .data()["webhook"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.create_render(&user.token, &[]).await.data();
    let sent = receiver.wait_for(2).await;
    let cookie = sign_in(&server).await;

    // Both attempts are recorded once the retry's outcome is: wait for the page to show them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let html = loop {
        let (_, html) = get_page(&server, &cookie, "/admin/webhooks").await;
        if html.matches("data-attempt=").count() == 2 {
            break html;
        }
        assert!(std::time::Instant::now() < deadline, "{html}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let message_id = sent[0].header("webhook-id").to_owned();
    assert_eq!(
        html.matches(&format!("data-message=\"{message_id}\""))
            .count(),
        2
    );
    // Newest first: the retry (#2, 204), then the failure (#1, 500 with its body).
    let rows: Vec<&str> = html.split("<tr data-attempt=").skip(1).collect();
    assert!(
        rows[0].contains("#2") && rows[0].contains(">204<"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("#1") && rows[1].contains(">500<"),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains(support::receiver::FAILING));
    for (row, delivery) in rows.iter().zip(sent.iter().rev()) {
        assert!(row.contains(" ms</td>"), "no latency: {row}");
        let signature = delivery.header("webhook-signature");
        assert!(
            unescape(row).contains(signature),
            "{signature} not in {row}"
        );
        assert!(row.contains(delivery.header("webhook-timestamp")));
    }

    // Replay the successful attempt: the receiver gets the same body under the same webhook-id.
    let token = csrf(&html);
    let attempt_id = {
        let start = rows[0].find('"').unwrap() + 1;
        rows[0][start..start + rows[0][start..].find('"').unwrap()].to_owned()
    };
    let resp = post_form(
        &server,
        &cookie,
        &format!("/admin/webhooks/attempts/{attempt_id}/replay"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let replayed = receiver.wait_for(3).await.remove(2);
    assert_eq!(replayed.header("webhook-id"), message_id);
    assert_eq!(replayed.body, sent[1].body);

    // A replay without the session's CSRF token is refused.
    let resp = post_form(
        &server,
        &cookie,
        &format!("/admin/webhooks/attempts/{attempt_id}/replay"),
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(resp.status(), 403);

    // A disabled webhook is not replayed until it is re-enabled.
    server.query(
        "UPDATE webhooks SET active = 0, failure_count = 5 WHERE id = ?1",
        &[&webhook_id],
    );
    let (_, html) = get_page(&server, &cookie, "/admin/webhooks").await;
    assert!(html.contains("disabled · 5 failed in a row"), "{html}");
    let resp = post_form(
        &server,
        &cookie,
        &format!("/admin/webhooks/attempts/{attempt_id}/replay"),
        &[("csrf", &token)],
    )
    .await;
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let (_, html) = get_page(&server, &cookie, &location).await;
    assert!(html.contains("re-enable it first"), "{html}");
    let resp = post_form(
        &server,
        &cookie,
        &format!("/admin/webhooks/{webhook_id}/enable"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let listed = server.get(Some(&user.token), "/webhooks").await;
    assert_eq!(listed.data()[0]["active"], true, "{:?}", listed.data());
}

#[tokio::test]
async fn an_admin_user_made_by_the_command_line_signs_in_with_their_password() {
    // No --admin-token: the dashboard is off until a user is made an admin.
    let server = TestServer::start().await;
    let plain = server.user(10).await;
    let login = format!("{}/admin/login", server.base);
    assert_eq!(browser().get(&login).send().await.unwrap().status(), 404);

    let dir = server.data_dir();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_renderiq-server"))
        .args(["user", "add", "--email", "ops@example.com", "--admin"])
        .args(["--password", "operator password"])
        .arg("--data-dir")
        .arg(&dir)
        .envs(support::database_env(&dir))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created admin ops@example.com"));

    // The sign-in page now offers the email form only (no token is configured).
    let page = browser().get(&login).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"email\"") && !html.contains("name=\"token\""));

    let sign_in_as = |email: &str, password: &str| {
        browser()
            .post(&login)
            .header("content-type", FORM)
            .body(form_body(&[("email", email), ("password", password)]))
            .send()
    };
    // A wrong password, and a user who is not an admin, are refused.
    assert_eq!(
        sign_in_as("ops@example.com", "wrong")
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        sign_in_as(&plain.email, support::PASSWORD)
            .await
            .unwrap()
            .status(),
        401
    );
    let resp = sign_in_as("OPS@example.com", "operator password")
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (status, html) = get_page(&server, &cookie, "/admin/users").await;
    assert_eq!(status, 200);
    assert!(html.contains(&plain.email));

    // Once no longer an admin, their session opens nothing (and with no admin left and no token,
    // the dashboard is off again).
    server.query(
        "UPDATE users SET is_admin = 0 WHERE email = ?1",
        &[&"ops@example.com"],
    );
    let (status, _) = get_page(&server, &cookie, "/admin/users").await;
    assert_eq!(status, 404);
}
