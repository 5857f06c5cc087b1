//! The ledger subcommands: `ingest`, `reanalyze`, `quotes`, `speakers`, `claims`, `claim`,
//! `search`, `export`. All take `--db PATH` (default `./onrecord.db`).

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use onrecord::Document;
use onrecord_ledger::export::ExportFormat;
use onrecord_ledger::query::{QuoteFilter, QuoteRow};
use onrecord_ledger::claims::ClaimEncoder;
use onrecord_ledger::{Event, IngestOptions, IngestSummary, Ledger, LexicalEncoder, MiniLmEncoder};

#[derive(clap::Args, Clone)]
pub struct Db {
    /// The ledger file.
    #[arg(long, default_value = onrecord_ledger::DEFAULT_DB)]
    db: PathBuf,
}

impl Db {
    fn open(&self) -> anyhow::Result<Ledger> {
        Ledger::open(&self.db).with_context(|| format!("opening ledger {}", self.db.display()))
    }
    /// Opens an existing ledger only: a query should not create an empty file.
    fn open_existing(&self) -> anyhow::Result<Ledger> {
        anyhow::ensure!(self.db.exists(), "no ledger at {} (run `onrecord ingest` first, or pass --db)", self.db.display());
        self.open()
    }
}

/// Store articles and everything extracted from them in the ledger.
///
/// Re-ingesting an article already stored under the same analysis version does nothing; one
/// stored under another version is re-analysed. Batches are committed as they finish, so an
/// interrupted run can simply be run again.
#[derive(clap::Args)]
pub struct IngestArgs {
    /// Files, directories or `-` (text, JSON Lines, HTML, WARC, RSS/Atom, `.gz`).
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    db: Db,
    /// Articles analysed and committed together.
    #[arg(long, default_value_t = onrecord_ledger::BATCH)]
    batch: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Skip articles longer than this many bytes.
    #[arg(long, default_value_t = 2_000_000)]
    max_bytes: usize,
    /// Do not rebuild copies, speakers and claims at the end.
    #[arg(long)]
    no_link: bool,
    /// Also link after every N articles stored (0: only at the end), so a long stream is linked
    /// as it goes and memory stays bounded; the result is the same.
    #[arg(long, value_name = "N", default_value_t = onrecord_ledger::LINK_EVERY)]
    link_every: usize,
    /// How claims are clustered (default: MiniLM when the model is fetched, else lexical).
    #[arg(long, value_enum)]
    claims: Option<ClaimsMode>,
    /// Print the run summary as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    learned: crate::learned::LearnedArgs,
}

/// Re-run analysis on stored articles after an upgrade (those analysed by another version).
#[derive(clap::Args)]
pub struct ReanalyzeArgs {
    #[command(flatten)]
    db: Db,
    /// Re-analyse every article, whatever its version.
    #[arg(long)]
    all: bool,
    /// How claims are clustered (default: MiniLM when the model is fetched, else lexical).
    #[arg(long, value_enum)]
    claims: Option<ClaimsMode>,
    #[arg(long, default_value_t = onrecord_ledger::BATCH)]
    batch: usize,
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long)]
    json: bool,
    /// The learned tiers to re-analyse with (a different choice is a different analysis
    /// version: the articles analysed otherwise are the ones re-analysed).
    #[command(flatten)]
    learned: crate::learned::LearnedArgs,
}

/// List quotes, filtered by speaker, date, outlet or kind.
#[derive(clap::Args)]
pub struct QuotesArgs {
    #[command(flatten)]
    db: Db,
    /// Part of the speaker's name (matches the resolved speaker, the name or the source).
    #[arg(long)]
    speaker: Option<String>,
    /// Articles published on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// Articles published on or before this date.
    #[arg(long)]
    until: Option<String>,
    /// Part of the publisher, site name or URL.
    #[arg(long)]
    outlet: Option<String>,
    /// direct, indirect or mixed.
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    limit: Option<usize>,
    #[arg(long)]
    json: bool,
}

