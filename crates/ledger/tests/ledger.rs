//! Behaviour of the ledger on small synthetic articles whose layers are written by hand, so the
//! tests do not depend on how good the analysis crates are.

use onrecord_core::layers::{
    Attribution, Entity, EntityType, Mention, MentionKind, Polarity, QuoteKind, Role, SourceKind,
};
use onrecord_core::pipeline::Component;
use onrecord_core::{Document, Field, FieldSource, Span};
use onrecord_ledger::export::ExportFormat;
use onrecord_ledger::query::QuoteFilter;
use onrecord_ledger::{IngestOptions, Ledger, LexicalEncoder};

struct Q<'a> {
    content: &'a str,
    source: &'a str,
    /// Entity name the source refers to (None: no entity).
    speaker: Option<(&'a str, EntityType)>,
    kind: SourceKind,
    polarity: Polarity,
    role: Option<&'a str>,
}

fn q<'a>(content: &'a str, source: &'a str, speaker: Option<&'a str>) -> Q<'a> {
    Q {
        content,
        source,
        speaker: speaker.map(|s| (s, EntityType::Person)),
        kind: SourceKind::Named,
        polarity: Polarity::Asserts,
        role: None,
    }
}

fn span_of(text: &str, s: &str) -> Span {
    let i = text.find(s).unwrap_or_else(|| panic!("{s:?} not in text"));
    Span::new(i, i + s.len())
}

/// A document with the text layer and hand-made entities and attributions.
fn doc(id: &str, text: &str, published: &str, outlet: &str, quotes: &[Q]) -> Document {
    let mut d = Document::new(id, text);
    d.meta.published = Some(Field::new(published, FieldSource::Jsonl));
    d.meta.publisher = Some(Field::new(outlet, FieldSource::Jsonl));
    onrecord_core::text::TextLayer::new()
        .process(&mut d)
        .unwrap();
    for qq in quotes {
        let speaker = qq.speaker.map(|(name, kind)| {
            let name_span = span_of(text, name);
            let src = span_of(text, qq.source);
            if let Some(i) = d.entities.iter().position(|e| e.name.text(text) == name) {
                d.entities[i].mentions.push(Mention {
                    span: src,
                    kind: MentionKind::Name,
                });
                return i;
            }
            let roles = qq
                .role
                .map(|r| {
                    vec![Role {
                        span: span_of(text, r),
                        affiliation: None,
                    }]
                })
                .unwrap_or_default();
            d.entities.push(Entity {
                name: name_span,
                kind,
                roles,
                mentions: vec![Mention {
                    span: src,
                    kind: MentionKind::Name,
                }],
            });
            d.entities.len() - 1
        });
        d.attributions.push(Attribution {
            kind: QuoteKind::Indirect,
            content: vec![span_of(text, qq.content)],
            cue: None,
            source: Some(span_of(text, qq.source)),
            source_kind: qq.kind,
            speaker,
            confidence: 1.0,
            addressee: None,
            hedges: vec![],
            polarity: qq.polarity,
            time: None,
        });
    }
    d
}

fn ingest(ledger: &mut Ledger, docs: Vec<Document>) -> onrecord_ledger::IngestSummary {
    let opts = IngestOptions {
        batch: 2,
        ..Default::default()
    };
    ledger
        .ingest(
            docs.into_iter().map(Ok),
            &|_d: &mut Document| Ok(()),
            &opts,
            &LexicalEncoder,
            &mut |_| {},
        )
        .unwrap()
}

fn corpus() -> Vec<Document> {
    let t1 = "Anna Kowalska, the finance minister, said the government will cut fuel taxes in March to ease household costs.";
    let t2 = "Kowalska said the government will cut fuel taxes in March, easing household costs for drivers.\nThe opposition denied that the cut would help drivers at all.";
    let t3 = "Officials familiar with the plan said the harbour bridge will close for repairs next winter.\nThe city council denied reports of the closure.";
    vec![
        doc("a1", t1, "2024-03-01", "Daily Planet", &[Q { role: Some("the finance minister"), ..q("the government will cut fuel taxes in March to ease household costs", "Anna Kowalska", Some("Anna Kowalska")) }]),
        doc("a2", t2, "2024-03-02", "Morning Star", &[
            q("the government will cut fuel taxes in March, easing household costs for drivers", "Kowalska", Some("Kowalska")),
            Q { polarity: Polarity::Denies, speaker: Some(("The opposition", EntityType::Org)), ..q("the cut would help drivers at all", "The opposition", None) },
        ]),
        doc("a3", t3, "2024-04-10", "Morning Star", &[
            Q { kind: SourceKind::Anonymous, ..q("the harbour bridge will close for repairs next winter", "Officials familiar with the plan", None) },
            Q { polarity: Polarity::Denies, speaker: Some(("The city council", EntityType::Org)), ..q("reports of the closure", "The city council", None) },
        ]),
    ]
}

