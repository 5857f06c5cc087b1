//! Turning one analysed [`Document`] into the rows the ledger stores. Runs on worker threads:
//! everything per-article (hashes, signatures, stances, denial targets) is computed here.

use onrecord_core::interchange::CharOffsets;
use onrecord_core::layers::{Polarity, QuoteKind, SourceKind};
use onrecord_core::{Document, Span};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::copies::{minhash, wire_credit};
use crate::text::{has_phrase, intersection, lexicon, words};

/// How a source stands toward the claim it is attributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    /// States the content as fact.
    Asserts,
    /// Relays it: hedged ("reportedly"), "according to", or otherwise not vouched for.
    Reports,
    Denies,
    Questions,
    /// Declined to comment on it.
    Declines,
}

impl Stance {
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Asserts => "asserts",
            Stance::Reports => "reports",
            Stance::Denies => "denies",
            Stance::Questions => "questions",
            Stance::Declines => "declines",
        }
    }
}

/// The lexical features of a claim, stored as JSON so linking can run without re-analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClaimKey {
    /// Stems of content words, sorted.
    #[serde(rename = "s")]
    pub stems: Vec<String>,
    /// Name keys of the entities mentioned in the content, sorted.
    #[serde(rename = "e")]
    pub entities: Vec<String>,
    /// The time value the statement is about or was made at.
    #[serde(rename = "t", skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

pub struct PEntity {
    pub name: String,
    pub kind: String,
    pub roles: String,
    /// JSON `[[start, end, kind, text], ...]` in start order, code points: stored as one value
    /// per entity (the article view is its only reader).
    pub mentions: String,
}

pub struct PTime {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub kind: String,
    pub value: String,
    pub modifier: Option<String>,
    pub resolved: bool,
}

pub struct PText {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

pub struct PAttr {
    pub kind: &'static str,
    pub content: String,
    pub content_spans: String,
    pub cue: Option<PText>,
    pub source: Option<PText>,
    pub source_kind: &'static str,
    pub speaker_entity: Option<usize>,
    pub speaker: Option<String>,
    pub confidence: f32,
    pub addressee: Option<PText>,
    pub hedges: String,
    pub polarity: &'static str,
    pub time_value: Option<String>,
    pub time_idx: Option<usize>,
    pub paragraph: Option<usize>,
    pub stance: Stance,
    /// Index (in this article's attributions) of the claim a denial denies.
    pub target: Option<usize>,
    pub key: ClaimKey,
}

/// Everything stored for one article.
pub struct Prepared {
    pub doc_id: String,
    pub text_hash: String,
    pub text: String,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub published: Option<String>,
    pub byline: Option<String>,
    pub site_name: Option<String>,
    pub language: Option<String>,
    pub url: Option<String>,
    pub meta_json: String,
    pub origin_path: String,
    pub origin_record: Option<u64>,
    pub origin_format: String,
    pub wire: Option<String>,
    pub minhash: Vec<u8>,
    pub sentences: Vec<(usize, usize)>,
    pub entities: Vec<PEntity>,
    pub times: Vec<PTime>,
    pub attributions: Vec<PAttr>,
}

/// SHA-256 of the text, hex.
pub fn text_hash(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn snake<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn quote_kind(k: QuoteKind) -> &'static str {
    match k {
        QuoteKind::Direct => "direct",
        QuoteKind::Indirect => "indirect",
        QuoteKind::Mixed => "mixed",
    }
}

fn source_kind(k: SourceKind) -> &'static str {
    match k {
        SourceKind::Named => "named",
        SourceKind::Pronoun => "pronoun",
        SourceKind::Anonymous => "anonymous",
        SourceKind::UnnamedGroup => "unnamed_group",
        SourceKind::Document => "document",
    }
}

/// Prepares a document (already analysed) for storage.
pub fn prepare(doc: &Document) -> Prepared {
    prepare_hashed(doc, text_hash(&doc.text))
}

