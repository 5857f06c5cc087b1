//! Claim clustering with MiniLM vectors (the `embeddings` feature and the fetched model;
//! skips with a message when either is absent). Layers are written by hand, so the tests do not
//! depend on the analysis crates.

#[cfg(not(feature = "embeddings"))]
#[test]
fn minilm_clustering() {
    eprintln!("SKIP: MiniLM claim tests need `--features embeddings`");
}

#[cfg(feature = "embeddings")]
mod with_model {
    use std::sync::atomic::{AtomicU64, Ordering};

    use onrecord_core::layers::{
        Attribution, Entity, EntityType, Mention, MentionKind, Polarity, QuoteKind, SourceKind,
    };
    use onrecord_core::pipeline::Component;
    use onrecord_core::{Document, Field, FieldSource, Span};
    use onrecord_ledger::claims::ClaimEncoder;
    use onrecord_ledger::{IngestOptions, Ledger, LexicalEncoder, MiniLmEncoder};

    /// Counts the texts it is asked to encode.
    struct Counting<'a> {
        inner: &'a dyn ClaimEncoder,
        texts: AtomicU64,
    }

    impl ClaimEncoder for Counting<'_> {
        fn name(&self) -> &str {
            self.inner.name()
        }
        fn encode(&self, texts: &[&str]) -> onrecord_ledger::Result<Option<Vec<Vec<f32>>>> {
            self.texts.fetch_add(texts.len() as u64, Ordering::SeqCst);
            self.inner.encode(texts)
        }
        fn threshold(&self) -> f32 {
            self.inner.threshold()
        }
    }

    fn encoder() -> Option<MiniLmEncoder> {
        if !MiniLmEncoder::model_present() {
            eprintln!(
                "SKIP: no MiniLM model in {} (run scripts/fetch-models.sh)",
                onrecord_embed_dir()
            );
            return None;
        }
        Some(MiniLmEncoder::load_default().expect("model present but failed to load"))
    }

    fn onrecord_embed_dir() -> String {
        std::env::var("ONRECORD_MODEL_DIR").unwrap_or_else(|_| "models/all-minilm-l6-v2".into())
    }

    fn span_of(text: &str, s: &str) -> Span {
        let i = text.find(s).unwrap_or_else(|| panic!("{s:?} not in text"));
        Span::new(i, i + s.len())
    }

    /// One article with one attribution: `speaker` says `content`.
    fn article(id: &str, published: &str, speaker: &str, text: &str, content: &str) -> Document {
        let mut d = Document::new(id, text);
        d.meta.published = Some(Field::new(published, FieldSource::Jsonl));
        onrecord_core::text::TextLayer::new()
            .process(&mut d)
            .unwrap();
        let src = span_of(text, speaker);
        d.entities.push(Entity {
            name: src,
            kind: EntityType::Person,
            roles: vec![],
            mentions: vec![Mention {
                span: src,
                kind: MentionKind::Name,
            }],
        });
        d.attributions.push(Attribution {
            kind: QuoteKind::Indirect,
            content: vec![span_of(text, content)],
            cue: None,
            source: Some(src),
            source_kind: SourceKind::Named,
            speaker: Some(0),
            confidence: 1.0,
            addressee: None,
            hedges: vec![],
            polarity: Polarity::Asserts,
            time: None,
        });
        d
    }

    const P1: &str = "the senator will not seek re-election next year";
    const P2: &str = "the senator has decided against running for another term next year";
    const U: &str = "the senator voted against the defence budget";

    fn first_two() -> Vec<Document> {
        vec![
            article(
                "x1",
                "2024-05-02",
                "Maria Lopez",
                &format!("Maria Lopez said {P1}."),
                P1,
            ),
            article(
                "x2",
                "2024-05-03",
                "Tom Berg",
                &format!("Tom Berg told reporters {P2}."),
                P2,
            ),
        ]
    }

    fn third() -> Vec<Document> {
        vec![article(
            "x3",
            "2024-05-04",
            "Anne Holt",
            &format!("Anne Holt said {U}."),
            U,
        )]
    }

    fn ingest(l: &mut Ledger, docs: Vec<Document>, enc: &dyn ClaimEncoder) {
        l.ingest(
            docs.into_iter().map(Ok),
            &|_d: &mut Document| Ok(()),
            &IngestOptions::default(),
            enc,
            &mut |_| {},
        )
        .unwrap();
    }

    fn claim_of(l: &Ledger, content: &str) -> i64 {
        l.conn()
            .query_row(
                "SELECT claim FROM attributions WHERE content = ?1",
                [content],
                |r| r.get(0),
            )
            .unwrap()
    }

    #[test]
    fn paraphrases_cluster_unrelated_does_not_and_old_claims_are_not_reencoded() {
        let Some(minilm) = encoder() else { return };
        let enc = Counting {
            inner: &minilm,
            texts: AtomicU64::new(0),
        };
        let mut l = Ledger::open_in_memory().unwrap();

        ingest(&mut l, first_two(), &enc);
        assert_eq!(enc.texts.load(Ordering::SeqCst), 2);
        ingest(&mut l, third(), &enc);
        // Only the new article's claim is encoded; the first two kept their stored vectors.
        assert_eq!(enc.texts.load(Ordering::SeqCst), 3);
        let stored: i64 = l
            .conn()
            .query_row(
                "SELECT count(*) FROM claim_vectors WHERE model = ?1 AND dim = 384",
                [MiniLmEncoder::NAME],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, 3);

        assert_eq!(
            claim_of(&l, P1),
            claim_of(&l, P2),
            "paraphrases from two articles should share a claim"
        );
        assert_ne!(
            claim_of(&l, P1),
            claim_of(&l, U),
            "an unrelated claim about the same senator should not join"
        );

        // Re-ingesting stored articles and re-linking encode nothing.
        ingest(&mut l, first_two(), &enc);
        l.link(&enc).unwrap();
        assert_eq!(enc.texts.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn lexical_overlap_alone_misses_the_paraphrase() {
        // The reason for the embeddings: these share almost no stems.
        let mut l = Ledger::open_in_memory().unwrap();
        ingest(&mut l, first_two(), &LexicalEncoder);
        assert_ne!(claim_of(&l, P1), claim_of(&l, P2));
        let stored: i64 = l
            .conn()
            .query_row("SELECT count(*) FROM claim_vectors", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, 0, "the lexical encoder stores no vectors");
    }

    #[test]
    fn reanalysis_replaces_vectors() {
        let Some(minilm) = encoder() else { return };
        let enc = Counting {
            inner: &minilm,
            texts: AtomicU64::new(0),
        };
        let mut l = Ledger::open_in_memory().unwrap();
        ingest(&mut l, first_two(), &enc);
        let opts = IngestOptions {
            analysis_version: "1".into(),
            ..Default::default()
        };
        l.reanalyze(&|_d: &mut Document| Ok(()), &opts, true, &enc, &mut |_| {})
            .unwrap();
        // Re-analysis replaces the attributions (here by none, as the stored text has no layers):
        // their vectors go with them, leaving no orphan to match a reused id.
        let count = |sql: &str| -> i64 { l.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM attributions"), 0);
        assert_eq!(count("SELECT count(*) FROM claim_vectors"), 0);
    }
}
