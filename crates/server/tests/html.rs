//! The HTML pages: they render, show the ledger, and escape every piece of article text.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use onrecord_server::{router, AppState, Config};
use serde_json::Value;
use tower::ServiceExt;

fn app() -> Router {
    router(AppState::new(Config::new(common::ledger_path())))
}

async fn get(app: &Router, uri: &str) -> (StatusCode, String) {
    let resp = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let s = resp.status();
    let b = axum::body::to_bytes(resp.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    (s, String::from_utf8(b.to_vec()).unwrap())
}

async fn page(app: &Router, uri: &str) -> String {
    let (s, b) = get(app, uri).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {b}");
    assert!(b.starts_with("<!DOCTYPE html>"), "{uri}");
    // The UI writes no script of its own, so any <script or on...= handler came from data.
    assert!(
        !b.to_lowercase().contains("<script"),
        "{uri}: unescaped <script>"
    );
    assert!(!b.contains("<img"), "{uri}: unescaped <img>");
    assert!(!b.contains("<b>"), "{uri}: unescaped <b>");
    b
}

async fn json(app: &Router, uri: &str) -> Value {
    let (_, b) = get(app, uri).await;
    serde_json::from_str(&b).unwrap()
}

#[tokio::test]
async fn article_markup_is_shown_as_text() {
    let app = app();
    let arts = json(&app, "/api/articles").await;
    let xss = arts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["doc_id"] == "xss-3")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let b = page(&app, &format!("/articles/{xss}")).await;
    assert!(
        b.contains("&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;"),
        "{b}"
    );
    assert!(b.contains("&lt;img src=x onerror=alert(1)&gt;"), "{b}");
    assert!(b.contains("<title>&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Markup in news · onrecord</title>"), "{b}");
    assert!(b.contains("Evil &lt;b&gt;Outlet&lt;/b&gt;"));
    // Everywhere else the article's strings appear.
    for uri in [
        "/",
        "/articles",
        "/search?q=script",
        "/search?q=%3Cscript%3E",
        "/search?q=paste",
        "/quotes?outlet=Evil",
        "/claims",
        "/speakers",
    ] {
        page(&app, uri).await;
    }
    let sp = json(&app, "/api/speakers?name=Lopez").await;
    let b = page(&app, &format!("/speakers/{}", sp["items"][0]["id"])).await;
    assert!(b.contains("&lt;img src=x onerror=alert(1)&gt;"), "{b}");
    // A search term is echoed escaped.
    let b = page(&app, "/search?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(
        b.contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""),
        "{b}"
    );
}

#[tokio::test]
async fn pages_show_the_ledger() {
    let app = app();
    let b = page(&app, "/").await;
    assert!(b.contains("id=\"count-articles\""), "{b}");
    assert!(
        b.contains("<span class=\"n\">3</span><span class=\"k\">articles</span>"),
        "{b}"
    );
    assert!(b.contains("Jane Ruiz") && b.contains("disputed"), "{b}");

    let d = json(&app, "/api/disputes").await;
    let cid = d["items"][0]["id"].as_i64().unwrap();
    let b = page(&app, "/disputes").await;
    assert!(b.contains(&format!("href=\"/claims/{cid}\"")), "{b}");
    let b = page(&app, &format!("/claims/{cid}")).await;
    for want in [
        "Riverton Herald",
        "Valley Times",
        "st-denies",
        "st-asserts",
        "Tom Okafor",
        "Jane Ruiz",
        "2024-03-01",
        "2024-03-04",
    ] {
        assert!(b.contains(want), "claim page lacks {want}: {b}");
    }
    // Oldest first.
    assert!(b.find("2024-03-01").unwrap() < b.find("2024-03-04").unwrap());

    let sp = json(&app, "/api/speakers?name=Ruiz").await;
    let b = page(&app, &format!("/speakers/{}", sp["items"][0]["id"])).await;
    for want in [
        "Jane Ruiz",
        "Riverton Herald",
        "Valley Times",
        "2024-03",
        "<mark class=\"qc\">",
        "Mayor",
    ] {
        assert!(b.contains(want), "speaker page lacks {want}: {b}");
    }

    let arts = json(&app, "/api/articles").await;
    let id = arts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["doc_id"] == "herald-1")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let b = page(&app, &format!("/articles/{id}")).await;
    for want in [
        "class=\"q st-asserts\"",
        "class=\"q st-denies\"",
        "class=\"cue\"",
        "class=\"src sk-named\"",
        "class=\"time\"",
        "class=\"ent ent-person\"",
        "title=\"time (",
        "PERSON: Jane Ruiz",
    ] {
        assert!(b.contains(want), "article page lacks {want}: {b}");
    }
    let b = page(&app, "/search?q=bridge").await;
    assert!(b.contains("<mark>"), "{b}");
    let b = page(&app, "/articles?limit=1").await;
    assert!(b.contains("rel=\"next\""), "{b}");
    let (s, _) = get(&app, "/articles?limit=5000").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, css) = get(&app, "/static/style.css").await;
    assert_eq!(s, StatusCode::OK);
    assert!(css.contains("article.text"));
}

#[tokio::test]
async fn demo_notice_in_footer() {
    let app = router(AppState::new(Config {
        notice: Some(onrecord_server::demo_notice()),
        ..Config::new(common::ledger_path())
    }));
    let b = page(&app, "/").await;
    assert!(b.contains("Wikinews") && b.contains("CC BY 4.0"), "{b}");
}