fn count(l: &Ledger, table: &str) -> i64 {
    l.conn()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn second_ingest_adds_nothing() {
    let mut l = Ledger::open_in_memory().unwrap();
    let s = ingest(&mut l, corpus());
    assert_eq!((s.ingested, s.already_present, s.failed), (3, 0, 0));
    let before = l.counts().unwrap();
    let s = ingest(&mut l, corpus());
    assert_eq!((s.ingested, s.already_present), (0, 3));
    assert_eq!(l.counts().unwrap(), before);
    // A new analysis version re-analyses in place: still no duplicates.
    let opts = IngestOptions {
        analysis_version: "1".into(),
        ..Default::default()
    };
    let s = l
        .ingest(
            corpus().into_iter().map(Ok),
            &|_d: &mut Document| Ok(()),
            &opts,
            &LexicalEncoder,
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(s.reanalysed, 3);
    assert_eq!(l.counts().unwrap(), before);
}

#[test]
fn bad_records_are_counted_and_named() {
    let mut l = Ledger::open_in_memory().unwrap();
    let docs = vec![
        Err("feed.xml:7: broken date".to_string()),
        Ok(Document::new("empty", "   ")),
        Ok(Document::new("ok", "Fine text.")),
    ];
    let mut failed = vec![];
    let s = l
        .ingest(
            docs.into_iter(),
            &|_d: &mut Document| Ok(()),
            &IngestOptions::default(),
            &LexicalEncoder,
            &mut |e| {
                if let onrecord_ledger::Event::Failed(m) = e {
                    failed.push(m.to_string())
                }
            },
        )
        .unwrap();
    assert_eq!((s.ingested, s.failed), (1, 2));
    assert!(failed[0].contains("feed.xml:7"));
    assert!(failed[1].contains("empty"));
}

#[test]
fn surname_speaker_joins_full_name_across_articles() {
    let mut l = Ledger::open_in_memory().unwrap();
    ingest(&mut l, corpus());
    let qs = l
        .quotes(&QuoteFilter {
            speaker: Some("Kowalska".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(qs.len(), 2, "{qs:#?}");
    assert_eq!(qs[0].agent, qs[1].agent);
    assert_eq!(qs[1].speaker.as_deref(), Some("Anna Kowalska"));
    let sp = l.speakers(None).unwrap();
    let k = sp.iter().find(|s| s.name == "Anna Kowalska").unwrap();
    assert_eq!((k.quotes, k.articles), (2, 2));
}

#[test]
fn claims_cluster_across_articles_and_disputes_are_found() {
    let mut l = Ledger::open_in_memory().unwrap();
    ingest(&mut l, corpus());
    let disputed = l.claims(true, None).unwrap();
    assert_eq!(disputed.len(), 2, "{disputed:#?}");
    // The tax cut: asserted in two articles, denied by the opposition (linked by shared words).
    let tax = disputed
        .iter()
        .find(|c| c.label.contains("fuel taxes"))
        .unwrap();
    assert_eq!((tax.articles, tax.asserts, tax.denies), (2, 2, 1));
    // The bridge: the short denial "reports of the closure" links to the claim it denies.
    let bridge = disputed
        .iter()
        .find(|c| c.label.contains("harbour bridge"))
        .unwrap();
    let t = l.claim(bridge.id).unwrap().unwrap();
    let stances: Vec<&str> = t.entries.iter().map(|e| e.stance.as_str()).collect();
    assert_eq!(stances, ["asserts", "denies"]);
}

#[test]
fn copies_link_to_earliest() {
    let base = "The river rose two metres overnight after days of heavy rain, flooding the lower town and forcing hundreds of families to leave their homes. Rescue teams worked through the night while the mayor asked residents to stay away from the banks. Schools will remain closed until the water recedes, officials said.";
    let near = base.replace("two metres", "three metres");
    let wire_long = format!("LONDON (Reuters) - {base} More rain is forecast for the weekend, and the national weather office has issued its highest warning for the region. Train services were suspended on two lines.");
    let wire_short = format!("LONDON (Reuters) - {base}");
    let other = "A new library opened on Main Street with a reading room, a cafe and a children's corner that volunteers painted last month.";
    let mk = |id: &str, t: &str, date: &str| doc(id, t, date, "Outlet", &[]);
    let docs = vec![
        mk("late-exact", base, "2024-05-03"),
        mk("first", base, "2024-05-01"),
        mk("near", &near, "2024-05-02"),
        mk("wire-long", &wire_long, "2024-05-04"),
        mk("wire-short", &wire_short, "2024-05-05"),
        mk("other", other, "2024-05-01"),
    ];
    let mut l = Ledger::open_in_memory().unwrap();
    let s = ingest(&mut l, docs.clone());
    assert_eq!(s.ingested, 6);
    let copy_rows = |l: &Ledger| -> Vec<(String, String, String, f64)> {
        let mut st = l.conn().prepare("SELECT a.doc_id, r.doc_id, c.kind, c.similarity FROM copies c JOIN articles a ON a.id = c.article JOIN articles r ON r.id = c.root ORDER BY a.doc_id").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let rows = copy_rows(&l);
    // Linked one article at a time (each against the stored buckets): the same clusters, roots
    // moving to the earliest copy as earlier ones arrive.
    let mut inc = Ledger::open_in_memory().unwrap();
    for d in docs {
        ingest(&mut inc, vec![d]);
    }
    assert_eq!(copy_rows(&inc), rows);
    let find = |id: &str| rows.iter().find(|r| r.0 == id).cloned();
    assert_eq!(
        find("late-exact").map(|r| (r.1, r.2)),
        Some(("first".into(), "exact".into()))
    );
    assert_eq!(find("near").map(|r| r.1), Some("first".into()));
    assert_eq!(find("wire-short").map(|r| r.1), Some("first".into()));
    assert_eq!(find("first").map(|r| r.2), Some("original".into()));
    assert!(find("other").is_none());
    assert_eq!(s.copies_linked, 4);
    assert_eq!(count(&l, "articles"), 6, "copies are linked, never dropped");
}

/// Exact copies are found through the copy index's exact bucket (schema v17), also for a text
/// too short for a MinHash signature and for copies that arrive in a later linking, and the
/// bucket holds every linked article.
#[test]
fn exact_copies_link_across_linkings_whatever_their_length() {
    let long = "The harbour authority said on Monday that the northern pier will close for six weeks of repairs, and that ferries will use the southern terminal until the work is finished.";
    // No words, so no MinHash signature: only the exact bucket can find its copies.
    let short = "* * *";
    let mk = |id: &str, t: &str, date: &str| doc(id, t, date, "Outlet", &[]);
    let mut l = Ledger::open_in_memory().unwrap();
    ingest(&mut l, vec![mk("long-1", long, "2024-07-01"), mk("short-1", short, "2024-07-01")]);
    ingest(&mut l, vec![mk("long-2", long, "2024-07-02"), mk("short-2", short, "2024-07-02"), mk("short-3", short, "2024-07-03")]);
    let mut st = l
        .conn()
        .prepare("SELECT a.doc_id, r.doc_id, c.kind FROM copies c JOIN articles a ON a.id = c.article JOIN articles r ON r.id = c.root WHERE c.article != c.root ORDER BY a.doc_id")
        .unwrap();
    let rows: Vec<(String, String, String)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    let want = |a: &str, r: &str| (a.to_string(), r.to_string(), "exact".to_string());
    assert_eq!(rows, vec![want("long-2", "long-1"), want("short-2", "short-1"), want("short-3", "short-1")]);
    let exact: i64 = l.conn().query_row("SELECT count(*) FROM copy_index WHERE band = ?1", [onrecord_ledger::relink::EXACT_BAND], |r| r.get(0)).unwrap();
    assert_eq!(exact, 5);
}

/// A bucket of the copy index keeps its earliest `BUCKET_ROWS` articles, the ones a new article is
/// compared with: twelve copies of one text, in two linkings, all link to the first, no bucket
/// holds more, and the index is the one linking everything at once builds.
#[test]
fn copy_buckets_keep_their_earliest_articles() {
    use onrecord_ledger::relink::BUCKET_ROWS;
    let text = "The harbour authority said on Monday that the northern pier will close for six weeks of repairs, and that ferries will use the southern terminal until the work is finished.";
    let docs: Vec<Document> = (1..=12).map(|i| doc(&format!("c{i:02}"), text, &format!("2024-07-{i:02}"), "Outlet", &[])).collect();
    let (once, two) = linked_at_once_and_in_two(&docs, 5);
    for l in [&once, &two] {
        let fullest: i64 = l.conn().query_row("SELECT max(n) FROM (SELECT count(*) AS n FROM copy_index GROUP BY band, hash)", [], |r| r.get(0)).unwrap();
        assert_eq!(fullest, BUCKET_ROWS as i64);
        let mut st = l
            .conn()
            .prepare("SELECT a.doc_id, r.doc_id FROM copies c JOIN articles a ON a.id = c.article JOIN articles r ON r.id = c.root WHERE c.article != c.root ORDER BY a.doc_id")
            .unwrap();
        let rows: Vec<(String, String)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
        let want: Vec<(String, String)> = (2..=12).map(|i| (format!("c{i:02}"), "c01".to_string())).collect();
        assert_eq!(rows, want);
    }
    let bands = |l: &Ledger| -> Vec<(i64, i64, i64)> {
        let mut st = l.conn().prepare("SELECT band, hash, article FROM copy_index ORDER BY 1, 2, 3").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(bands(&two), bands(&once));
}

/// The copy index in two levels (schema v21): linkings add their rows to the recent level, which
/// is merged into the main one now and then ([`onrecord_ledger::levels::merge_due`]); the counts
/// linking keeps are the tables' own, and after any number of linkings the copies and the index
/// are those of linking everything at once.
#[test]
fn the_copy_index_merges_its_recent_level() {
    use onrecord_ledger::levels::COPY_INDEX;
    let towns = ["Arden", "Belmont", "Carrow", "Dunmere", "Elstow", "Fenwick", "Glenholm", "Harlow"];
    let works = ["the northern pier", "the old library", "the river bridge", "the bus depot", "the market hall"];
    let mut docs = vec![];
    for (i, town) in towns.iter().enumerate() {
        for (j, work) in works.iter().enumerate() {
            let text = format!(
                "The council of {town} said on day {i}{j} that {work} will close for {n} weeks of repairs, that residents of {town} should plan other routes, and that the cost of {work} is {c} thousand.",
                n = 2 + i + j,
                c = 10 * (i + 1) + j
            );
            docs.push(doc(&format!("t{i}-{j}"), &text, &format!("2024-0{}-{:02}", 1 + i % 9, 1 + j), "Outlet", &[]));
            // A near copy of every third story, credited elsewhere, a linking later.
            if (i + j) % 3 == 0 {
                docs.push(doc(&format!("t{i}-{j}-copy"), &format!("{text} Updated."), &format!("2024-0{}-{:02}", 1 + i % 9, 2 + j), "Other", &[]));
            }
        }
    }
    let mut once = Ledger::open_in_memory().unwrap();
    ingest(&mut once, docs.clone());
    let mut inc = Ledger::open_in_memory().unwrap();
    let (mut held, mut merged) = (false, false);
    for part in docs.chunks(5) {
        ingest(&mut inc, part.to_vec());
        let (main, recent) = COPY_INDEX.rows(inc.conn()).unwrap();
        assert_eq!((main, recent), (count(&inc, "copy_bands"), count(&inc, "copy_bands_recent")));
        merged |= held && recent == 0;
        held |= recent > 0;
    }
    assert!(held && merged, "the recent level was never both used and merged");
    let dump = |l: &Ledger, sql: &str| -> Vec<(i64, i64, i64)> {
        let mut st = l.conn().prepare(sql).unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    for sql in ["SELECT band, hash, article FROM copy_index ORDER BY 1, 2, 3", "SELECT article, root, kind = 'original' FROM copies ORDER BY article"] {
        assert_eq!(dump(&inc, sql), dump(&once, sql), "{sql}");
    }
    assert!(count(&once, "copies") > 0);
}

#[test]
fn wire_copies_with_little_overlap_still_link() {
    let story = "Ministers from twelve countries agreed on Friday to share fishing quotas in the northern sea for the next five years, ending a dispute that had closed ports and idled fleets since the spring.";
    let a = format!("OSLO (Reuters) - {story} The deal still needs approval by each national parliament, and fishing groups said they would study the text before giving their view on the quotas.");
    let b = format!("OSLO (Reuters) - {story} Environmental groups criticised the agreement, saying the quotas were set too high to let stocks recover, and called for independent monitoring of catches.");
    let mut l = Ledger::open_in_memory().unwrap();
    ingest(
        &mut l,
        vec![
            doc("w1", &a, "2024-06-01", "X", &[]),
            doc("w2", &b, "2024-06-02", "Y", &[]),
        ],
    );
    let (root, kind): (String, String) = l
        .conn()
        .query_row("SELECT r.doc_id, c.kind FROM copies c JOIN articles a ON a.id = c.article JOIN articles r ON r.id = c.root WHERE a.doc_id = 'w2'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(root, "w1");
    assert!(kind == "wire" || kind == "near", "{kind}");
}

#[test]
fn query_filters() {
    let mut l = Ledger::open_in_memory().unwrap();
    ingest(&mut l, corpus());
    let all = l.quotes(&QuoteFilter::default()).unwrap();
    assert_eq!(all.len(), 5);
    let f = |f: QuoteFilter| l.quotes(&f).unwrap().len();
    assert_eq!(
        f(QuoteFilter {
            since: Some("2024-03-02".into()),
            ..Default::default()
        }),
        4
    );
    assert_eq!(
        f(QuoteFilter {
            until: Some("2024-03".into()),
            ..Default::default()
        }),
        3
    );
    assert_eq!(
        f(QuoteFilter {
            outlet: Some("planet".into()),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        f(QuoteFilter {
            kind: Some("direct".into()),
            ..Default::default()
        }),
        0
    );
    assert_eq!(
        f(QuoteFilter {
            speaker: Some("council".into()),
            ..Default::default()
        }),
        1
    );
    let hits = l.search("harbour bridge", 10).unwrap();
    assert!(hits.iter().any(|h| h.kind == "quote") && hits.iter().any(|h| h.kind == "article"));
    assert!(
        l.search("\"unbalanced OR (", 10).is_ok(),
        "user text never breaks the FTS query"
    );
}

#[test]
fn exports_stream_every_quote() {
    let mut l = Ledger::open_in_memory().unwrap();
    ingest(&mut l, corpus());
    let mut buf = vec![];
    assert_eq!(l.export(ExportFormat::Jsonl, &mut buf).unwrap(), 5);
    let lines: Vec<serde_json::Value> = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|x| serde_json::from_str(x).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    let mut buf = vec![];
    l.export(ExportFormat::Csv, &mut buf).unwrap();
    assert_eq!(String::from_utf8(buf).unwrap().lines().count(), 6);
    let mut buf = vec![];
    let n = l.export(ExportFormat::JsonLd, &mut buf).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    let graph = v["@graph"].as_array().unwrap();
    assert_eq!(graph.len() as u64, n);
    assert!(graph
        .iter()
        .all(|c| c["@type"] == "Claim" && c["appearance"][0]["@type"] == "Quotation"));
}

#[test]
fn parquet_export_reads_back_with_typed_columns() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let mut l = Ledger::open_in_memory().unwrap();
    ingest(&mut l, corpus());
    let mut buf = vec![];
    assert_eq!(l.export_parquet(&mut buf).unwrap(), 5);
    let reader = SerializedFileReader::new(bytes::Bytes::from(buf)).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows(), 5);
    let schema = meta.file_metadata().schema_descr();
    let names: Vec<&str> = schema.columns().iter().map(|c| c.name()).collect();
    assert_eq!(names[..3], ["id", "article", "outlet"]);
    assert!(names.contains(&"stance") && names.contains(&"claim"));
    let rows: Vec<_> = reader
        .get_row_iter(None)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 5);
    let first = rows[0].to_string();
    assert!(
        first.contains("content:") && first.contains("stance:"),
        "{first}"
    );
}

#[test]
fn stored_offsets_are_code_points() {
    let t =
        "“Ça va,” said Zoë Étienne. Zoë Étienne said the café will reopen on Monday after repairs.";
    let mut l = Ledger::open_in_memory().unwrap();
    let mut d = doc(
        "u",
        t,
        "2024-01-01",
        "X",
        &[q(
            "the café will reopen on Monday after repairs",
            "Zoë Étienne said",
            Some("Zoë Étienne"),
        )],
    );
    // A mention before the one the helper added: the article view lists them in text order.
    d.entities[0].mentions.push(Mention {
        span: span_of(t, "Zoë Étienne."),
        kind: MentionKind::Nominal,
    });
    ingest(&mut l, vec![d]);
    let view = onrecord_ledger::browse::article(&l, 1).unwrap().unwrap();
    let mentions: Vec<(usize, usize, &str, &str)> = view.entities[0]
        .mentions
        .iter()
        .map(|m| (m.start, m.end, m.kind.as_str(), m.text.as_str()))
        .collect();
    assert_eq!(
        mentions,
        [(14, 26, "nominal", "Zoë Étienne."), (27, 43, "name", "Zoë Étienne said")]
    );
    assert!(l.counts().unwrap().contains(&("mentions", 2)));
    let spans: String = l
        .conn()
        .query_row("SELECT content_spans FROM attributions", [], |r| r.get(0))
        .unwrap();
    let v: Vec<[usize; 2]> = serde_json::from_str(&spans).unwrap();
    let chars: Vec<char> = t.chars().collect();
    let got: String = chars[v[0][0]..v[0][1]].iter().collect();
    assert_eq!(got, "the café will reopen on Monday after repairs");
}

/// Claim clusters as sets of (article, index) with their counts and labels, independent of ids.
fn claim_partition(
    l: &Ledger,
) -> Vec<(
    Vec<(String, i64)>,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    bool,
    Option<String>,
)> {
    let mut st = l
        .conn()
        .prepare("SELECT c.id, c.label, c.size, c.articles, c.asserts, c.reports, c.denies, c.disputed, c.first_seen FROM claims c")
        .unwrap();
    let rows: Vec<(i64, String, i64, i64, i64, i64, i64, bool, Option<String>)> = st
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut out = vec![];
    for (id, label, size, arts, asserts, reports, denies, disputed, first) in rows {
        let mut m = l.conn().prepare("SELECT a.doc_id, q.idx FROM attributions q JOIN articles a ON a.id = q.article WHERE q.claim = ?1").unwrap();
        let mut members: Vec<(String, i64)> = m
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        members.sort();
        out.push((
            members, label, size, arts, asserts, reports, denies, disputed, first,
        ));
    }
    out.sort();
    // Each claim's quotes, kept by linking in two levels, are exactly the quotes with that claim.
    let pairs = |sql: &str| -> Vec<(i64, i64, i64)> {
        let mut st = l.conn().prepare(sql).unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    let kept = pairs("SELECT claim, article, id FROM claim_members_all ORDER BY 1, 2, 3");
    assert_eq!(kept, pairs("SELECT claim, article, id FROM attributions WHERE claim IS NOT NULL ORDER BY 1, 2, 3"));
    out
}

/// Speakers with their counts, and the speaker of every quote and entity, independent of ids.
#[allow(clippy::type_complexity)]
fn speaker_links(l: &Ledger) -> (Vec<(String, String, String, i64, i64, Option<String>, Option<String>)>, Vec<(String, i64, Option<String>)>, Vec<(String, String, Option<String>)>) {
    let all = |sql: &str| -> Vec<Vec<rusqlite::types::Value>> {
        let mut st = l.conn().prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| (0..n).map(|i| r.get(i)).collect()).unwrap().map(Result::unwrap).collect()
    };
    let text = |v: &rusqlite::types::Value| match v {
        rusqlite::types::Value::Text(t) => Some(t.clone()),
        rusqlite::types::Value::Integer(i) => Some(i.to_string()),
        _ => None,
    };
    let int = |v: &rusqlite::types::Value| if let rusqlite::types::Value::Integer(i) = v { *i } else { -1 };
    let mut agents: Vec<_> = all("SELECT name, kind, roles, quotes, articles, first_seen, last_seen FROM agents")
        .iter()
        .map(|r| (text(&r[0]).unwrap(), text(&r[1]).unwrap(), text(&r[2]).unwrap(), int(&r[3]), int(&r[4]), text(&r[5]), text(&r[6])))
        .collect();
    agents.sort();
    let mut quotes: Vec<_> = all("SELECT a.doc_id, q.idx, g.name FROM attributions q JOIN articles a ON a.id = q.article LEFT JOIN agents g ON g.id = q.agent")
        .iter()
        .map(|r| (text(&r[0]).unwrap(), int(&r[1]), text(&r[2])))
        .collect();
    quotes.sort();
    let mut ents: Vec<_> = all("SELECT a.doc_id, e.name, g.name FROM entities e JOIN articles a ON a.id = e.article LEFT JOIN agents g ON g.id = e.agent")
        .iter()
        .map(|r| (text(&r[0]).unwrap(), text(&r[1]).unwrap(), text(&r[2])))
        .collect();
    ents.sort();
    assert_speaker_quotes_kept(l);
    (agents, quotes, ents)
}

/// After a linking, `speaker_quotes` (a speaker's quotes by date, kept by linking and its
/// triggers, not written by ingest) lists exactly the quotes with a speaker, under that speaker.
fn assert_speaker_quotes_kept(l: &Ledger) {
    let rows = |sql: &str| -> Vec<(i64, i64, String, i64, i64, i64)> {
        let mut st = l.conn().prepare(sql).unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))).unwrap().map(Result::unwrap).collect()
    };
    let kept = rows("SELECT agent, undated, published, article, idx, id FROM speaker_quotes_all ORDER BY 1, 2, 3, 4, 5, 6");
    let want = rows(
        "SELECT agent, published IS NULL, coalesce(published, ''), article, idx, id FROM attributions WHERE agent IS NOT NULL ORDER BY 1, 2, 3, 4, 5, 6",
    );
    assert!(!want.is_empty());
    assert_eq!(kept, want);
}

#[test]
fn incremental_linking_equals_linking_at_once() {
    let mut docs = corpus();
    // A later article repeating one claim and denying another, to join stored clusters.
    let t4 = "Anna Kowalska said again the government will cut fuel taxes in March to ease household costs.\nThe council denied reports of the closure of the harbour bridge.";
    docs.push(doc(
        "a4",
        t4,
        "2024-02-20",
        "Evening Post",
        &[
            q(
                "the government will cut fuel taxes in March to ease household costs",
                "Anna Kowalska",
                Some("Anna Kowalska"),
            ),
            Q {
                polarity: Polarity::Denies,
                speaker: Some(("The council", EntityType::Org)),
                ..q(
                    "reports of the closure of the harbour bridge",
                    "The council",
                    None,
                )
            },
        ],
    ));
    let mut once = Ledger::open_in_memory().unwrap();
    ingest(&mut once, docs.clone());
    let mut inc = Ledger::open_in_memory().unwrap();
    // The surname-only article first: "Kowalska" is its own speaker until the full name arrives.
    docs.swap(0, 1);
    // Also one article, then the rest in one linking (new claims sharing tokens among themselves).
    let mut two = Ledger::open_in_memory().unwrap();
    ingest(&mut two, docs[..1].to_vec());
    ingest(&mut two, docs[1..].to_vec());
    assert_eq!(claim_partition(&two), claim_partition(&once));
    assert_eq!(speaker_links(&two), speaker_links(&once));
    for d in docs {
        ingest(&mut inc, vec![d]);
    }
    assert_eq!(claim_partition(&inc), claim_partition(&once));
    assert!(!claim_partition(&inc).is_empty());
    assert_eq!(speaker_links(&inc), speaker_links(&once));
    assert!(speaker_links(&inc).0.iter().any(|s| s.0 == "Anna Kowalska" && s.3 == 3));
    // Re-clustering from scratch gives the same again.
    inc.link_full(&LexicalEncoder).unwrap();
    assert_eq!(claim_partition(&inc), claim_partition(&once));
}

/// Incremental speakers re-resolve only the surname families that new names touch, and ingest
/// stores each row with the speaker its name had at the last linking: a name arriving later
/// moves an old surname-only speaker, a named source with no entity joins its family's person,
/// untouched families keep their speakers and ids, and all of it equals linking at once.
#[test]
fn speakers_resolve_by_family_incrementally() {
    let mk = |id: &str, text: &str, date: &str, quotes: &[Q]| doc(id, text, date, "Outlet", quotes);
    let docs = vec![
        mk("b1", "Kowalska said the port will reopen in May.\nJan Nowak said the toll will rise next year.", "2024-01-01", &[
            q("the port will reopen in May", "Kowalska", Some("Kowalska")),
            q("the toll will rise next year", "Jan Nowak", Some("Jan Nowak")),
        ]),
        mk("b2", "Anna Kowalska said the port will reopen in May after the repairs.", "2024-01-02", &[
            q("the port will reopen in May after the repairs", "Anna Kowalska", Some("Anna Kowalska")),
        ]),
        mk("b3", "Jan Nowak said the toll will rise again next year.\nThe harbour master Nowak said ships will wait.", "2024-01-03", &[
            q("the toll will rise again next year", "Jan Nowak", Some("Jan Nowak")),
            q("ships will wait", "The harbour master Nowak", None),
        ]),
        mk("b4", "Piotr Kowalska said the team will win.\nKowalska said fares stay the same.", "2024-01-04", &[
            q("the team will win", "Piotr Kowalska", Some("Piotr Kowalska")),
            q("fares stay the same", "Kowalska", Some("Kowalska")),
        ]),
    ];
    let mut once = Ledger::open_in_memory().unwrap();
    ingest(&mut once, docs.clone());
    let agent_of = |l: &Ledger, name: &str| -> Option<i64> {
        l.conn().query_row("SELECT id FROM agents WHERE name = ?1", [name], |r| r.get(0)).ok()
    };
    let mut inc = Ledger::open_in_memory().unwrap();
    ingest(&mut inc, docs[..1].to_vec());
    let nowak = agent_of(&inc, "Jan Nowak").expect("Jan Nowak is a speaker");
    assert!(agent_of(&inc, "Kowalska").is_some(), "alone, the surname is its own speaker");
    ingest(&mut inc, docs[1..2].to_vec());
    assert_eq!(agent_of(&inc, "Kowalska"), None, "the full name arrived: the surname joins it");
    assert_eq!(agent_of(&inc, "Jan Nowak"), Some(nowak), "an untouched family keeps its speaker");
    // Stored without linking: rows of known names carry their speaker already.
    let stored = IngestOptions { batch: 2, link: false, ..Default::default() };
    inc.ingest(docs[2..3].iter().cloned().map(Ok), &|_d: &mut Document| Ok(()), &stored, &LexicalEncoder, &mut |_| {}).unwrap();
    let quote_agents = |l: &Ledger, doc_id: &str| -> Vec<Option<i64>> {
        let mut st = l.conn().prepare("SELECT q.agent FROM attributions q JOIN articles a ON a.id = q.article WHERE a.doc_id = ?1 ORDER BY q.idx").unwrap();
        st.query_map([doc_id], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(quote_agents(&inc, "b3")[0], Some(nowak), "stored with the speaker its name had");
    inc.link(&LexicalEncoder).unwrap();
    assert_eq!(quote_agents(&inc, "b3"), vec![Some(nowak), Some(nowak)], "the named source joins Jan Nowak");
    ingest(&mut inc, docs[3..].to_vec());
    assert_eq!(agent_of(&inc, "Jan Nowak"), Some(nowak));
    assert_names_indexed(&inc);
    assert_eq!(speaker_links(&inc), speaker_links(&once));
    assert_eq!(claim_partition(&inc), claim_partition(&once));
}

/// `docs` ingested and linked at once, and in two ingests (each linking) split before `at`.
fn linked_at_once_and_in_two(docs: &[Document], at: usize) -> (Ledger, Ledger) {
    let mut once = Ledger::open_in_memory().unwrap();
    ingest(&mut once, docs.to_vec());
    let mut two = Ledger::open_in_memory().unwrap();
    ingest(&mut two, docs[..at].to_vec());
    ingest(&mut two, docs[at..].to_vec());
    (once, two)
}

/// A speaker whose name, kind or roles change at a later linking keeps the counts of its stored
/// quotes. (Its row used to be replaced, counts and all, and an incremental linking only adds
/// the new quotes: 209 speakers of a 90,000-article ledger were undercounted.)
#[test]
fn a_speaker_with_a_new_role_keeps_its_counts() {
    let docs = vec![
        doc("d1", "Anna Kowalska said the port will reopen in May.", "2024-01-01", "Outlet", &[q("the port will reopen in May", "Anna Kowalska", Some("Anna Kowalska"))]),
        doc("d2", "Anna Kowalska, the port director, said ships will wait.", "2024-02-01", "Outlet", &[Q {
            role: Some("the port director"),
            ..q("ships will wait", "Anna Kowalska", Some("Anna Kowalska"))
        }]),
    ];
    let (once, inc) = linked_at_once_and_in_two(&docs, 1);
    let row = |l: &Ledger| -> (String, i64, i64, String, String) {
        l.conn()
            .query_row("SELECT roles, quotes, articles, first_seen, last_seen FROM agents WHERE name = 'Anna Kowalska'", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
    };
    let (roles, quotes, articles, first, last) = row(&inc);
    assert!(roles.contains("the port director"), "{roles}");
    assert_eq!((quotes, articles, first.as_str(), last.as_str()), (2, 2, "2024-01-01", "2024-02-01"));
    assert_eq!(row(&inc), row(&once));
    assert_eq!(speaker_links(&inc), speaker_links(&once));
}

/// A stream longer than `link_every` is linked as it goes, whenever that many articles were
/// stored, and ends as linking it once at the end does.
#[test]
fn a_stream_linked_as_it_goes_ends_as_linking_at_once() {
    let mut docs = corpus();
    docs.insert(0, doc("k0", "Kowalska said the port will reopen in May.", "2024-01-01", "Outlet", &[q("the port will reopen in May", "Kowalska", Some("Kowalska"))]));
    docs.push(doc("k4", "Anna Kowalska said again the government will cut fuel taxes in March to ease household costs.", "2024-05-01", "Outlet", &[q(
        "the government will cut fuel taxes in March to ease household costs",
        "Anna Kowalska",
        Some("Anna Kowalska"),
    )]));
    let run = |link_every: usize| -> (Ledger, Vec<(u64, bool)>) {
        let mut l = Ledger::open_in_memory().unwrap();
        let opts = IngestOptions { batch: 1, link_every, ..Default::default() };
        // (articles stored, linked yet) at each progress report
        let mut seen = vec![];
        let s = l
            .ingest(docs.clone().into_iter().map(Ok), &|_d: &mut Document| Ok(()), &opts, &LexicalEncoder, &mut |e| {
                if let onrecord_ledger::Event::Progress(s) = e {
                    seen.push((s.ingested, s.link_seconds > 0.0));
                }
            })
            .unwrap();
        assert_eq!(s.ingested, docs.len() as u64);
        assert!(s.link_seconds > 0.0);
        (l, seen)
    };
    let (at_end, seen) = run(0);
    assert!(seen.iter().all(|&(_, linked)| !linked), "{seen:?}");
    let (stepwise, seen) = run(2);
    assert!(seen.iter().any(|&(n, linked)| linked && n < docs.len() as u64), "linked before the end: {seen:?}");
    assert_eq!(claim_partition(&stepwise), claim_partition(&at_end));
    assert_eq!(speaker_links(&stepwise), speaker_links(&at_end));
    assert_names_indexed(&stepwise);
}

/// A speaker's roles are listed in one order however its names arrived: linking at once and
/// linking article by article read the groups in the speaker index's key order. (Linking at
/// once took them in the order the entities were stored, so 163 speakers of a 100,000-article
/// ledger listed their roles in another order, or other roles past the first 20.)
#[test]
fn a_speakers_roles_come_in_one_order() {
    let docs = vec![
        doc("r1", "Anna Kowalska, the mayor, said the port will reopen in May.", "2024-01-01", "Outlet", &[Q {
            role: Some("the mayor"),
            ..q("the port will reopen in May", "Anna Kowalska", Some("Anna Kowalska"))
        }]),
        doc("r2", "Anna Kowalska, an author, said ships will wait.", "2024-02-01", "Outlet", &[Q {
            role: Some("an author"),
            ..q("ships will wait", "Anna Kowalska", Some("Anna Kowalska"))
        }]),
    ];
    let (once, inc) = linked_at_once_and_in_two(&docs, 1);
    let roles = |l: &Ledger| -> String { l.conn().query_row("SELECT roles FROM agents WHERE name = 'Anna Kowalska'", [], |r| r.get(0)).unwrap() };
    assert_eq!(roles(&inc), r#"["an author","the mayor"]"#);
    assert_eq!(roles(&once), roles(&inc));
    assert_eq!(speaker_links(&inc), speaker_links(&once));
}

/// The speaker index groups entities by name, kind and role texts, not by where the roles stand
/// in their article: the same role at other offsets of other articles is one group. When a full
/// name arriving later moves that group's surname to another speaker, its stored entities (found
/// through the group) move with it, as linking at once gives.
#[test]
fn speaker_groups_ignore_where_roles_stand() {
    let mk = |id: &str, text: &str, quotes: &[Q]| doc(id, text, "2024-01-01", "Outlet", quotes);
    let docs = vec![
        mk("c1", "Kowalska, the port director, said the port will reopen in May.", &[Q {
            role: Some("the port director"),
            ..q("the port will reopen in May", "Kowalska", Some("Kowalska"))
        }]),
        mk("c2", "On Monday, Kowalska, the port director, said ships will wait.", &[Q {
            role: Some("the port director"),
            ..q("ships will wait", "Kowalska", Some("Kowalska"))
        }]),
        mk("c3", "Anna Kowalska said fares stay the same.", &[q("fares stay the same", "Anna Kowalska", Some("Anna Kowalska"))]),
    ];
    let mut once = Ledger::open_in_memory().unwrap();
    ingest(&mut once, docs.clone());
    let mut inc = Ledger::open_in_memory().unwrap();
    ingest(&mut inc, docs[..1].to_vec());
    ingest(&mut inc, docs[1..2].to_vec());
    let groups = |l: &Ledger| -> Vec<(String, i64)> {
        let mut st = l.conn().prepare("SELECT roles, n FROM entity_groups WHERE name = 'Kowalska'").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(groups(&inc), vec![(r#"[{"affiliation":null,"text":"the port director"}]"#.to_string(), 2)]);
    ingest(&mut inc, docs[2..].to_vec());
    assert_eq!(groups(&inc), groups(&once));
    let speakers = |l: &Ledger| -> Vec<Option<String>> {
        let mut st = l.conn().prepare("SELECT g.name FROM entities e LEFT JOIN agents g ON g.id = e.agent WHERE e.name = 'Kowalska' ORDER BY e.id").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(speakers(&inc), vec![Some("Anna Kowalska".to_string()); 2]);
    assert_eq!(speaker_links(&inc), speaker_links(&once));
    assert_names_indexed(&inc);
}

/// Re-analysis replaces an article's entities and quotes: the names it no longer has stop
/// counting in the speaker index, so speakers come out as if the ledger had only ever seen the
/// new analysis. (Before, re-analysis only ever added to the counts: "Kowalska" kept resolving to
/// a full name that no stored article had any more.)
#[test]
fn reanalysis_takes_replaced_names_out_of_the_speaker_index() {
    let strip_a1 = |d: &mut Document| {
        if d.id == "a1" {
            d.entities.clear();
            d.attributions.clear();
        }
    };
    let mut l = Ledger::open_in_memory().unwrap();
    ingest(&mut l, corpus());
    assert!(speaker_links(&l).1.iter().any(|q| q.0 == "a2" && q.2.as_deref() == Some("Anna Kowalska")));
    let opts = IngestOptions { batch: 2, analysis_version: "2".into(), ..Default::default() };
    let analyse = |d: &mut Document| {
        strip_a1(d);
        Ok(())
    };
    let s = l.ingest(corpus().into_iter().map(Ok), &analyse, &opts, &LexicalEncoder, &mut |_| {}).unwrap();
    assert_eq!(s.reanalysed, 3);

    let mut fresh = Ledger::open_in_memory().unwrap();
    let mut docs = corpus();
    docs.iter_mut().for_each(strip_a1);
    ingest(&mut fresh, docs);
    assert_eq!(speaker_links(&l), speaker_links(&fresh));
    assert!(speaker_links(&l).1.iter().all(|q| q.2.as_deref() != Some("Anna Kowalska")));
    assert_names_indexed(&l);
}

/// The quotes' full-text index holds no copy of its text (it reads `attributions`): re-analysis
/// must take the replaced quotes out of it, or a search would still find quotes that are gone.
#[test]
fn reanalysis_takes_replaced_quotes_out_of_search() {
    let hits = |l: &Ledger, term: &str| -> Vec<String> {
        let mut st = l
            .conn()
            .prepare("SELECT q.content FROM quotes_fts JOIN attributions q ON q.id = quotes_fts.rowid WHERE quotes_fts MATCH ?1 ORDER BY q.id")
            .unwrap();
        st.query_map([term], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let indexed = |l: &Ledger| -> i64 {
        l.conn().query_row("SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH 'the OR taxes OR cut'", [], |r| r.get(0)).unwrap()
    };
    let mut l = Ledger::open_in_memory().unwrap();
    ingest(&mut l, corpus());
    assert_eq!(hits(&l, "ease"), vec!["the government will cut fuel taxes in March to ease household costs"]);
    let opts = IngestOptions { batch: 2, analysis_version: "2".into(), ..Default::default() };
    let strip_a1 = |d: &mut Document| {
        if d.id == "a1" {
            d.attributions.clear();
        }
        Ok(())
    };
    let s = l.ingest(corpus().into_iter().map(Ok), &strip_a1, &opts, &LexicalEncoder, &mut |_| {}).unwrap();
    assert_eq!(s.reanalysed, 3);
    assert!(hits(&l, "ease").is_empty());
    assert_eq!(hits(&l, "easing"), vec!["the government will cut fuel taxes in March, easing household costs for drivers"]);
    let mut fresh = Ledger::open_in_memory().unwrap();
    let mut docs = corpus();
    docs.retain(|d| d.id != "a1");
    ingest(&mut fresh, docs);
    assert_eq!(indexed(&l), indexed(&fresh));
    // The index agrees with the quotes it reads, token for token.
    l.conn().execute("INSERT INTO quotes_fts(quotes_fts, rank) VALUES ('integrity-check', 1)", []).unwrap();
}

/// After a linking, `entity_names` (linking's name lookup, not written by ingest) holds exactly
/// the stored entities: none missing, none replaced by re-analysis left over.
fn assert_names_indexed(l: &Ledger) {
    let rows = |sql: &str| -> Vec<(String, i64)> {
        let mut st = l.conn().prepare(sql).unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let names = rows("SELECT name, entity FROM entity_names ORDER BY name, entity");
    assert!(!names.is_empty());
    assert_eq!(names, rows("SELECT name, id FROM entities ORDER BY name, id"));
}

/// A page of one speaker's quotes is read from `speaker_quotes` (kept by linking): under every
/// filter it holds the quotes, in the order and with the count, that reading every quote and
/// filtering gives: dated ones by date, then article and position, undated ones last.
#[test]
fn speaker_pages_match_reading_every_quote() {
    use onrecord_ledger::browse::{self, Page, QuoteQuery};
    let dates = ["2024-03-01", "2024-01-15", "", "2024-03-01", "2023-12-31", "", "2024-02-10", "2024-01-15", "2024-05-05"];
    let texts: Vec<String> = (0..dates.len())
        .map(|i| format!("Anna Kowalska said the port will reopen in month {i}.\nJan Nowak said the toll will rise by {i} percent.\nAnna Kowalska said taxes will fall by {i} percent."))
        .collect();
    let contents: Vec<[String; 3]> = (0..dates.len())
        .map(|i| [format!("the port will reopen in month {i}"), format!("the toll will rise by {i} percent"), format!("taxes will fall by {i} percent")])
        .collect();
    let docs: Vec<Document> = (0..dates.len())
        .map(|i| {
            let outlet = if i % 2 == 0 { "Daily Planet" } else { "Morning Star" };
            let c = &contents[i];
            let mut d = doc(&format!("p{i}"), &texts[i], "2000-01-01", outlet, &[
                q(&c[0], "Anna Kowalska", Some("Anna Kowalska")),
                q(&c[1], "Jan Nowak", Some("Jan Nowak")),
                q(&c[2], "Anna Kowalska", Some("Anna Kowalska")),
            ]);
            d.meta.published = (!dates[i].is_empty()).then(|| Field::new(dates[i], FieldSource::Jsonl));
            d
        })
        .collect();
    let mut l = Ledger::open_in_memory().unwrap();
    // Two linkings: the first quotes are listed by one (in the main level of `speaker_quotes`),
    // the rest by the next (in its recent level), so a page merges both.
    ingest(&mut l, docs[..4].to_vec());
    ingest(&mut l, docs[4..].to_vec());
    assert!(count(&l, "speaker_quotes") > 0 && count(&l, "speaker_quotes_recent") > 0);
    let every = l.quotes(&QuoteFilter::default()).unwrap();
    let agents: Vec<i64> = {
        let mut v: Vec<i64> = every.iter().filter_map(|q| q.agent).collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(agents.len(), 2);
    let p3 = every.iter().find(|q| q.article == "p3").unwrap().article_id;
    type Keep = Box<dyn Fn(&onrecord_ledger::query::QuoteRow) -> bool>;
    let filters: Vec<(QuoteQuery, Keep)> = vec![
        (QuoteQuery::default(), Box::new(|_| true)),
        (QuoteQuery { since: Some("2024-01".into()), ..Default::default() }, Box::new(|q| q.published.as_deref().is_some_and(|p| p >= "2024-01"))),
        (QuoteQuery { until: Some("2024-02".into()), ..Default::default() }, Box::new(|q| q.published.as_deref().is_some_and(|p| &p[..7] <= "2024-02"))),
        (QuoteQuery { outlet: Some("Planet".into()), ..Default::default() }, Box::new(|q| q.outlet.as_deref() == Some("Daily Planet"))),
        (QuoteQuery { text: Some("taxes".into()), ..Default::default() }, Box::new(|q| q.content.contains("taxes"))),
        (QuoteQuery { kind: Some("indirect".into()), ..Default::default() }, Box::new(|q| q.kind == "indirect")),
        (QuoteQuery { article: Some(p3), ..Default::default() }, Box::new(move |q| q.article_id == p3)),
    ];
    for (f, keep) in &filters {
        let mut matched = 0;
        for &agent in &agents {
            let f = QuoteQuery { agent: Some(agent), ..f.clone() };
            let want: Vec<i64> = every.iter().filter(|q| q.agent == Some(agent) && keep(q)).map(|q| q.id).collect();
            matched += want.len();
            let whole = browse::quotes(&l, &f, Page { limit: 100, offset: 0 }).unwrap();
            assert_eq!(whole.items.iter().map(|q| q.id).collect::<Vec<_>>(), want, "{f:?}");
            assert_eq!(whole.total, want.len() as i64, "{f:?}");
            for offset in 0..want.len() {
                let page = browse::quotes(&l, &f, Page { limit: 2, offset }).unwrap();
                let ids: Vec<i64> = page.items.iter().map(|q| q.id).collect();
                assert_eq!(ids, want[offset..(offset + 2).min(want.len())].to_vec(), "{f:?} at {offset}");
            }
        }
        assert!(matched > 0, "{f:?}");
    }
    // The undated articles' quotes come last.
    let kowalska = agents.iter().copied().find(|&a| every.iter().any(|q| q.agent == Some(a) && q.speaker.as_deref() == Some("Anna Kowalska"))).unwrap();
    let page = browse::quotes(&l, &QuoteQuery { agent: Some(kowalska), ..Default::default() }, Page { limit: 100, offset: 0 }).unwrap();
    assert_eq!(page.items.len(), 18);
    assert!(page.items[14..].iter().all(|q| q.published.is_none()) && page.items[..14].iter().all(|q| q.published.is_some()));
    // A speaker's outlets count the quotes of both levels.
    for &agent in &agents {
        let mut want: Vec<(String, i64)> = vec![];
        for q in every.iter().filter(|q| q.agent == Some(agent)) {
            let outlet = q.outlet.clone().unwrap();
            match want.iter_mut().find(|(o, _)| *o == outlet) {
                Some((_, n)) => *n += 1,
                None => want.push((outlet, 1)),
            }
        }
        want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        assert_eq!(browse::speaker_outlets(&l, agent).unwrap(), want);
    }
    // By name: the page (both halves merged) equals the whole list.
    for name in ["Kowalska", "Nowak"] {
        let f = |limit| QuoteFilter { speaker: Some(name.into()), limit, ..Default::default() };
        let ids = |qs: Vec<onrecord_ledger::query::QuoteRow>| qs.into_iter().map(|q| q.id).collect::<Vec<_>>();
        assert_eq!(ids(l.quotes(&f(Some(100))).unwrap()), ids(l.quotes(&f(None)).unwrap()));
    }
    speaker_links(&l);
}

/// A new claim like two stored clusters joins one, the more similar (the earlier of equals), and
/// the clusters stay apart: clusters never merge, so a linking moves no stored quote and a claim
/// cannot chain two stories into one. Its counts, label and first date come from the stored row
/// and the new member, and equal linking everything at once and clustering from scratch.
#[test]
fn a_claim_like_two_stored_clusters_joins_one() {
    // Content words: the bridge shares 5 of 6 with each (over the threshold), the two share 4 of 6.
    let a = "farmers demand higher grain prices";
    let b = "farmers demand higher grain subsidies";
    let ab = "farmers demand higher grain prices and subsidies";
    let t1 = format!("Jan Nowak said {a}.\n\nPiotr Lis said {b}.");
    let t2 = format!("Ewa Bak said {a} again.");
    let t3 = format!("Olga Wrona said {ab}.");
    let docs = vec![
        doc("m1", &t1, "2024-05-02", "Daily Planet", &[q(a, "Jan Nowak", Some("Jan Nowak")), q(b, "Piotr Lis", Some("Piotr Lis"))]),
        doc("m2", &t2, "2024-05-01", "Morning Star", &[q(a, "Ewa Bak", Some("Ewa Bak"))]),
        doc("m3", &t3, "2024-05-03", "Morning Star", &[q(ab, "Olga Wrona", Some("Olga Wrona"))]),
    ];
    let mut once = Ledger::open_in_memory().unwrap();
    ingest(&mut once, docs.clone());
    let mut inc = Ledger::open_in_memory().unwrap();
    ingest(&mut inc, docs[..2].to_vec());
    let sizes = |l: &Ledger| -> Vec<i64> {
        let mut st = l.conn().prepare("SELECT size FROM claims ORDER BY size").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(sizes(&inc), vec![1, 2], "the two claims are apart before the bridge");
    ingest(&mut inc, docs[2..].to_vec());
    assert_eq!(sizes(&inc), vec![1, 3], "the bridge joins one cluster");
    let joined = claim_partition(&inc);
    assert_eq!(joined, claim_partition(&once));
    let big = joined.iter().find(|c| c.2 == 3).unwrap();
    let (members, label, size, articles, asserts, ..) = big;
    let mut docs_of: Vec<&str> = members.iter().map(|(doc, _)| doc.as_str()).collect();
    docs_of.sort();
    assert_eq!(docs_of, ["m1", "m2", "m3"], "Jan Nowak's claim, its repeat and the bridge: {members:?}");
    assert_eq!((members.len(), *size, *articles, *asserts), (3, 3, 3, 3));
    assert_eq!(label, ab, "the most complete content labels the cluster");
    assert_eq!(big.8.as_deref(), Some("2024-05-01"), "the earlier claim's cluster, with Ewa Bak's quote");
    inc.link_full(&LexicalEncoder).unwrap();
    assert_eq!(claim_partition(&inc), joined);
}

/// A named source with no entity keeps the speaker its name resolves to: when a later article
/// moves the name (a surname joins the full name that arrives, or an ambiguous surname settles),
/// its stored quotes move with it, as linking everything at once gives.
#[test]
fn stored_quotes_of_a_moved_source_name_move() {
    let mk = |id: &str, text: &str, date: &str, quotes: &[Q]| doc(id, text, date, "Outlet", quotes);
    let docs = vec![
        mk("s1", "Kowalska said the port will reopen in May.\nNowak said the toll will rise.", "2024-01-01", &[
            q("the port will reopen in May", "Kowalska", None),
            q("the toll will rise", "Nowak", None),
        ]),
        mk("s2", "Jan Nowak said fares stay the same.\nPiotr Nowak said ships will wait.", "2024-01-02", &[
            q("fares stay the same", "Jan Nowak", Some("Jan Nowak")),
            q("ships will wait", "Piotr Nowak", Some("Piotr Nowak")),
        ]),
        mk("s3", "Anna Kowalska said the port will reopen in May after repairs.", "2024-01-03", &[
            q("the port will reopen in May after repairs", "Anna Kowalska", Some("Anna Kowalska")),
        ]),
        mk("s4", "Jan Nowak said the toll will rise again.\nJan Nowak said buses will run.\nJan Nowak said the bridge will open.", "2024-01-04", &[
            q("the toll will rise again", "Jan Nowak", Some("Jan Nowak")),
            q("buses will run", "Jan Nowak", Some("Jan Nowak")),
            q("the bridge will open", "Jan Nowak", Some("Jan Nowak")),
        ]),
    ];
    let mut once = Ledger::open_in_memory().unwrap();
    ingest(&mut once, docs.clone());
    let mut inc = Ledger::open_in_memory().unwrap();
    for d in &docs {
        ingest(&mut inc, vec![d.clone()]);
    }
    assert_eq!(speaker_links(&inc), speaker_links(&once));
    let who = |l: &Ledger, doc_id: &str, idx: i64| -> Option<String> {
        l.conn()
            .query_row(
                "SELECT g.name FROM attributions q JOIN articles a ON a.id = q.article LEFT JOIN agents g ON g.id = q.agent WHERE a.doc_id = ?1 AND q.idx = ?2",
                rusqlite::params![doc_id, idx],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(who(&inc, "s1", 0).as_deref(), Some("Anna Kowalska"), "the surname's old quote joins the full name");
    // A name stored without a speaker (as a ledger from before sources had one): the next linking
    // that meets the name again finds its old quote among the unresolved ones and gives it the
    // speaker.
    inc.conn()
        .execute_batch(
            "UPDATE source_names SET agent = NULL WHERE name = 'Nowak';
             UPDATE attributions SET agent = NULL WHERE source = 'Nowak';",
        )
        .unwrap();
    assert_eq!(who(&inc, "s1", 1), None);
    let more = mk("s5", "Jan Nowak said the ferry will sail.\nNowak said the fare will fall.", "2024-01-05", &[
        q("the ferry will sail", "Jan Nowak", Some("Jan Nowak")),
        q("the fare will fall", "Nowak", None),
    ]);
    ingest(&mut inc, vec![more.clone()]);
    ingest(&mut once, vec![more]);
    assert_eq!(speaker_links(&inc), speaker_links(&once));
    assert!(who(&inc, "s1", 1).is_some());
}

/// A ledger in a file links with a planner beside it (a second connection plans the copies and
/// the claims while the first writes the speakers); an in-memory ledger plans on its one
/// connection. Fed the same articles in the same steps, both write exactly the same rows.
#[test]
fn linking_with_a_planner_beside_writes_what_one_connection_writes() {
    let base = "The river rose two metres overnight after days of heavy rain, flooding the lower town and forcing hundreds of families to leave their homes. Rescue teams worked through the night while the mayor asked residents to stay away from the banks.";
    let wire = format!("LONDON (Reuters) - {base} More rain is forecast for the weekend.");
    let mut docs = corpus();
    docs.push(doc("r1", base, "2024-05-02", "Outlet", &[]));
    let t4 = "Anna Kowalska said again the government will cut fuel taxes in March to ease household costs.\nThe council denied reports of the closure of the harbour bridge.";
    let step2 = vec![
        doc("a4", t4, "2024-02-20", "Evening Post", &[
            q("the government will cut fuel taxes in March to ease household costs", "Anna Kowalska", Some("Anna Kowalska")),
            Q { polarity: Polarity::Denies, speaker: Some(("The council", EntityType::Org)), ..q("reports of the closure of the harbour bridge", "The council", None) },
        ]),
        doc("r0", base, "2024-05-01", "Outlet", &[]),
        doc("r2", &wire, "2024-05-03", "Outlet", &[]),
    ];
    let t5 = "Kowalska said the cut in fuel taxes will ease household costs for families.\nThe harbour bridge will close for repairs next winter, officials familiar with the plan said.";
    // A claim about "Kowalska" by another speaker: its entity key resolves to the full name.
    let t6 = "Jan Nowak said Kowalska will cut fuel taxes in March to ease household costs.";
    let mut a6 = doc("a6", t6, "2024-05-05", "Morning Star", &[q("Kowalska will cut fuel taxes in March to ease household costs", "Jan Nowak", Some("Jan Nowak"))]);
    let kowalska = span_of(t6, "Kowalska");
    a6.entities.push(Entity { name: kowalska, kind: EntityType::Person, roles: vec![], mentions: vec![Mention { span: kowalska, kind: MentionKind::Name }] });
    let step3 = vec![
        doc("a5", t5, "2024-05-04", "Daily Planet", &[
            q("the cut in fuel taxes will ease household costs for families", "Kowalska", Some("Kowalska")),
            Q { kind: SourceKind::Anonymous, ..q("The harbour bridge will close for repairs next winter", "officials familiar with the plan", None) },
        ]),
        a6,
    ];
    let path = std::env::temp_dir().join(format!("onrecord-beside-{}.db", std::process::id()));
    let remove = |p: &std::path::Path| {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
    };
    remove(&path);
    let mut file = Ledger::open(&path).unwrap();
    let mut memory = Ledger::open_in_memory().unwrap();
    for (i, part) in [docs, step2, step3].into_iter().enumerate() {
        let f = ingest(&mut file, part.clone());
        let m = ingest(&mut memory, part);
        let beside = |s: &onrecord_ledger::IngestSummary| s.link_steps.iter().any(|(k, _)| *k == "wait for the claim plan");
        // The first linking builds everything from scratch, on one connection.
        assert_eq!(beside(&f), i > 0, "{:?}", f.link_steps);
        assert!(!beside(&m));
    }
    let dump = |l: &Ledger, sql: &str| -> Vec<Vec<rusqlite::types::Value>> {
        let mut st = l.conn().prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| (0..n).map(|i| r.get(i)).collect()).unwrap().map(Result::unwrap).collect()
    };
    for sql in [
        "SELECT * FROM copies ORDER BY article",
        "SELECT * FROM copy_bands",
        "SELECT * FROM copy_bands_recent",
        "SELECT * FROM claims ORDER BY id",
        "SELECT * FROM claim_reps ORDER BY id",
        "SELECT * FROM claim_postings",
        "SELECT * FROM claim_tokens",
        "SELECT * FROM agents ORDER BY id",
        "SELECT * FROM entity_groups",
        "SELECT * FROM source_names",
        "SELECT * FROM entity_names",
        "SELECT * FROM speaker_quotes",
        "SELECT * FROM speaker_quotes_recent",
        "SELECT id, agent, claim FROM attributions ORDER BY id",
        "SELECT id, agent FROM entities ORDER BY id",
        "SELECT * FROM state ORDER BY key",
    ] {
        let (f, m) = (dump(&file, sql), dump(&memory, sql));
        // Every named source here has an entity, so no source name is indexed; the two-level
        // tables' recent levels may have been merged.
        assert!(!m.is_empty() || sql.contains("source_names") || sql.contains("_recent"), "{sql}");
        assert_eq!(f, m, "{sql}");
    }
    assert!(count(&memory, "copies") >= 3 && count(&memory, "claims") > 2);
    drop(file);
    remove(&path);
}
