//! The JSON boundary: documents out in the interchange format of `shared/eval/SCHEMA.md`.
//!
//! Inside, offsets are bytes; here, and only here, they become Unicode code point offsets.

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::{
    Document, EntityType, Field, FieldSource, MentionKind, Polarity, QuoteKind, SourceKind, Span, TimexType,
};

/// Maps byte offsets of one text to code point offsets.
///
/// Stores only the positions of multi-byte characters, so ASCII text costs nothing and a
/// lookup is a binary search.
pub struct CharOffsets {
    /// (byte offset just after a multi-byte char, extra bytes so far).
    marks: Vec<(usize, usize)>,
}

impl CharOffsets {
    pub fn new(text: &str) -> Self {
        let mut marks = Vec::new();
        let mut extra = 0;
        for (i, c) in text.char_indices() {
            let n = c.len_utf8();
            if n > 1 {
                extra += n - 1;
                marks.push((i + n, extra));
            }
        }
        CharOffsets { marks }
    }

    /// Code point offset of byte offset `b` (which should be a char boundary).
    pub fn char_of(&self, b: usize) -> usize {
        let i = self.marks.partition_point(|&(end, _)| end <= b);
        let extra = if i == 0 { 0 } else { self.marks[i - 1].1 };
        b - extra
    }

    pub fn span(&self, s: Span) -> [usize; 2] {
        [self.char_of(s.start), self.char_of(s.end)]
    }
}

/// What to include besides the scored layers.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutputOptions {
    /// Include the token layer (large).
    pub tokens: bool,
}

/// One document as an interchange JSON object.
pub fn to_json(doc: &Document, opts: OutputOptions) -> Value {
    let co = CharOffsets::new(&doc.text);
    let view = doc_out(doc, &co, opts);
    serde_json::to_value(&view).unwrap_or(Value::Null)
}

/// Appends one document as interchange JSON (one line, no newline) to `out`: the text
/// `to_json(doc, opts).to_string()` gives, written straight from the document without building
/// a `Value` first.
pub fn write_json(doc: &Document, opts: OutputOptions, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    let co = CharOffsets::new(&doc.text);
    let view = doc_out(doc, &co, opts);
    serde_json::to_writer(out, &view)
}

// The borrowed views below serialise a document in the key order a `serde_json::Value` object
// prints (sorted), so `to_json` and `write_json` give the same text: fields are declared in
// alphabetical order of their JSON names, and a test checks it.

/// A sequence serialised from an iterator made on demand (nothing collected).
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

type Pair = [usize; 2];

#[derive(Serialize)]
struct DocOut<'a, P, Se, T, Q, A, E, Tm> {
    entities: E,
    id: &'a str,
    meta: MetaOut<'a>,
    origin: OriginOut<'a>,
    paragraphs: P,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quote_marks: Option<Q>,
    quotes: A,
    sentences: Se,
    text: &'a str,
    times: Tm,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens: Option<T>,
}

#[derive(Serialize)]
struct FieldOut<'a> {
    source: FieldSource,
    value: &'a str,
}

impl<'a> FieldOut<'a> {
    fn of(f: &'a Option<Field>) -> Option<FieldOut<'a>> {
        f.as_ref().map(|f| FieldOut { source: f.source, value: &f.value })
    }
}

#[derive(Serialize)]
struct MetaOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    byline: Option<FieldOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<FieldOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<FieldOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<FieldOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    site_name: Option<FieldOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<FieldOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<FieldOut<'a>>,
}

#[derive(Serialize)]
struct OriginOut<'a> {
    format: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<u64>,
}

#[derive(Serialize)]
struct QuoteMarkOut {
    close: Option<Pair>,
    continues: Option<usize>,
    depth: u8,
    open: Pair,
    span: Pair,
    unbalanced: bool,
}

#[derive(Serialize)]
struct AttributionOut<'a, C, H> {
    addressee: Option<Pair>,
    /// As the `Value` path prints it: the rounded f32 widened to f64 (null if not finite).
    confidence: f64,
    content: C,
    cue: Option<Pair>,
    hedges: H,
    kind: QuoteKind,
    polarity: Polarity,
    source: Option<Pair>,
    source_kind: SourceKind,
    speaker: Option<&'a str>,
    time: Option<&'a str>,
}

#[derive(Serialize)]
struct EntityOut<'a, M, R, Ro> {
    mentions: M,
    name: &'a str,
    references: R,
    roles: Ro,
    #[serde(rename = "type")]
    kind: EntityType,
}

#[derive(Serialize)]
struct RoleOut<'a> {
    affiliation: Option<&'a str>,
    span: Pair,
    text: &'a str,
}

#[derive(Serialize)]
struct ReferenceOut<'a> {
    kind: MentionKind,
    span: Pair,
    text: &'a str,
}

