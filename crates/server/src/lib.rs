//! onrecord-server: `onrecord serve`, an HTTP JSON API and a server-rendered web UI over the
//! ledger.
//!
//! Reads go through a small pool of ledger connections (rusqlite connections are not `Sync`, so
//! each request takes one on a blocking thread and puts it back). Ingest over HTTP
//! (`POST /api/ingest`, JSON Lines) exists only when a token is configured, and then needs
//! `Authorization: Bearer <token>`; ingests run one at a time.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let config = onrecord_server::Config::new("onrecord.db");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! onrecord_server::serve(listener, config).await
//! # }
//! ```

pub mod api;
pub mod db;
mod error;
pub mod html;
pub mod params;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use onrecord_ledger::{Event, IngestOptions, IngestSummary, Ledger, LexicalEncoder};
use serde::Serialize;

pub use error::ApiError;

/// The OpenAPI 3 description of the JSON API, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The sample corpus `onrecord demo` ingests (Wikinews via MEANTIME, CC BY 4.0).
pub const DEMO_CORPUS: &str = include_str!("../../../samples/wikinews-meantime.jsonl");

/// Attribution shown in the footer when serving the demo corpus (samples/README.md).
pub fn demo_notice() -> Notice {
    Notice {
        text: "Sample articles: Wikinews (en.wikinews.org) contributors, CC BY 4.0, as collected in MEANTIME \
               (NewsReader; FBK, VU University Amsterdam, UPV/EHU); annotations dropped."
            .into(),
        url: Some("https://creativecommons.org/licenses/by/4.0/".into()),
    }
}

/// The default limit on a request body (ingest), in bytes.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// A line shown in every page's footer (plain text, escaped when shown).
#[derive(Debug, Clone)]
pub struct Notice {
    pub text: String,
    pub url: Option<String>,
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The ledger file (must exist; [`serve`] does not create it).
    pub db: PathBuf,
    /// When set, `POST /api/ingest` accepts requests bearing this token.
    pub token: Option<String>,
    /// Largest request body accepted, in bytes.
    pub max_body: usize,
    pub notice: Option<Notice>,
}

impl Config {
    pub fn new(db: impl Into<PathBuf>) -> Config {
        Config {
            db: db.into(),
            token: None,
            max_body: DEFAULT_MAX_BODY,
            notice: None,
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    pool: Mutex<Vec<Ledger>>,
    /// Ingests run one at a time.
    write: tokio::sync::Mutex<()>,
    pipeline: OnceLock<onrecord::Pipeline>,
}

/// Connections kept for reuse.
const POOL_SIZE: usize = 8;

impl AppState {
    pub fn new(config: Config) -> AppState {
        AppState(Arc::new(Inner {
            config,
            pool: Mutex::new(vec![]),
            write: tokio::sync::Mutex::new(()),
            pipeline: OnceLock::new(),
        }))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    fn take(&self) -> Result<Ledger, ApiError> {
        let pooled = self.0.pool.lock().ok().and_then(|mut p| p.pop());
        match pooled {
            Some(l) => Ok(l),
            None => Ok(Ledger::open(&self.0.config.db)?),
        }
    }

    fn give(&self, l: Ledger) {
        if let Ok(mut p) = self.0.pool.lock() {
            if p.len() < POOL_SIZE {
                p.push(l);
            }
        }
    }

    /// Runs `f` with a ledger connection on a blocking thread.
    pub async fn with_ledger<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Ledger) -> Result<T, ApiError> + Send + 'static,
    {
        let st = self.clone();
        tokio::task::spawn_blocking(move || {
            let l = st.take()?;
            let r = f(&l);
            st.give(l);
            r
        })
        .await
        .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))?
    }

    /// Ingests JSON Lines text (one article a line) with the default pipeline, then links.
    pub async fn ingest_jsonl(&self, body: String) -> Result<IngestReport, ApiError> {
        let _guard = self.0.write.lock().await;
        let st = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut l = Ledger::open(&st.0.config.db)?;
            let pipeline = st.0.pipeline.get_or_init(onrecord::default_pipeline);
            // Pooled readers see the new rows on their next statement (WAL); nothing to reset.
            ingest_text(&mut l, pipeline, &body, "http-body")
        })
        .await
        .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))?
    }
}

/// What an ingest did, with the messages for records that were skipped.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    #[serde(flatten)]
    pub summary: IngestSummary,
    /// At most [`MAX_FAILURES`] messages.
    pub failures: Vec<String>,
}

pub const MAX_FAILURES: usize = 100;

