//! Route tests in-process (tower `oneshot`) over a small ledger built from synthetic articles.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use onrecord_server::{router, AppState, Config, OPENAPI};
use serde_json::Value;
use tower::ServiceExt;

fn app() -> Router {
    router(AppState::new(Config::new(common::ledger_path())))
}

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, String, Option<String>) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ctype = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = axum::body::to_bytes(resp.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap(), ctype)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, String) {
    let (s, b, _) = call(app, Request::get(uri).body(Body::empty()).unwrap()).await;
    (s, b)
}

async fn get_json(app: &Router, uri: &str) -> (StatusCode, Value) {
    let (s, b, ct) = call(app, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert!(
        ct.as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "{uri}: content type {ct:?}: {b}"
    );
    (
        s,
        serde_json::from_str(&b).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {b}")),
    )
}

/// Asserts an error response: the status and `{"error": {"status", "code", "message"}}`.
fn assert_error(uri: &str, got: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "{uri}: {}", got.1);
    assert_eq!(
        got.1["error"]["status"],
        status.as_u16(),
        "{uri}: {}",
        got.1
    );
    assert_eq!(got.1["error"]["code"], code, "{uri}: {}", got.1);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{uri}: {}",
        got.1
    );
}

async fn first_id(app: &Router, uri: &str) -> i64 {
    let (s, v) = get_json(app, uri).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {v}");
    v["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{uri}: no items: {v}"))
}

#[tokio::test]
async fn every_route_in_openapi_answers() {
    let app = app();
    let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let article = first_id(&app, "/api/articles").await;
    let speaker = first_id(&app, "/api/speakers").await;
    let claim = first_id(&app, "/api/disputes").await;
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 12);
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let id = if path.starts_with("/api/articles") {
                article
            } else if path.starts_with("/api/speakers") {
                speaker
            } else {
                claim
            };
            let mut uri = path.replace("{id}", &id.to_string());
            // Fill required query parameters with a plausible value.
            let required: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| format!("{}=bridge", p["name"].as_str().unwrap()))
                .collect();
            if !required.is_empty() {
                uri = format!("{uri}?{}", required.join("&"));
            }
            match method.as_str() {
                "get" => {
                    let (s, v) = get_json(&app, &uri).await;
                    assert_eq!(s, StatusCode::OK, "GET {uri}: {v}");
                    // Documented query parameters are accepted.
                    for p in op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|p| p["in"] == "query")
                    {
                        let name = p["name"].as_str().unwrap();
                        let val = match p["schema"]["type"].as_str() {
                            Some("integer") => "1".to_string(),
                            Some("boolean") => "true".to_string(),
                            _ => p["schema"]["enum"]
                                .get(0)
                                .and_then(|e| e.as_str())
                                .map(str::to_string)
                                .unwrap_or_else(|| {
                                    if name.contains("since") || name.contains("until") {
                                        "2024".into()
                                    } else {
                                        "bridge".into()
                                    }
                                }),
                        };
                        let sep = if uri.contains('?') { '&' } else { '?' };
                        let u = format!("{uri}{sep}{name}={val}");
                        let (s, v) = get_json(&app, &u).await;
                        assert_eq!(s, StatusCode::OK, "GET {u}: {v}");
                    }
                }
                "post" => {
                    let token = "test-token-0123456789";
                    let path = common::fresh_path("openapi-ingest");
                    let app = router(AppState::new(Config {
                        token: Some(token.into()),
                        ..Config::new(path)
                    }));
                    let req = Request::post(&uri)
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::from(common::corpus_jsonl()))
                        .unwrap();
                    let (s, b, _) = call(&app, req).await;
                    assert_eq!(s, StatusCode::OK, "POST {uri}: {b}");
                }
                m => panic!("method {m} not tested"),
            }
        }
    }
    // And the router has no JSON route the document leaves out.
    for r in [
        "/api/overview",
        "/api/articles",
        "/api/quotes",
        "/api/speakers",
        "/api/claims",
        "/api/disputes",
        "/api/search",
        "/api/ingest",
        "/api/articles/{id}",
        "/api/speakers/{id}",
        "/api/claims/{id}",
    ] {
        assert!(paths.contains_key(r), "{r} missing from openapi.json");
    }
}