#[derive(Serialize)]
struct TimeOut<'a> {
    #[serde(rename = "mod", skip_serializing_if = "Option::is_none")]
    modifier: Option<&'a str>,
    /// Present (and false) only when the value could not be anchored.
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved: Option<bool>,
    span: Pair,
    text: &'a str,
    #[serde(rename = "type")]
    kind: TimexType,
    value: &'a str,
}

/// The borrowed view of `doc` that both `to_json` and `write_json` serialise.
fn doc_out<'a>(doc: &'a Document, co: &'a CharOffsets, opts: OutputOptions) -> impl Serialize + 'a {
    let sp = move |s: Span| co.span(s);
    let opt_sp = move |s: Option<Span>| s.map(sp);
    let meta = &doc.meta;
    DocOut {
        entities: Seq(move || {
            doc.entities.iter().map(move |e| EntityOut {
                // `mentions` holds proper names only, as CoNLL-style scorers expect; descriptions
                // and pronouns that refer to the entity are listed apart.
                mentions: Seq(move || e.mentions.iter().filter(|m| m.kind == MentionKind::Name).map(move |m| sp(m.span))),
                name: doc.slice(e.name),
                references: Seq(move || {
                    e.mentions
                        .iter()
                        .filter(|m| m.kind != MentionKind::Name)
                        .map(move |m| ReferenceOut { kind: m.kind, span: sp(m.span), text: doc.slice(m.span) })
                }),
                roles: Seq(move || {
                    e.roles.iter().map(move |r| RoleOut {
                        affiliation: r.affiliation.map(|a| doc.slice(a)),
                        span: sp(r.span),
                        text: doc.slice(r.span),
                    })
                }),
                kind: e.kind,
            })
        }),
        id: &doc.id,
        meta: MetaOut {
            byline: FieldOut::of(&meta.byline),
            language: FieldOut::of(&meta.language),
            published: FieldOut::of(&meta.published),
            publisher: FieldOut::of(&meta.publisher),
            site_name: FieldOut::of(&meta.site_name),
            title: FieldOut::of(&meta.title),
            url: FieldOut::of(&meta.url),
        },
        origin: OriginOut { format: &doc.origin.format, path: &doc.origin.path, record: doc.origin.record },
        paragraphs: Seq(move || doc.paragraphs.iter().map(move |p| sp(p.span))),
        published: meta.published.as_ref().map(|f| f.value.as_str()),
        publisher: meta.publisher.as_ref().map(|f| f.value.as_str()),
        quote_marks: opts.tokens.then_some(Seq(move || {
            doc.quote_regions.iter().map(move |q| QuoteMarkOut {
                close: opt_sp(q.close),
                continues: q.continues,
                depth: q.depth,
                open: sp(q.open),
                span: sp(q.span),
                unbalanced: q.unbalanced,
            })
        })),
        quotes: Seq(move || {
            doc.attributions.iter().map(move |a| AttributionOut {
                addressee: opt_sp(a.addressee),
                confidence: f64::from((a.confidence * 1000.0).round() / 1000.0),
                content: Seq(move || a.content.iter().map(move |s| sp(*s))),
                cue: opt_sp(a.cue),
                hedges: Seq(move || a.hedges.iter().map(move |s| sp(*s))),
                kind: a.kind,
                polarity: a.polarity,
                source: opt_sp(a.source),
                source_kind: a.source_kind,
                speaker: a.speaker.and_then(|i| doc.entities.get(i)).map(|e| doc.slice(e.name)),
                time: a.time.and_then(|t| doc.times.get(t)).map(|t| t.value.as_str()),
            })
        }),
        sentences: Seq(move || doc.sentences.iter().map(move |s| sp(s.span))),
        text: &doc.text,
        times: Seq(move || {
            doc.times.iter().map(move |t| TimeOut {
                modifier: t.modifier.as_deref(),
                resolved: (!t.resolved).then_some(false),
                span: sp(t.span),
                text: doc.slice(t.span),
                kind: t.kind,
                value: &t.value,
            })
        }),
        title: meta.title.as_ref().map(|f| f.value.as_str()),
        tokens: opts.tokens.then_some(Seq(move || doc.tokens.iter().map(move |t| sp(t.span)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_offsets_skip_multibyte() {
        let t = "a’b“c”d";
        let co = CharOffsets::new(t);
        let b = t.find('d').unwrap();
        assert_eq!(co.char_of(b), 6);
        assert_eq!(co.char_of(0), 0);
        assert_eq!(co.char_of(t.len()), t.chars().count());
        let ascii = CharOffsets::new("plain");
        assert_eq!(ascii.char_of(3), 3);
    }

    /// A document with every optional field and layer set (multi-byte text, metadata, quote
    /// marks, a qualified unresolved time, a speaker, roles and references).
    fn full_doc() -> Document {
        use crate::*;
        let text = "“Non,” said Élise Dupont, the minister of Ünity, on Monday.";
        let at = |w: &str| {
            let s = text.find(w).unwrap();
            Span::new(s, s + w.len())
        };
        let mut d = Document::new("d1", text);
        d.meta.title = Some(Field::new("T", FieldSource::TitleTag));
        d.meta.publisher = Some(Field::new("P", FieldSource::MetaTag));
        d.meta.published = Some(Field::new("2024-01-02", FieldSource::Jsonl));
        d.meta.byline = Some(Field::new("B", FieldSource::JsonLd));
        d.meta.site_name = Some(Field::new("S", FieldSource::Url));
        d.meta.language = Some(Field::new("fr", FieldSource::Extractor));
        d.meta.url = Some(Field::new("https://x/\"a\"", FieldSource::Feed));
        d.origin = Origin { path: "f.jsonl".into(), record: Some(3), format: "jsonl".into() };
        let all = Span::new(0, text.len());
        d.paragraphs.push(Paragraph { span: all });
        d.sentences.push(Sentence { span: all, tokens: 0..2, paragraph: 0 });
        d.tokens.push(Token { span: at("“"), kind: TokenKind::QuoteMark });
        d.tokens.push(Token { span: at("Non"), kind: TokenKind::Word });
        d.quote_regions.push(QuoteRegion {
            open: at("“"),
            close: Some(at("”")),
            span: at("“Non,”"),
            depth: 0,
            continues: Some(0),
            runs_on: false,
            unbalanced: true,
        });
        d.entities.push(Entity {
            name: at("Élise Dupont"),
            kind: EntityType::Person,
            roles: vec![Role { span: at("minister of Ünity"), affiliation: Some(at("Ünity")) }],
            mentions: vec![
                Mention { span: at("Élise Dupont"), kind: MentionKind::Name },
                Mention { span: at("the minister"), kind: MentionKind::Nominal },
            ],
        });
        d.times.push(Timex {
            span: at("Monday"),
            kind: TimexType::Date,
            value: "XXXX-WXX-1".into(),
            modifier: Some("START".into()),
            resolved: false,
        });
        d.attributions.push(Attribution {
            kind: QuoteKind::Direct,
            content: vec![at("“Non,”")],
            cue: Some(at("said")),
            source: Some(at("Élise Dupont")),
            source_kind: SourceKind::Named,
            speaker: Some(0),
            confidence: 0.7,
            addressee: None,
            hedges: vec![at("the")],
            polarity: Polarity::Denies,
            time: Some(0),
        });
        d
    }

    #[test]
    fn written_json_is_the_value_printed() {
        let mut d = full_doc();
        for tokens in [false, true] {
            let opts = OutputOptions { tokens };
            let mut buf = Vec::new();
            write_json(&d, opts, &mut buf).unwrap();
            // Same keys in the same (sorted) order, same numbers: the same bytes.
            assert_eq!(String::from_utf8(buf).unwrap(), to_json(&d, opts).to_string());
        }
        // And with every optional value absent.
        d.meta = Default::default();
        d.origin.record = None;
        d.times[0].modifier = None;
        d.times[0].resolved = true;
        d.attributions[0].speaker = None;
        d.attributions[0].time = None;
        d.attributions[0].confidence = f32::NAN;
        let mut buf = Vec::new();
        write_json(&d, OutputOptions::default(), &mut buf).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), to_json(&d, OutputOptions::default()).to_string());
    }

    #[test]
    fn json_fields_and_values() {
        let v = to_json(&full_doc(), OutputOptions { tokens: true });
        assert_eq!(v["tokens"], serde_json::json!([[0, 1], [1, 4]]));
        assert_eq!(v["entities"][0]["name"], "Élise Dupont");
        assert_eq!(v["entities"][0]["mentions"], serde_json::json!([[12, 24]]));
        assert_eq!(v["entities"][0]["references"][0]["kind"], "nominal");
        assert_eq!(v["entities"][0]["roles"][0]["affiliation"], "Ünity");
        assert_eq!(v["quotes"][0]["speaker"], "Élise Dupont");
        assert_eq!(v["quotes"][0]["time"], "XXXX-WXX-1");
        assert_eq!(v["quotes"][0]["confidence"], serde_json::json!(0.7f32));
        assert_eq!(v["quotes"][0]["polarity"], "denies");
        assert_eq!(v["times"][0]["mod"], "START");
        assert_eq!(v["times"][0]["resolved"], false);
        assert_eq!(v["quote_marks"][0]["continues"], 0);
        assert_eq!(v["meta"]["url"]["source"], "feed");
        assert_eq!((v["published"].as_str(), v["title"].as_str()), (Some("2024-01-02"), Some("T")));
        assert_eq!(v["origin"]["record"], 3);
        let plain = to_json(&full_doc(), OutputOptions::default());
        assert!(plain.get("tokens").is_none() && plain.get("quote_marks").is_none());
    }
}