/// The analysis version recorded with each article: the program version and pipeline (the same
/// form `onrecord ingest` writes, so articles are not re-analysed needlessly).
pub fn analysis_version(p: &onrecord::Pipeline) -> String {
    format!(
        "onrecord {} [{}]",
        env!("CARGO_PKG_VERSION"),
        p.names().join(",")
    )
}

/// Ingests JSON Lines `text` into `ledger` with `pipeline`; `path` names the input in messages.
pub fn ingest_text(
    ledger: &mut Ledger,
    pipeline: &onrecord::Pipeline,
    text: &str,
    path: &str,
) -> Result<IngestReport, ApiError> {
    let reader =
        onrecord_ingest::jsonl::JsonlReader::new(std::io::Cursor::new(text.as_bytes()), path, path);
    let docs = reader.map(|r| r.map_err(|e| e.to_string()));
    let opts = IngestOptions {
        analysis_version: analysis_version(pipeline),
        ..Default::default()
    };
    let analyse = |d: &mut onrecord::Document| pipeline.run(d).map_err(|e| e.to_string());
    let mut failures = vec![];
    let summary = ledger.ingest(docs, &analyse, &opts, &LexicalEncoder, &mut |e| {
        if let Event::Failed(m) = e {
            if failures.len() < MAX_FAILURES {
                failures.push(m.to_string());
            }
        }
    })?;
    Ok(IngestReport { summary, failures })
}

/// The whole application: JSON API under `/api`, `/openapi.json`, and the HTML pages.
pub fn router(state: AppState) -> Router {
    let max_body = state.config().max_body;
    Router::new()
        .route("/openapi.json", get(api::openapi))
        .route("/api/overview", get(api::overview))
        .route("/api/articles", get(api::articles))
        .route("/api/articles/{id}", get(api::article))
        .route("/api/quotes", get(api::quotes))
        .route("/api/speakers", get(api::speakers))
        .route("/api/speakers/{id}", get(api::speaker))
        .route("/api/claims", get(api::claims))
        .route("/api/claims/{id}", get(api::claim))
        .route("/api/disputes", get(api::disputes))
        .route("/api/search", get(api::search))
        .route("/api/ingest", post(api::ingest))
        .route("/", get(html::overview))
        .route("/articles", get(html::articles))
        .route("/articles/{id}", get(html::article))
        .route("/speakers", get(html::speakers))
        .route("/speakers/{id}", get(html::speaker))
        .route("/claims", get(html::claims))
        .route("/claims/{id}", get(html::claim))
        .route("/disputes", get(html::disputes))
        .route("/search", get(html::search))
        .route("/quotes", get(html::quotes))
        .route("/static/style.css", get(html::style))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

async fn fallback(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let e = ApiError::NotFound(format!("no route for {}", uri.path()));
    if uri.path().starts_with("/api/") {
        e.into_response()
    } else {
        html::error_page(&e, None).into_response()
    }
}

/// Serves `config` on `listener` until Ctrl-C.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> std::io::Result<()> {
    if !config.db.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no ledger at {}", config.db.display()),
        ));
    }
    let app = router(AppState::new(config));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// Opens (creating) the ledger at `db` and ingests the demo corpus plus `files` into it.
pub fn ingest_demo(db: &Path, files: &[PathBuf]) -> Result<IngestReport, ApiError> {
    let mut ledger = Ledger::open(db)?;
    let pipeline = onrecord::default_pipeline();
    let mut report = ingest_text(
        &mut ledger,
        &pipeline,
        DEMO_CORPUS,
        "samples/wikinews-meantime.jsonl",
    )?;
    if !files.is_empty() {
        let opts = IngestOptions {
            analysis_version: analysis_version(&pipeline),
            ..Default::default()
        };
        let analyse = |d: &mut onrecord::Document| pipeline.run(d).map_err(|e| e.to_string());
        let docs = onrecord_ingest::read_all(files).map(|r| r.map_err(|e| e.to_string()));
        let mut failures = vec![];
        let s = ledger.ingest(docs, &analyse, &opts, &LexicalEncoder, &mut |e| {
            if let Event::Failed(m) = e {
                if failures.len() < MAX_FAILURES {
                    failures.push(m.to_string());
                }
            }
        })?;
        let r = &mut report.summary;
        r.read += s.read;
        r.ingested += s.ingested;
        r.already_present += s.already_present;
        r.reanalysed += s.reanalysed;
        r.failed += s.failed;
        r.copies_linked = s.copies_linked;
        r.seconds += s.seconds;
        report.failures.extend(failures);
    }
    Ok(report)
}