/// [`prepare`] with the text's [`text_hash`] already computed (ingest hashes each document once,
/// to skip those already stored).
pub fn prepare_hashed(doc: &Document, text_hash: String) -> Prepared {
    let lex = lexicon();
    let co = CharOffsets::new(&doc.text);
    let ptext = |s: Span| {
        let [start, end] = co.span(s);
        PText {
            text: doc.slice(s).to_string(),
            start,
            end,
        }
    };
    let m = &doc.meta;
    let val = |f: &Option<onrecord_core::Field>| f.as_ref().map(|f| f.value.clone());

    let entities: Vec<PEntity> = doc
        .entities
        .iter()
        .map(|e| PEntity {
            name: doc.slice(e.name).trim().to_string(),
            kind: snake(e.kind),
            roles: serde_json::Value::Array(
                e.roles
                    .iter()
                    .map(|r| {
                        let [s, en] = co.span(r.span);
                        serde_json::json!({"text": doc.slice(r.span), "start": s, "end": en,
                            "affiliation": r.affiliation.map(|a| doc.slice(a))})
                    })
                    .collect(),
            )
            .to_string(),
            mentions: {
                let mut ms: Vec<(usize, usize, String, &str)> = e
                    .mentions
                    .iter()
                    .map(|mm| {
                        let [s, en] = co.span(mm.span);
                        (s, en, snake(mm.kind), doc.slice(mm.span))
                    })
                    .collect();
                ms.sort_by_key(|m| m.0);
                serde_json::to_string(&ms).unwrap_or_else(|_| "[]".into())
            },
        })
        .collect();
    let entity_keys: Vec<String> = entities.iter().map(|e| lex.name_key(&e.name)).collect();

    let times: Vec<PTime> = doc
        .times
        .iter()
        .map(|t| {
            let [start, end] = co.span(t.span);
            PTime {
                start,
                end,
                text: doc.slice(t.span).to_string(),
                kind: snake(t.kind),
                value: t.value.clone(),
                modifier: t.modifier.clone(),
                resolved: t.resolved,
            }
        })
        .collect();

    let mut attributions: Vec<PAttr> = doc
        .attributions
        .iter()
        .map(|a| {
            let content: Vec<&str> = a.content.iter().map(|s| doc.slice(*s)).collect();
            let content_text = content.join(" … ");
            let spans: Vec<[usize; 2]> = a.content.iter().map(|s| co.span(*s)).collect();
            let inside = |s: Span| a.content.iter().any(|c| c.contains(s));
            // Entities the content talks about (any mention: names, descriptions, pronouns).
            let mut ents: Vec<String> = doc
                .entities
                .iter()
                .enumerate()
                .filter(|(_, e)| e.mentions.iter().any(|mm| inside(mm.span)))
                .map(|(i, _)| entity_keys[i].clone())
                .filter(|k| !k.is_empty())
                .collect();
            ents.sort();
            ents.dedup();
            let time_idx = a
                .time
                .filter(|&t| t < doc.times.len())
                .or_else(|| doc.times.iter().position(|t| inside(t.span)));
            let time_value = time_idx.map(|t| doc.times[t].value.clone());
            let stance = stance_of(doc, a, &content_text);
            let first = a.content.first().map(|s| s.start).unwrap_or(0);
            PAttr {
                kind: quote_kind(a.kind),
                content: content_text.clone(),
                content_spans: serde_json::to_string(&spans).unwrap_or_else(|_| "[]".into()),
                cue: a.cue.map(ptext),
                source: a.source.map(ptext),
                source_kind: source_kind(a.source_kind),
                speaker_entity: a.speaker.filter(|&s| s < entities.len()),
                speaker: a
                    .speaker
                    .and_then(|s| entities.get(s))
                    .map(|e| e.name.clone()),
                confidence: a.confidence,
                addressee: a.addressee.map(ptext),
                hedges: serde_json::Value::Array(
                    a.hedges
                        .iter()
                        .map(|h| {
                            let [s, e] = co.span(*h);
                            serde_json::json!({"text": doc.slice(*h), "start": s, "end": e})
                        })
                        .collect(),
                )
                .to_string(),
                polarity: match a.polarity {
                    Polarity::Asserts => "asserts",
                    Polarity::Denies => "denies",
                    Polarity::Refuses => "refuses",
                },
                time_value: time_value.clone(),
                time_idx,
                paragraph: doc.paragraph_at(first),
                stance,
                target: None,
                key: ClaimKey {
                    stems: lex.content_stems(&content_text),
                    entities: ents,
                    time: time_value,
                },
            }
        })
        .collect();
    let order: Vec<usize> = {
        let mut o: Vec<usize> = (0..doc.attributions.len()).collect();
        o.sort_by_key(|&i| {
            doc.attributions[i]
                .content
                .first()
                .map(|s| s.start)
                .unwrap_or(0)
        });
        o
    };
    link_denials(&mut attributions, &order);

    Prepared {
        doc_id: doc.id.clone(),
        text_hash,
        text: doc.text.clone(),
        title: val(&m.title),
        publisher: val(&m.publisher),
        published: val(&m.published),
        byline: val(&m.byline),
        site_name: val(&m.site_name),
        language: val(&m.language),
        url: val(&m.url),
        meta_json: serde_json::to_string(&doc.meta).unwrap_or_else(|_| "{}".into()),
        origin_path: doc.origin.path.clone(),
        origin_record: doc.origin.record,
        origin_format: doc.origin.format.clone(),
        wire: wire_credit(&doc.text),
        minhash: minhash(&doc.text)
            .iter()
            .flat_map(|h| h.to_le_bytes())
            .collect(),
        sentences: doc
            .sentences
            .iter()
            .map(|s| {
                let [a, b] = co.span(s.span);
                (a, b)
            })
            .collect(),
        entities,
        times,
        attributions,
    }
}

