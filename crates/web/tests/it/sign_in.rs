//! Signing in under attack: never off-site, five guesses and no more whatever the parallelism,
//! the same answer for unknown names, one address held back, forwarded addresses believed only
//! behind our proxy.
use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use innocity_demo as demo;
use innocity_web::{AppState, WebConfig, router};

#[tokio::test]
async fn sign_in_never_sends_the_browser_off_site() {
    let t = app().await;
    for (next, want) in [
        ("/%09/evil.example/phish", "/workspace"),
        ("/\t/evil.example/phish", "/workspace"),
        ("/\\evil.example", "/workspace"),
        ("/projects/12?tab=a", "/projects/12?tab=a"),
    ] {
        let mut s = Session::default();
        s.absorb(&t.get(&s, "/login").await);
        let next = next.replace("%09", "\t");
        let r = t
            .post_form(
                &s,
                "/login",
                &[("username", "bureau"), ("password", demo::DEMO_PASSWORD), ("next", &next)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), want, "next = {next:?}");
    }
}

/// A sign-in from the TCP peer `addr` (as `axum::serve` with connect info hands it over).
async fn sign_in_from(app: &axum::Router, addr: &str, username: &str, password: &str) -> Resp {
    let mut s = Session::default();
    s.absorb(&send_to(app, Request::get("/login").body(Body::empty()).unwrap()).await);
    let body = serde_urlencoded::to_string([
        ("_csrf", s.csrf.as_str()),
        ("username", username),
        ("password", password),
    ])
    .unwrap();
    let mut req = Request::post("/login")
        .header(header::COOKIE, s.cookie_header())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr.parse::<std::net::SocketAddr>().unwrap()));
    send_to(app, req).await
}

async fn failed_sign_ins(t: &TestApp, username: &str) -> i64 {
    let r = t.db.query_one("SELECT COUNT(*) AS n FROM audit_log WHERE actor = ? AND action IN ('auth.login_failed', 'auth.locked')", vec![username.into()]).await.unwrap().unwrap();
    r.try_get::<i64>("", "n").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_get_five_tries_and_no_more() {
    let t = app().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..23 {
        let app = t.app.clone();
        tasks.spawn(async move {
            (
                false,
                sign_in_from(&app, "10.1.0.1:40000", "zone", &format!("wrong-password-{i}"))
                    .await
                    .status,
            )
        });
    }
    let (app, db) = (t.app.clone(), t.db.clone());
    tasks.spawn(async move {
        // The right password among the guesses once five are taken, while they are still in flight.
        for _ in 0..400 {
            let row = db
                .query_one("SELECT failures FROM login_throttle WHERE bucket = 'user:zone'", vec![])
                .await
                .unwrap();
            if row.is_some_and(|r| r.try_get::<i64>("", "failures").unwrap() >= 5) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (true, sign_in_from(&app, "10.1.0.1:40001", "zone", demo::DEMO_PASSWORD).await.status)
    });
    let answers = tasks.join_all().await;
    let evaluated = failed_sign_ins(&t, "zone").await;
    assert!(evaluated <= 5, "{evaluated} guesses were checked");
    let right = answers.iter().find(|(right, _)| *right).unwrap().1;
    assert_eq!(
        right,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password is not taken once the tries are spent"
    );
    assert_eq!(answers.iter().filter(|(_, s)| *s == StatusCode::SEE_OTHER).count(), 0);
    // Its owner, from elsewhere, is held back too, but only for a short while.
    let r = sign_in_from(&t.app, "10.2.0.1:40000", "zone", demo::DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = r.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=15).contains(&wait), "wait {wait} s");
}

#[tokio::test]
async fn unknown_and_held_back_names_get_the_same_answer() {
    let t = app().await;
    // The page as the user sees it, less the name they typed and their own CSRF token.
    let same = |r: &Resp, name: &str| {
        let mut s = Session::default();
        s.absorb(r);
        (
            r.status,
            r.body.replace(&format!("value=\"{name}\""), "value=\"?\"").replace(&s.csrf, "?"),
        )
    };
    for i in 0..7 {
        let known = sign_in_from(&t.app, "10.3.0.1:1", "zone", "wrong-password-1").await;
        let unknown = sign_in_from(&t.app, "10.3.0.2:1", "nobody-at-all", "wrong-password-1").await;
        let (ks, kb) = same(&known, "zone");
        let (us, ub) = same(&unknown, "nobody-at-all");
        assert_eq!(ks, us, "attempt {i}");
        assert_eq!(kb.split("<main").nth(1), ub.split("<main").nth(1), "attempt {i}");
        let want = if i < 4 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(ks, want, "attempt {i}");
    }
}

#[tokio::test]
async fn one_address_is_held_back_whatever_names_it_tries() {
    let t = app().await;
    for i in 0..10 {
        let name = if i % 2 == 0 {
            format!("guess-{i}")
        } else {
            ["zone", "bureau", "member", "expert", "admin"][i / 2].to_string()
        };
        // The tenth failure from the address starts its waits.
        let want = if i < 9 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(
            sign_in_from(&t.app, "10.4.0.1:5000", &name, "wrong-password-1").await.status,
            want,
            "{name}"
        );
    }
    let r = sign_in_from(&t.app, "10.4.0.1:5001", "orgadmin", demo::DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the address has spent its tries");
    let r = sign_in_from(&t.app, "10.4.0.2:5000", "orgadmin", demo::DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "another address is not held back");
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_behind_our_proxy() {
    let t = app().await;
    let proxied = router(AppState::new(
        t.db.clone(),
        WebConfig { behind_proxy: true, ..WebConfig::default() },
    ));
    let attempt = |app: &axum::Router, forwarded: String, name: &'static str| {
        let app = app.clone();
        async move {
            let mut s = Session::default();
            s.absorb(&send_to(&app, Request::get("/login").body(Body::empty()).unwrap()).await);
            let body = serde_urlencoded::to_string([
                ("_csrf", s.csrf.as_str()),
                ("username", name),
                ("password", "wrong-password-1"),
            ])
            .unwrap();
            let mut req = Request::post("/login")
                .header(header::COOKIE, s.cookie_header())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("x-forwarded-for", forwarded)
                .body(Body::from(body))
                .unwrap();
            req.extensions_mut().insert(axum::extract::ConnectInfo(
                "10.6.0.1:1".parse::<std::net::SocketAddr>().unwrap(),
            ));
            send_to(&app, req).await.status
        }
    };
    let names = ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10"];
    // Without the flag, a made-up header changes nothing: the peer is held back after ten.
    for (i, name) in names.iter().enumerate() {
        let status = attempt(&t.app, format!("203.0.113.{i}"), name).await;
        assert_eq!(status == StatusCode::TOO_MANY_REQUESTS, i >= 9, "attempt {i}: {status}");
    }
    // Behind our proxy, the last address it appended is the client.
    for (i, name) in names.iter().enumerate() {
        let status = attempt(&proxied, format!("198.51.100.7, 203.0.113.{i}"), name).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
}