#[tokio::test]
async fn pagination_and_limits() {
    let app = app();
    let (_, all) = get_json(&app, "/api/quotes?limit=200").await;
    let total = all["total"].as_i64().unwrap();
    assert!(total >= 6, "{all}");
    assert_eq!(all["items"].as_array().unwrap().len() as i64, total);
    assert!(all["next_offset"].is_null());
    // Walk the pages two at a time: the same items in the same order, and next_offset chains.
    let mut seen = vec![];
    let mut offset = Some(0);
    while let Some(o) = offset {
        let (s, v) = get_json(&app, &format!("/api/quotes?limit=2&offset={o}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["total"].as_i64(), Some(total));
        assert!(v["items"].as_array().unwrap().len() <= 2);
        seen.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| q["id"].as_i64().unwrap()),
        );
        offset = v["next_offset"].as_u64();
    }
    let ids: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, ids);
    // Past the end: empty page, no next.
    let (_, v) = get_json(&app, "/api/quotes?offset=10000").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    assert!(v["next_offset"].is_null());
    for bad in [
        "/api/quotes?limit=201",
        "/api/quotes?limit=0",
        "/api/quotes?limit=x",
        "/api/quotes?offset=-1",
        "/api/articles?limit=1000000",
        "/api/speakers?offset=abc",
    ] {
        assert_error(
            bad,
            &get_json(&app, bad).await,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        );
    }
}

#[tokio::test]
async fn quote_filters() {
    let app = app();
    let items = |v: &Value| v["items"].as_array().unwrap().clone();
    let (_, v) = get_json(&app, "/api/quotes?speaker=Ruiz").await;
    assert!(!items(&v).is_empty());
    assert!(items(&v).iter().all(|q| q["speaker"] == "Jane Ruiz"), "{v}");
    let (_, v) = get_json(&app, "/api/quotes?outlet=Valley").await;
    assert!(
        !items(&v).is_empty() && items(&v).iter().all(|q| q["outlet"] == "Valley Times"),
        "{v}"
    );
    let (_, v) = get_json(&app, "/api/quotes?since=2024-03-02&until=2024-04").await;
    assert!(
        !items(&v).is_empty() && items(&v).iter().all(|q| q["article"] == "times-2"),
        "{v}"
    );
    let (_, v) = get_json(&app, "/api/quotes?until=2024-03-01").await;
    assert!(
        !items(&v).is_empty() && items(&v).iter().all(|q| q["article"] == "herald-1"),
        "{v}"
    );
    let (_, v) = get_json(&app, "/api/quotes?kind=direct").await;
    assert!(
        !items(&v).is_empty() && items(&v).iter().all(|q| q["kind"] == "direct"),
        "{v}"
    );
    let (_, v) = get_json(&app, "/api/quotes?stance=denies").await;
    assert!(
        !items(&v).is_empty() && items(&v).iter().all(|q| q["speaker"] == "Tom Okafor"),
        "{v}"
    );
    let (_, v) = get_json(&app, "/api/quotes?source_kind=named&text=bridge").await;
    assert!(
        !items(&v).is_empty()
            && items(&v)
                .iter()
                .all(|q| q["content"].as_str().unwrap().contains("bridge")),
        "{v}"
    );
    let (_, v) = get_json(&app, "/api/quotes?source_kind=document").await;
    assert_eq!(v["total"], 0);
    for bad in [
        "/api/quotes?since=March",
        "/api/quotes?until=2024-3-1",
        "/api/quotes?kind=loud",
        "/api/quotes?source_kind=secret",
        "/api/quotes?agent=x",
        "/api/quotes?spekaer=Ruiz",
        "/api/claims?disputed=maybe",
        "/api/search",
        "/api/search?q=",
    ] {
        assert_error(
            bad,
            &get_json(&app, bad).await,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        );
    }
}

