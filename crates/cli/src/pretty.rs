//! A readable view of one analysed document, for a person at a terminal.

use std::fmt::Write;

use onrecord::{Document, MentionKind, Polarity};

fn shorten(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

pub fn render(doc: &Document) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "══ {} ══", doc.id);
    let m = &doc.meta;
    for (label, f) in [("title", &m.title), ("published", &m.published), ("publisher", &m.publisher),
                       ("byline", &m.byline), ("site", &m.site_name), ("url", &m.url)] {
        if let Some(f) = f {
            let _ = writeln!(o, "  {label:<10} {}  [{}]", f.value, serde_json::to_value(f.source).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default());
        }
    }
    let _ = writeln!(o, "  {} paragraphs, {} sentences, {} tokens", doc.paragraphs.len(), doc.sentences.len(), doc.tokens.len());
    let _ = writeln!(o, "\n  Quotes ({})", doc.attributions.len());
    for (i, a) in doc.attributions.iter().enumerate() {
        let speaker = a.speaker.and_then(|s| doc.entities.get(s)).map(|e| doc.slice(e.name).to_string());
        let source = a.source.map(|s| doc.slice(s).to_string());
        let who = match (speaker, source) {
            (Some(sp), Some(src)) if sp != src => format!("{sp} (as “{src}”)"),
            (Some(sp), _) => sp,
            (None, Some(src)) => format!("“{src}”"),
            (None, None) => "(unknown)".into(),
        };
        let cue = a.cue.map(|c| doc.slice(c)).unwrap_or("—");
        let mut tags = vec![format!("{:?}", a.kind).to_lowercase(), format!("{:?}", a.source_kind).to_lowercase()];
        if a.polarity != Polarity::Asserts {
            tags.push(format!("{:?}", a.polarity).to_lowercase());
        }
        if !a.hedges.is_empty() {
            tags.push(format!("hedged: {}", a.hedges.iter().map(|h| doc.slice(*h)).collect::<Vec<_>>().join(", ")));
        }
        let _ = writeln!(o, "  {:>3}. {who}  —{cue}→  [{}]", i + 1, tags.join("; "));
        if let Some(ad) = a.addressee {
            let _ = writeln!(o, "       to: {}", doc.slice(ad));
        }
        if let Some(t) = a.time.and_then(|t| doc.times.get(t)) {
            let _ = writeln!(o, "       when: {} ({})", t.value, doc.slice(t.span));
        }
        let content: Vec<&str> = a.content.iter().map(|s| doc.slice(*s)).collect();
        let _ = writeln!(o, "       {}", shorten(&content.join(" … "), 160));
    }
    let _ = writeln!(o, "\n  Entities ({})", doc.entities.len());
    for e in &doc.entities {
        let names = e.mentions.iter().filter(|m| m.kind == MentionKind::Name).count();
        let refs = e.mentions.len() - names;
        let mut line = format!("  {:<7} {}  ({names} names, {refs} references)", format!("{:?}", e.kind).to_uppercase(), doc.slice(e.name));
        if !e.roles.is_empty() {
            let roles: Vec<&str> = e.roles.iter().map(|r| doc.slice(r.span)).collect();
            let _ = write!(line, "  roles: {}", roles.join("; "));
        }
        let _ = writeln!(o, "{line}");
    }
    let _ = writeln!(o, "\n  Times ({})", doc.times.len());
    for t in &doc.times {
        let md = t.modifier.as_deref().map(|m| format!(" mod={m}")).unwrap_or_default();
        let _ = writeln!(o, "  {:<8} {:<12}{md}  “{}”", format!("{:?}", t.kind).to_uppercase(), t.value, doc.slice(t.span));
    }
    o
}
