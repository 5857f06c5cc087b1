//! The web UI in a real browser: headless Chromium driven over WebDriver (chromedriver) opens the
//! overview, searches, clicks through to a speaker and to a claim, and opens an article whose text
//! holds markup. Assertions are on visible text; screenshots go to `target/ui-screenshots/`.
//!
//! Skips (with a message) when chromium or chromedriver is missing; `scripts/install-browser.sh`
//! installs both from Debian. `ONRECORD_CHROMIUM` / `ONRECORD_CHROMEDRIVER` override the paths.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use onrecord_server::{router, AppState, Config};
use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// Kills the child process (chromedriver) when the test ends, pass or fail.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Driver {
    agent: ureq::Agent,
    base: String,
    session: String,
    shots: PathBuf,
}

impl Driver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = self.agent.request(method, &url);
        let resp = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match resp {
            Ok(r) => r.into_json::<Value>().unwrap()["value"].clone(),
            Err(ureq::Error::Status(code, r)) => panic!(
                "{method} {path}: HTTP {code}: {}",
                r.into_string().unwrap_or_default()
            ),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}; url {}", self.url()))
            .to_string()
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        let v = self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
            .collect()
    }

    fn text(&self, el: &str) -> String {
        self.call("GET", &format!("/element/{el}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn visible(&self, el: &str) -> bool {
        self.call("GET", &format!("/element/{el}/displayed"), None)
            .as_bool()
            .unwrap_or(false)
    }

    fn click(&self, el: &str) {
        self.call("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    fn type_into(&self, el: &str, text: &str) {
        self.call(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn body_text(&self) -> String {
        let b = self.find("body");
        self.text(&b)
    }

    /// Waits until the URL contains `part` (navigation after a click is asynchronous).
    fn wait_url(&self, part: &str) -> String {
        let start = Instant::now();
        loop {
            let u = self.url();
            if u.contains(part) {
                return u;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "URL never contained {part}: {u}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, name: &str) {
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .unwrap();
        assert!(
            png.starts_with(b"\x89PNG"),
            "screenshot {name} is not a PNG"
        );
        let path = self.shots.join(name);
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
    }

    fn no_alert(&self) -> bool {
        let url = format!("{}/session/{}/alert/text", self.base, self.session);
        matches!(
            self.agent.get(&url).call(),
            Err(ureq::Error::Status(404, _))
        )
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Serves the test ledger on 127.0.0.1 (an ephemeral port) from a background thread.
fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        notice: Some(onrecord_server::demo_notice()),
        ..Config::new(common::ledger_path())
    };
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(l, router(AppState::new(config))).await.unwrap();
        });
    });
    format!("http://{addr}")
}

fn screenshots_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"));
    let dir = target.join("ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn browser_overview_search_speaker_claim_article() {
    let (Some(chromium), Some(chromedriver)) = (
        find_program(
            "ONRECORD_CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        ),
        find_program("ONRECORD_CHROMEDRIVER", &["chromedriver"]),
    ) else {
        eprintln!("SKIPPED browser test: chromium and chromedriver are not installed (run scripts/install-browser.sh)");
        return;
    };
    let site = start_server();
    let port = free_port();
    let _driver = Killed(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(90))
        .build();
    let start = Instant::now();
    while agent
        .get(&format!("{base}/status"))
        .call()
        .ok()
        .and_then(|r| r.into_json::<Value>().ok())
        .is_none_or(|v| v["value"]["ready"] != true)
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let profile = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("chromium-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "binary": chromium.to_string_lossy(),
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1000",
                 format!("--user-data-dir={}", profile.display())]
    }}}});
    let resp: Value = agent
        .post(&format!("{base}/session"))
        .send_json(caps)
        .expect("creating a browser session")
        .into_json()
        .unwrap();
    let session = resp["value"]["sessionId"]
        .as_str()
        .expect("session id")
        .to_string();
    let d = Driver {
        agent,
        base,
        session,
        shots: screenshots_dir(),
    };

    // Overview: counts and the search box are visible.
    d.go(&format!("{site}/"));
    let count = d.find("#count-articles");
    assert!(d.visible(&count));
    assert!(d.text(&count).contains('3'), "{}", d.text(&count));
    let body = d.body_text();
    assert!(
        body.contains("Most quoted") && body.contains("Jane Ruiz") && body.contains("CC BY 4.0"),
        "{body}"
    );
    d.screenshot("overview.png");

    // Search from the overview's box.
    let q = d.find("#q");
    d.type_into(&q, "bridge");
    let go = d.find("#search-go");
    d.click(&go);
    d.wait_url("/search?q=bridge");
    let hits = d.find("#quote-hits");
    assert!(d.visible(&hits));
    assert!(
        d.text(&hits).to_lowercase().contains("bridge"),
        "{}",
        d.text(&hits)
    );
    d.screenshot("search.png");

    // Through a hit to its speaker.
    let link = d
        .find_all("#quote-hits a.speaker")
        .into_iter()
        .find(|l| d.text(l) == "Jane Ruiz")
        .expect("a hit by Jane Ruiz");
    d.click(&link);
    d.wait_url("/speakers/");
    let name = d.find("#speaker-name");
    assert_eq!(d.text(&name), "Jane Ruiz");
    let body = d.body_text();
    assert!(
        body.contains("Riverton Herald")
            && body.contains("Valley Times")
            && body.contains("2024-03"),
        "{body}"
    );
    d.screenshot("speaker.png");

    // Back to the overview and into the disputed claim.
    d.go(&format!("{site}/disputes"));
    let claim = d.find("a.claim-link");
    d.click(&claim);
    d.wait_url("/claims/");
    let label = d.find("#claim-label");
    assert!(
        d.visible(&label) && d.text(&label).contains("Elm Street bridge"),
        "{}",
        d.text(&label)
    );
    let body = d.body_text();
    for want in [
        "DISPUTED",
        "denies",
        "asserts",
        "Tom Okafor",
        "Riverton Herald",
        "Valley Times",
    ] {
        assert!(
            body.to_uppercase().contains(&want.to_uppercase()),
            "claim page lacks {want}: {body}"
        );
    }
    d.screenshot("claim.png");

    // An article from the timeline, with its layers.
    let art = d.find("table.timeline-table a[href^='/articles/']");
    d.click(&art);
    d.wait_url("/articles/");
    let text = d.find("#article-text");
    assert!(d.text(&text).contains("Elm Street bridge"));
    assert!(
        !d.find_all("#article-text span.q").is_empty()
            && !d.find_all("#article-text span.ent").is_empty()
    );
    d.screenshot("article.png");

    // Markup in an article shows as text and runs nothing.
    d.go(&format!("{site}/search?q=editor"));
    let link = d.find("#article-hits a");
    d.click(&link);
    d.wait_url("/articles/");
    let text = d.find("#article-text");
    let shown = d.text(&text);
    assert!(shown.contains("<script>alert('xss')</script>"), "{shown}");
    assert!(shown.contains("<img src=x onerror=alert(1)>"), "{shown}");
    assert!(d.no_alert(), "an alert opened");
    d.screenshot("article-markup.png");

    d.call("DELETE", "", None);
    let _ = std::fs::remove_dir_all(&profile);
}