/// List speakers resolved across articles, most quoted first.
#[derive(clap::Args)]
pub struct SpeakersArgs {
    #[command(flatten)]
    db: Db,
    #[arg(long, default_value_t = 50)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

/// List claim clusters (those with more than one attribution, or only disputed ones).
#[derive(clap::Args)]
pub struct ClaimsArgs {
    #[command(flatten)]
    db: Db,
    /// Only claims both asserted (or reported) and denied.
    #[arg(long)]
    disputed: bool,
    #[arg(long, default_value_t = 50)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

/// The timeline of one claim: who asserted, relayed, questioned and denied it, and when.
#[derive(clap::Args)]
pub struct ClaimArgs {
    id: i64,
    #[command(flatten)]
    db: Db,
    #[arg(long)]
    json: bool,
}

/// Full-text search over quotes and articles.
#[derive(clap::Args)]
pub struct SearchArgs {
    /// Words to find (all must occur).
    #[arg(required = true)]
    text: Vec<String>,
    #[command(flatten)]
    db: Db,
    #[arg(long, default_value_t = 20)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// One quote per line, with article, speaker, stance and claim.
    Jsonl,
    /// The same fields as CSV.
    Csv,
    /// schema.org Claim objects with their Quotation appearances (ClaimReview-compatible).
    Jsonld,
    /// One typed row per quote in an Apache Parquet file (Snappy); best with `-o FILE`.
    Parquet,
}

/// Export every quote, streamed.
#[derive(clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    db: Db,
    #[arg(long, value_enum, default_value = "jsonl")]
    format: Format,
    /// Write here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// How claims are compared when clustering.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ClaimsMode {
    /// Word overlap, entities and dates.
    Lexical,
    /// all-MiniLM-L6-v2 sentence embeddings, entities and dates (needs scripts/fetch-models.sh).
    Minilm,
}

/// The claim encoder for `mode`; without one, MiniLM when its model is present, else lexical
/// with a note saying how to get MiniLM.
fn claim_encoder(mode: Option<ClaimsMode>) -> anyhow::Result<Box<dyn ClaimEncoder>> {
    let minilm = || -> anyhow::Result<Box<dyn ClaimEncoder>> { Ok(Box::new(MiniLmEncoder::load_default().context("loading the MiniLM claim encoder")?)) };
    match mode {
        Some(ClaimsMode::Lexical) => Ok(Box::new(LexicalEncoder)),
        Some(ClaimsMode::Minilm) => minilm(),
        None if MiniLmEncoder::model_present() => minilm(),
        None => {
            eprintln!("claims clustered lexically: run scripts/fetch-models.sh for MiniLM");
            Ok(Box::new(LexicalEncoder))
        }
    }
}

/// The analysis version recorded with each article: the program version and pipeline.
fn analysis_version(p: &onrecord::Pipeline) -> String {
    format!("onrecord {} [{}]", env!("CARGO_PKG_VERSION"), p.names().join(","))
}

fn pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new().num_threads(threads.unwrap_or(0)).build().context("starting worker threads")
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {pos} articles read, {per_sec} [{elapsed}] {msg}") {
        pb.set_style(style);
    }
    Some(pb)
}