/// The stance of one attribution toward its own content.
fn stance_of(doc: &Document, a: &onrecord_core::layers::Attribution, content: &str) -> Stance {
    let lex = lexicon();
    match a.polarity {
        Polarity::Denies => return Stance::Denies,
        Polarity::Refuses => return Stance::Declines,
        Polarity::Asserts => {}
    }
    let cue = a
        .cue
        .map(|c| doc.slice(c).to_lowercase())
        .unwrap_or_default();
    let lower = content.to_lowercase();
    // A short quoted retort ("This is completely untrue") denies even when the finder did not
    // mark it; long or indirect content mentioning falsity is more often a claim about it.
    if a.kind != QuoteKind::Indirect
        && words(content).count() <= 30
        && lex.deny_content.iter().any(|p| has_phrase(&lower, p))
    {
        return Stance::Denies;
    }
    if lex.question.iter().any(|p| has_phrase(&cue, p)) {
        return Stance::Questions;
    }
    if !a.hedges.is_empty()
        || lex.relay.iter().any(|p| {
            has_phrase(&cue, p) || (a.kind == QuoteKind::Indirect && has_phrase(&lower, p))
        })
    {
        return Stance::Reports;
    }
    Stance::Asserts
}

/// Links each denial to the claim it denies in the same article.
///
/// A denial's content is often short ("denied reports of the call", "This is untrue"), so it is
/// linked to the nearest preceding non-denial claim sharing the most content words or entities;
/// failing that, to the previous denial's claim when that is within two paragraphs (denials come
/// in runs); failing that, to the article's main reported claim: the first claim that is relayed
/// or comes from an anonymous source or a document, else the first claim.
fn link_denials(attrs: &mut [PAttr], order: &[usize]) {
    let is_claim = |a: &PAttr| {
        matches!(
            a.stance,
            Stance::Asserts | Stance::Reports | Stance::Questions
        )
    };
    let main = order
        .iter()
        .copied()
        .find(|&i| {
            let a = &attrs[i];
            is_claim(a)
                && (a.stance == Stance::Reports
                    || matches!(a.source_kind, "anonymous" | "document"))
        })
        .or_else(|| order.iter().copied().find(|&i| is_claim(&attrs[i])));
    let mut prev_denial: Option<(usize, Option<usize>)> = None; // (paragraph, target)
    for (pos, &i) in order.iter().enumerate() {
        if attrs[i].stance != Stance::Denies {
            continue;
        }
        let d = &attrs[i];
        let speaker = d.speaker_entity;
        let mut best: Option<(usize, usize)> = None; // (score, index)
        for &j in &order[..pos] {
            let c = &attrs[j];
            if !is_claim(c) || (speaker.is_some() && c.speaker_entity == speaker) {
                continue;
            }
            let score = intersection(&d.key.stems, &c.key.stems)
                + intersection(&d.key.entities, &c.key.entities);
            // Later candidates win ties: the nearest preceding claim.
            if score > 0 && best.is_none_or(|(s, _)| score >= s) {
                best = Some((score, j));
            }
        }
        let para = d.paragraph.unwrap_or(0);
        let target = best.map(|(_, j)| j).or_else(|| {
            let from_run =
                prev_denial.and_then(|(p, t)| (para.saturating_sub(p) <= 2).then_some(t).flatten());
            from_run.or(main.filter(|&m| m != i))
        });
        attrs[i].target = target;
        prev_denial = Some((para, target));
    }
}
