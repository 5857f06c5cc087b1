//! `onrecord serve` (the web UI and JSON API over a ledger) and `onrecord demo` (ingest the
//! shipped sample corpus, then serve it).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use onrecord_server::{Config, Notice};

/// Serve the ledger: a web UI and a JSON API (documented at /openapi.json).
///
/// Read-only unless --token-env names an environment variable holding a token; then
/// `POST /api/ingest` accepts JSON Lines with `Authorization: Bearer <token>`.
#[derive(clap::Args)]
pub struct Args {
    /// The ledger file.
    #[arg(long, default_value = onrecord_ledger::DEFAULT_DB)]
    db: PathBuf,
    /// Address to listen on (keep it on 127.0.0.1 unless a proxy in front adds TLS).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Environment variable holding the ingest token; without it ingest over HTTP is off.
    #[arg(long)]
    token_env: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = onrecord_server::DEFAULT_MAX_BODY)]
    max_body: usize,
}

/// Ingest the shipped sample corpus (Wikinews via MEANTIME, CC BY 4.0) and any files given into
/// the ledger, then serve it.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// More articles to ingest with the samples (text, JSON Lines, HTML, WARC, feeds, `.gz`).
    files: Vec<PathBuf>,
    /// The ledger file (created if needed).
    #[arg(long, default_value = onrecord_ledger::DEFAULT_DB)]
    db: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Ingest only; do not start the server.
    #[arg(long)]
    no_serve: bool,
}

fn token(var: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(var) = var else { return Ok(None) };
    let t = std::env::var(var)
        .with_context(|| format!("--token-env {var}: the variable is not set"))?;
    anyhow::ensure!(
        t.trim().len() >= 16,
        "--token-env {var}: the token must be at least 16 characters"
    );
    Ok(Some(t.trim().to_string()))
}

fn run_server(config: Config, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
        let local = listener.local_addr().unwrap_or(addr);
        eprintln!(
            "onrecord: serving {} on http://{local}/ (API: http://{local}/openapi.json; ingest over HTTP {}) — Ctrl-C stops",
            config.db.display(),
            if config.token.is_some() { "on" } else { "off" }
        );
        onrecord_server::serve(listener, config).await.context("serving")
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.db.exists(),
        "no ledger at {} (run `onrecord ingest` or `onrecord demo` first, or pass --db)",
        args.db.display()
    );
    let config = Config {
        db: args.db,
        token: token(args.token_env.as_deref())?,
        max_body: args.max_body,
        notice: None,
    };
    run_server(config, args.addr)
}

pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    eprintln!(
        "onrecord: ingesting the sample corpus{} into {} …",
        if args.files.is_empty() {
            ""
        } else {
            " and your files"
        },
        args.db.display()
    );
    let report =
        onrecord_server::ingest_demo(&args.db, &args.files).map_err(|e| anyhow::anyhow!("{e}"))?;
    for f in &report.failures {
        eprintln!("skipped: {f}");
    }
    let s = &report.summary;
    eprintln!(
        "ingested {}, already present {}, failed {} — {:.1} s",
        s.ingested, s.already_present, s.failed, s.seconds
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let notice: Notice = onrecord_server::demo_notice();
    let config = Config {
        db: args.db,
        token: None,
        max_body: onrecord_server::DEFAULT_MAX_BODY,
        notice: Some(notice),
    };
    run_server(config, args.addr)
}