fn report(sum: &IngestSummary, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string(sum)?);
    } else {
        let rate = if sum.seconds > 0.0 { (sum.ingested + sum.reanalysed) as f64 / sum.seconds } else { 0.0 };
        println!(
            "ingested {}, already present {}, re-analysed {}, failed {}, copies linked {} — {:.1} s, {:.1} articles/s",
            sum.ingested, sum.already_present, sum.reanalysed, sum.failed, sum.copies_linked, sum.seconds, rate
        );
    }
    Ok(if sum.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn run_with_progress(f: impl FnOnce(&mut dyn FnMut(Event)) -> onrecord_ledger::Result<IngestSummary>) -> anyhow::Result<IngestSummary> {
    let pb = progress_bar();
    let mut events = |e: Event| match e {
        Event::Progress(s) => {
            if let Some(pb) = &pb {
                pb.set_position(s.read);
                pb.set_message(format!("{} new, {} present, {} failed", s.ingested + s.reanalysed, s.already_present, s.failed));
            }
        }
        Event::Failed(msg) => {
            let line = format!("skipped: {msg}");
            match &pb {
                Some(pb) => pb.println(line),
                None => eprintln!("{line}"),
            }
        }
    };
    let sum = f(&mut events)?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    Ok(sum)
}

pub fn ingest(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let inputs = if args.inputs.is_empty() { vec![PathBuf::from("-")] } else { args.inputs.clone() };
    let mut ledger = args.db.open()?;
    let mut pipeline = onrecord::default_pipeline();
    args.learned.apply(&mut pipeline)?;
    let opts = IngestOptions { batch: args.batch, analysis_version: analysis_version(&pipeline), max_bytes: args.max_bytes, link: !args.no_link, link_every: args.link_every };
    let analyse = |d: &mut Document| pipeline.run(d).map_err(|e| e.to_string());
    let docs = onrecord_ingest::read_all(&inputs).map(|r| r.map_err(|e| e.to_string()));
    let pool = pool(args.threads)?;
    let encoder = claim_encoder(args.claims)?;
    let sum = pool.install(|| run_with_progress(|ev| ledger.ingest(docs, &analyse, &opts, encoder.as_ref(), ev)))?;
    report(&sum, args.json)
}

pub fn reanalyze(args: ReanalyzeArgs) -> anyhow::Result<ExitCode> {
    let mut ledger = args.db.open_existing()?;
    let mut pipeline = onrecord::default_pipeline();
    args.learned.apply(&mut pipeline)?;
    let opts = IngestOptions { batch: args.batch, analysis_version: analysis_version(&pipeline), ..Default::default() };
    let analyse = |d: &mut Document| pipeline.run(d).map_err(|e| e.to_string());
    let pool = pool(args.threads)?;
    let encoder = claim_encoder(args.claims)?;
    let sum = pool.install(|| run_with_progress(|ev| ledger.reanalyze(&analyse, &opts, args.all, encoder.as_ref(), ev)))?;
    report(&sum, args.json)
}

/// Shortens to `n` characters on one line.
fn cut(s: &str, n: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= n {
        one
    } else {
        format!("{}…", one.chars().take(n.saturating_sub(1)).collect::<String>())
    }
}

fn table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| -> String {
        let last = cells.len().saturating_sub(1);
        cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| if i == last { c } else { format!("{c:<width$}", width = w[i]) })
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(header.iter().map(|h| h.to_string()).collect()))?;
    for r in rows {
        writeln!(out, "{}", line(r.clone()))?;
    }
    Ok(())
}

fn who(q: &QuoteRow) -> String {
    let mut s = q.speaker.clone().or_else(|| q.source.clone()).unwrap_or_else(|| "?".into());
    if q.source_kind != "named" && q.source_kind != "pronoun" {
        s = format!("{s} ({})", q.source_kind.replace('_', " "));
    }
    if let Some(a) = &q.addressee {
        s = format!("{s} → {a}");
    }
    s
}

fn stance_text(q: &QuoteRow) -> String {
    if q.hedges.is_empty() {
        q.stance.clone()
    } else {
        format!("{} (hedged: {})", q.stance, q.hedges.join(", "))
    }
}