#[tokio::test]
async fn claims_speakers_articles_and_search() {
    let app = app();
    let (_, d) = get_json(&app, "/api/disputes").await;
    let c = &d["items"][0];
    assert_eq!(c["disputed"], true);
    assert!(
        c["label"].as_str().unwrap().contains("Elm Street bridge"),
        "{d}"
    );
    let (_, t) = get_json(&app, &format!("/api/claims/{}", c["id"])).await;
    let stances: Vec<&str> = t["timeline"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["stance"].as_str().unwrap())
        .collect();
    assert!(
        stances.contains(&"asserts") && stances.contains(&"denies"),
        "{t}"
    );
    let outlets: std::collections::BTreeSet<&str> = t["timeline"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["outlet"].as_str())
        .collect();
    assert_eq!(outlets.len(), 2, "{t}");

    let (_, sp) = get_json(&app, "/api/speakers?name=Ruiz").await;
    let ruiz = &sp["items"][0];
    assert_eq!(ruiz["name"], "Jane Ruiz");
    assert_eq!(ruiz["articles"], 2);
    let (_, one) = get_json(&app, &format!("/api/speakers/{}", ruiz["id"])).await;
    assert_eq!(one["outlets"].as_array().unwrap().len(), 2, "{one}");

    let (_, arts) = get_json(&app, "/api/articles").await;
    assert_eq!(arts["total"], 3);
    let id = arts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["doc_id"] == "herald-1")
        .unwrap()["id"]
        .clone();
    let (_, a) = get_json(&app, &format!("/api/articles/{id}")).await;
    let text = a["text"].as_str().unwrap();
    // Offsets are code points into the text.
    let chars: Vec<char> = text.chars().collect();
    for q in a["attributions"].as_array().unwrap() {
        for sp in q["content_spans"].as_array().unwrap() {
            let (s, e) = (
                sp[0].as_u64().unwrap() as usize,
                sp[1].as_u64().unwrap() as usize,
            );
            let piece: String = chars[s..e].iter().collect();
            assert!(
                q["content"].as_str().unwrap().contains(piece.as_str()),
                "{piece:?} vs {}",
                q["content"]
            );
        }
    }
    assert!(
        !a["entities"].as_array().unwrap().is_empty()
            && !a["times"].as_array().unwrap().is_empty()
            && !a["sentences"].as_array().unwrap().is_empty()
    );

    let (_, s) = get_json(&app, "/api/search?q=bridge%20repairs").await;
    let hits = s["items"].as_array().unwrap();
    assert!(
        hits.iter().any(|h| h["kind"] == "quote") && hits.iter().any(|h| h["kind"] == "article"),
        "{s}"
    );
    assert!(
        hits.iter()
            .all(|h| h["snippet"].as_str().unwrap().contains('[')),
        "{s}"
    );
    // FTS operators in the words are taken literally, not an error.
    let (st, _) = get_json(&app, "/api/search?q=%22bridge%20OR%20(NEAR").await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn not_found_and_bad_ids() {
    let app = app();
    for uri in [
        "/api/articles/99999",
        "/api/speakers/99999",
        "/api/claims/99999",
        "/api/nothing-here",
    ] {
        assert_error(
            uri,
            &get_json(&app, uri).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
    }
    for uri in ["/api/articles/abc", "/api/claims/1.5"] {
        assert_error(
            uri,
            &get_json(&app, uri).await,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        );
    }
    for uri in [
        "/nothing-here",
        "/articles/99999",
        "/speakers/99999",
        "/claims/99999",
    ] {
        let (s, b) = get(&app, uri).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
        assert!(b.contains("<!DOCTYPE html>"), "{uri}");
    }
    let (s, _) = get(&app, "/articles/abc").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn ingest_needs_a_configured_token() {
    let body = "{\"id\": \"new-1\", \"text\": \"\\\"We will reopen the bridge in May,\\\" said Mayor Jane Ruiz on Tuesday.\", \"published\": \"2024-06-01\"}\n";
    let post = |auth: Option<&str>, body: String| {
        let mut r =
            Request::post("/api/ingest").header(header::CONTENT_TYPE, "application/x-ndjson");
        if let Some(a) = auth {
            r = r.header(header::AUTHORIZATION, a);
        }
        r.body(Body::from(body)).unwrap()
    };
    let json = |(s, b, _): (StatusCode, String, Option<String>)| {
        (s, serde_json::from_str::<Value>(&b).unwrap())
    };

    // Read-only server: no ingest, whatever the header.
    let ro = router(AppState::new(Config::new(common::fresh_path("ro"))));
    assert_error(
        "ro",
        &json(call(&ro, post(Some("Bearer anything"), body.into())).await),
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    let token = "s3cret-token-for-tests";
    let path = common::fresh_path("ingest");
    let rw = router(AppState::new(Config {
        token: Some(token.into()),
        max_body: 4096,
        ..Config::new(&path)
    }));
    assert_error(
        "no header",
        &json(call(&rw, post(None, body.into())).await),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        "basic",
        &json(call(&rw, post(Some("Basic abc"), body.into())).await),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        "wrong",
        &json(call(&rw, post(Some("Bearer s3cret-token-for-test"), body.into())).await),
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let good = format!("Bearer {token}");
    assert_error(
        "empty",
        &json(call(&rw, post(Some(&good), " \n".into())).await),
        StatusCode::BAD_REQUEST,
        "bad_body",
    );
    assert_error(
        "too large",
        &json(call(&rw, post(Some(&good), "x".repeat(5000))).await),
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    );
    let (s, v) = json(call(&rw, post(Some(&good), format!("{body}not json\n"))).await);
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["ingested"].as_u64(), v["failed"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(v["failures"].as_array().unwrap().len(), 1);
    let (_, q) = get_json(&rw, "/api/quotes?speaker=Ruiz").await;
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["content"].as_str().unwrap().contains("reopen the bridge")),
        "{q}"
    );
    // Again: already present.
    let (_, v) = json(call(&rw, post(Some(&good), body.into())).await);
    assert_eq!(v["already_present"].as_u64(), Some(1), "{v}");
}

#[tokio::test]
async fn openapi_is_served() {
    let app = app();
    let (s, v) = get_json(&app, "/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["info"]["title"], "onrecord API");
}