pub fn quotes(args: QuotesArgs) -> anyhow::Result<ExitCode> {
    let ledger = args.db.open_existing()?;
    let filter = QuoteFilter { speaker: args.speaker, since: args.since, until: args.until, outlet: args.outlet, kind: args.kind, claim: None, limit: args.limit };
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        ledger.for_each_quote(&filter, &mut |q| {
            serde_json::to_writer(&mut out, &q)?;
            out.write_all(b"\n")?;
            Ok(())
        })?;
    } else {
        let rows: Vec<Vec<String>> = ledger
            .quotes(&filter)?
            .iter()
            .map(|q| vec![q.published.clone().unwrap_or_default().chars().take(10).collect(), cut(&who(q), 30), q.stance.clone(), cut(&q.content, 90), cut(&format!("{} {}", q.article, q.outlet.clone().unwrap_or_default()), 30), q.claim.map(|c| c.to_string()).unwrap_or_default()])
            .collect();
        table(&mut out, &["date", "speaker", "stance", "content", "article", "claim"], &rows)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn speakers(args: SpeakersArgs) -> anyhow::Result<ExitCode> {
    let ledger = args.db.open_existing()?;
    let sp = ledger.speakers(Some(args.limit))?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        for s in &sp {
            writeln!(out, "{}", serde_json::to_string(s)?)?;
        }
    } else {
        let rows: Vec<Vec<String>> = sp.iter().map(|s| vec![s.id.to_string(), cut(&s.name, 30), s.kind.clone(), s.quotes.to_string(), s.articles.to_string(), cut(&s.roles.join("; "), 60)]).collect();
        table(&mut out, &["id", "speaker", "kind", "quotes", "articles", "roles"], &rows)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn claims(args: ClaimsArgs) -> anyhow::Result<ExitCode> {
    let ledger = args.db.open_existing()?;
    let cl = ledger.claims(args.disputed, Some(args.limit))?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        for c in &cl {
            writeln!(out, "{}", serde_json::to_string(c)?)?;
        }
    } else {
        let rows: Vec<Vec<String>> = cl
            .iter()
            .map(|c| vec![c.id.to_string(), if c.disputed { "DISPUTED".into() } else { String::new() }, c.articles.to_string(), format!("{}/{}/{}/{}", c.asserts, c.reports, c.denies, c.questions), cut(&c.label, 100)])
            .collect();
        table(&mut out, &["id", "", "articles", "asserts/reports/denies/questions", "claim"], &rows)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn claim(args: ClaimArgs) -> anyhow::Result<ExitCode> {
    let ledger = args.db.open_existing()?;
    let Some(t) = ledger.claim(args.id)? else {
        eprintln!("onrecord: no claim {}", args.id);
        return Ok(ExitCode::from(1));
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&t)?)?;
    } else {
        let c = &t.claim;
        writeln!(out, "claim {}{}: {}", c.id, if c.disputed { " (DISPUTED)" } else { "" }, c.label)?;
        writeln!(out, "{} attributions in {} articles; asserts {}, reports {}, denies {}, questions {}\n", c.size, c.articles, c.asserts, c.reports, c.denies, c.questions)?;
        let rows: Vec<Vec<String>> = t
            .entries
            .iter()
            .map(|q| vec![q.published.clone().unwrap_or_default().chars().take(10).collect(), cut(&format!("{} {}", q.outlet.clone().unwrap_or_default(), q.article), 28), cut(&who(q), 60), stance_text(q), cut(&q.content, 80)])
            .collect();
        table(&mut out, &["date", "article", "who", "stance", "says"], &rows)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let ledger = args.db.open_existing()?;
    let hits = ledger.search(&args.text.join(" "), args.limit)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        for h in &hits {
            writeln!(out, "{}", serde_json::to_string(h)?)?;
        }
    } else {
        let rows: Vec<Vec<String>> = hits.iter().map(|h| vec![h.kind.to_string(), h.id.to_string(), cut(&h.article, 24), cut(h.speaker.as_deref().unwrap_or(""), 24), cut(&h.snippet, 100)]).collect();
        table(&mut out, &["hit", "id", "article", "speaker", "text"], &rows)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Parquet needs an owned, `Send` writer, so it has its own path.
fn export_parquet(ledger: &Ledger, output: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let n = match output {
        Some(p) => {
            let f = std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?;
            ledger.export_parquet(BufWriter::new(f))?
        }
        None => ledger.export_parquet(BufWriter::new(std::io::stdout()))?,
    };
    eprintln!("onrecord: exported {n} record(s)");
    Ok(ExitCode::SUCCESS)
}

pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let ledger = args.db.open_existing()?;
    let format = match args.format {
        Format::Parquet => return export_parquet(&ledger, args.output.as_deref()),
        Format::Jsonl => ExportFormat::Jsonl,
        Format::Csv => ExportFormat::Csv,
        Format::Jsonld => ExportFormat::JsonLd,
    };
    let n = match &args.output {
        Some(p) => {
            let f = std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?;
            ledger.export(format, &mut BufWriter::new(f))?
        }
        None => ledger.export(format, &mut BufWriter::new(std::io::stdout().lock()))?,
    };
    eprintln!("onrecord: exported {n} record(s)");
    Ok(ExitCode::SUCCESS)
}
