//! onrecord-quotes: who said what.
//!
//! [`AttributionLayer`] fills `Document::attributions` from the text layer's tokens, sentences
//! and paired quote marks, the entity layer (to resolve sources to speakers) and the time layer
//! (to date statements). The linguistic knowledge is in `data/*.tsv`; see `scripts/` for how
//! it was derived from PolNeAR train.

mod find;
pub mod lexicon;

use onrecord_core::{Attribution, Component, Document, Error, QuoteKind};

pub use lexicon::Lexicon;

/// How a cue-less continuation quote ("“A,” X said. “B.”": the "B") is recorded. Annotation
/// schemes differ: our seed gold keeps it as its own attribution by the same speaker, PolNeAR
/// folds it into the attribution before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Continuations {
    /// Its own attribution, speaker carried over (the default).
    #[default]
    Separate,
    /// Appended as another content span of the attribution just before it, when both have the same
    /// source and no paragraph break lies between them.
    Merge,
}

/// The attribution component. Run after the text, entity and time layers.
#[derive(Debug)]
pub struct AttributionLayer {
    lex: Lexicon,
    continuations: Continuations,
}

impl AttributionLayer {
    pub fn new() -> Self {
        AttributionLayer {
            lex: Lexicon::builtin(),
            continuations: Continuations::default(),
        }
    }

    /// The same layer with another continuation convention.
    pub fn with_continuations(mut self, how: Continuations) -> Self {
        self.continuations = how;
        self
    }
}

/// Folds cue-less direct continuations into the attribution before them (`Continuations::Merge`).
fn merge_continuations(text: &str, found: Vec<Attribution>) -> Vec<Attribution> {
    let mut out: Vec<Attribution> = Vec::with_capacity(found.len());
    for a in found {
        if let Some(prev) = out.last_mut() {
            let same_source = a.source.is_some() && a.source == prev.source;
            let gap = match (prev.content.last(), a.content.first()) {
                (Some(p), Some(q)) if p.end <= q.start => text.get(p.end..q.start),
                _ => None,
            };
            let same_paragraph = gap.is_some_and(|g| !g.contains('\n'));
            if a.cue.is_none() && a.kind == QuoteKind::Direct && same_source && same_paragraph {
                prev.content.extend(a.content);
                continue;
            }
        }
        out.push(a);
    }
    out
}

impl Default for AttributionLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl Component for AttributionLayer {
    fn name(&self) -> &'static str {
        "quotes"
    }

    fn process(&self, doc: &mut Document) -> Result<(), Error> {
        let lower = doc.text.to_ascii_lowercase();
        let found = find::Finder::new(doc, &self.lex, &lower).run();
        doc.attributions = match self.continuations {
            Continuations::Separate => found,
            Continuations::Merge => merge_continuations(&doc.text, found),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use onrecord_core::text::TextLayer;
    use onrecord_core::{Attribution, Polarity, QuoteKind, SourceKind};

    use super::*;

    fn run(text: &str) -> (Document, Vec<Attribution>) {
        let mut doc = Document::new("t", text);
        TextLayer::new().process(&mut doc).unwrap();
        AttributionLayer::new().process(&mut doc).unwrap();
        let a = doc.attributions.clone();
        (doc, a)
    }

    fn s(doc: &Document, sp: Option<onrecord_core::Span>) -> &str {
        sp.map_or("", |x| doc.slice(x))
    }

    fn content(doc: &Document, a: &Attribution) -> String {
        a.content
            .iter()
            .map(|c| doc.slice(*c))
            .collect::<Vec<_>>()
            .join(" | ")
    }

    #[test]
    fn continuation_convention() {
        let text = "“We will strike,” union leader Ana Ruiz said. “We have no choice.”\n\n\
                    “The port is closed,” she said.\n\n“Nobody works tomorrow.”";
        let (d, sep) = run(text);
        let mut merged_doc = Document::new("t", text);
        TextLayer::new().process(&mut merged_doc).unwrap();
        AttributionLayer::new()
            .with_continuations(Continuations::Merge)
            .process(&mut merged_doc)
            .unwrap();
        let merged = &merged_doc.attributions;
        // Separate: the cue-less "We have no choice." is its own attribution by Ana Ruiz.
        let cont = sep
            .iter()
            .position(|a| content(&d, a) == "“We have no choice.”");
        let cont = cont.expect("continuation found");
        assert!(sep[cont].cue.is_none());
        assert_eq!(s(&d, sep[cont].source), "union leader Ana Ruiz");
        // Merge: it becomes the second content span of the attribution before it ...
        assert_eq!(merged.len(), sep.len() - 1);
        assert_eq!(
            content(&merged_doc, &merged[0]),
            "“We will strike,” | “We have no choice.”"
        );
        // ... but a continuation in a paragraph of its own stays apart.
        assert!(merged
            .iter()
            .any(|a| content(&merged_doc, a) == "“Nobody works tomorrow.”"));
    }

    #[test]
    fn direct_cue_after() {
        let (d, a) = run("“The budget is balanced,” Mayor Ellen Park said on Tuesday.");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].kind, QuoteKind::Direct);
        assert_eq!(content(&d, &a[0]), "“The budget is balanced,”");
        assert_eq!(s(&d, a[0].cue), "said");
        assert_eq!(s(&d, a[0].source), "Mayor Ellen Park");
        assert_eq!(a[0].source_kind, SourceKind::Named);
    }

    #[test]
    fn direct_inverted_and_split() {
        let (d, a) = run("“We will appeal,” said Tom Reyes, “and we will win.”");
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].source), "Tom Reyes");
        assert_eq!(a[0].content.len(), 2);
    }

    #[test]
    fn direct_cue_before_with_addressee() {
        let (d, a) = run("The minister told reporters: “No deal has been signed.”");
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].source), "The minister");
        assert_eq!(s(&d, a[0].addressee), "reporters");
        assert_eq!(content(&d, &a[0]), "“No deal has been signed.”");
    }

    #[test]
    fn appositive_source_and_statement_addressee() {
        let (d, a) = run("“Talks went well,” Ana Ruiz, the agency’s press officer, said in a statement to The Herald.");
        assert_eq!(s(&d, a[0].source), "Ana Ruiz");
        assert_eq!(s(&d, a[0].addressee), "The Herald");
    }

    #[test]
    fn continuation_quote_inherits_speaker_slot() {
        let (d, a) =
            run("“It is over,” the coach said. “We lost fair and square.”\nThe season ended.");
        assert_eq!(a.len(), 2);
        // The continuation points back to the speaker's source phrase, with no cue of its own.
        assert_eq!(a[1].source, a[0].source);
        assert_eq!(a[1].cue, None);
        assert_eq!(content(&d, &a[1]), "“We lost fair and square.”");
    }

    #[test]
    fn finished_quote_before_is_not_the_content() {
        // A quote ending a paragraph (or a finished sentence) is not what the next "X said" reports.
        let (d, a) =
            run("“We will win,” Ann Lee said. “It is over.”\n\nThe mayor said the vote was fair.");
        let last = a.last().unwrap();
        assert_eq!(content(&d, last), "the vote was fair");
        assert_eq!(s(&d, last.source), "The mayor");
        let (d, a) = run("“It is over.” The mayor said that the vote was fair.");
        assert_eq!(content(&d, a.last().unwrap()), "that the vote was fair");
    }

    #[test]
    fn cue_interrupting_the_content() {
        let (d, a) = run("The gains in the north, they said, could be lost within a year.");
        assert_eq!(a.len(), 1);
        assert_eq!(
            content(&d, &a[0]),
            "The gains in the north | could be lost within a year"
        );
        assert_eq!(s(&d, a[0].source), "they");
    }

    #[test]
    fn subject_before_a_long_interruption() {
        let (d, a) = run(
            "Jo Hale, a pastor in Dover, Del., who leads the coalition, said the boycott would go on.",
        );
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].source), "Jo Hale");
        assert_eq!(content(&d, &a[0]), "the boycott would go on");
    }

    #[test]
    fn indirect_that_clause_and_told() {
        let (d, a) =
            run("Last week, the governor told Channel Four that the bridge would reopen in May.");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].kind, QuoteKind::Indirect);
        assert_eq!(s(&d, a[0].source), "the governor");
        assert_eq!(s(&d, a[0].addressee), "Channel Four");
        assert_eq!(content(&d, &a[0]), "that the bridge would reopen in May");
    }

    #[test]
    fn content_before_cue_and_anonymous_source() {
        let (d, a) = run(
            "The plant will close next year, people familiar with the plan told the newspaper.",
        );
        assert_eq!(a.len(), 1);
        assert_eq!(content(&d, &a[0]), "The plant will close next year");
        assert_eq!(s(&d, a[0].source), "people familiar with the plan");
        assert_eq!(a[0].source_kind, SourceKind::Anonymous);
    }

    #[test]
    fn according_to_and_document_source() {
        let (d, a) = run("According to a new survey, most drivers ignore the limit.");
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].source), "a new survey");
        assert_eq!(a[0].source_kind, SourceKind::Document);
        assert_eq!(content(&d, &a[0]), "most drivers ignore the limit");
    }

    #[test]
    fn according_to_after_a_clause() {
        let (d, a) = run(
            "Turnout rose by a third in the north, according to a state survey released on Friday.",
        );
        assert_eq!(a.len(), 1);
        assert_eq!(content(&d, &a[0]), "Turnout rose by a third in the north");
    }

    #[test]
    fn indefinite_report_is_the_outlet_told_next() {
        let text = "The plant will close in May, a new report says.\nWorkers were told on Friday, people familiar with the plan told The Daily Ledger.";
        let mut doc = Document::new("t", text);
        TextLayer::new().process(&mut doc).unwrap();
        let at = text.find("The Daily Ledger").unwrap();
        let span = onrecord_core::Span::new(at, at + "The Daily Ledger".len());
        doc.entities.push(onrecord_core::Entity {
            name: span,
            kind: onrecord_core::EntityType::Org,
            roles: vec![],
            mentions: vec![onrecord_core::Mention {
                span,
                kind: onrecord_core::MentionKind::Name,
            }],
        });
        AttributionLayer::new().process(&mut doc).unwrap();
        let a = &doc.attributions;
        assert_eq!(s(&doc, a[0].source), "a new report");
        assert_eq!(a[0].speaker, Some(0));
        assert_eq!(a[1].source_kind, SourceKind::Anonymous);
        assert_eq!(a[1].speaker, None);
    }

    #[test]
    fn denial_and_coordination() {
        let (d, a) = run("The ministry denied the claims and said the tests were safe.");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].polarity, Polarity::Denies);
        assert_eq!(content(&d, &a[0]), "the claims");
        assert_eq!(s(&d, a[1].source), "The ministry");
        assert_eq!(content(&d, &a[1]), "the tests were safe");
    }

    #[test]
    fn refusal() {
        let (_, a) = run("The company declined to comment on the lawsuit.");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].polarity, Polarity::Refuses);
    }

    #[test]
    fn mixed_quote_and_group_source() {
        let (d, a) = run("Some economists have warned that the plan is “a gamble” for savers.");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].kind, QuoteKind::Mixed);
        assert_eq!(a[0].source_kind, SourceKind::UnnamedGroup);
        assert!(content(&d, &a[0]).starts_with("that the plan"));
    }

    #[test]
    fn pronoun_source() {
        let (d, a) = run("She claimed that the vote had been rigged.");
        assert_eq!(s(&d, a[0].source), "She");
        assert_eq!(a[0].source_kind, SourceKind::Pronoun);
    }

    #[test]
    fn hedge_without_source() {
        let (d, a) = run("The senator allegedly took the money.");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].source, None);
        assert_eq!(a[0].source_kind, SourceKind::Anonymous);
        assert_eq!(s(&d, a[0].cue), "allegedly");
        let (d, a) = run("The envoy reportedly met the rebels, the agency says.");
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].source), "the agency");
        assert_eq!(
            a[0].hedges.iter().map(|h| d.slice(*h)).collect::<Vec<_>>(),
            ["reportedly"]
        );
    }

    #[test]
    fn scare_quotes_and_titles_are_not_attributions() {
        let (_, a) =
            run("Critics call the policy “woke” and compare it to “Brave New World” on air.");
        assert!(a.is_empty(), "{a:?}");
    }

    #[test]
    fn dash_attribution() {
        let (d, a) = run("“Never give up on your town.” - Maria Lopez");
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].source), "Maria Lopez");
    }

    #[test]
    fn speaker_named_on_the_line_before() {
        let (d, a) = run("The chairman said:\n“We have the votes.”");
        assert_eq!(a.len(), 1);
        assert_eq!(content(&d, &a[0]), "“We have the votes.”");
    }

    #[test]
    fn multi_word_cue() {
        let (d, a) = run("The union called for a full inquiry into the collapse.");
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].cue), "called for");
        assert_eq!(s(&d, a[0].source), "The union");
        assert_eq!(content(&d, &a[0]), "a full inquiry into the collapse");
    }

    #[test]
    fn parenthetical_after_source_name() {
        let (d, a) = run("Sen. Ann Kroll (D-Ore.) said the bill would pass.");
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].source), "Sen. Ann Kroll (D-Ore.)");
        assert_eq!(content(&d, &a[0]), "the bill would pass");
    }

    #[test]
    fn appositive_source_beats_inverted_reading() {
        let (d, a) =
            run("Rita Moss, the head of the nurses' union, said he never saw the letters.");
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].source), "Rita Moss");
        assert_eq!(content(&d, &a[0]), "he never saw the letters");
        // A pronoun after an inverted cue is a source only on its own ("…, said he.").
        let (d, a) = run("The plan is dead, said he.");
        assert_eq!(s(&d, a[0].source), "he");
    }

    #[test]
    fn participle_cue_ends_the_content() {
        let (d, a) = run("She said that the vote was fair, adding that the count was slow.");
        assert_eq!(content(&d, &a[0]), "that the vote was fair");
        let (d, a) = run("He said he respects her but said the plan is wrong.");
        assert_eq!(content(&d, &a[0]), "he respects her");
    }

    #[test]
    fn noun_after_quantifier_is_not_a_cue() {
        let (_, a) = run("It was one of several calls the mayor took that night.");
        assert!(a.is_empty(), "{a:?}");
    }

    #[test]
    fn no_panic_on_odd_text() {
        for t in [
            "",
            "said",
            "“",
            "” said",
            "according to",
            ", said ,",
            "He said: “",
            "“a” - ",
            "told the",
            "Asked",
            "Asked by",
            "Asked by X,",
            "When asked whether, he said",
            "A:",
            "A B On C D E F G: x",
            "X Says",
            "X — said",
            "he openly",
        ] {
            let (d, a) = run(t);
            for x in &a {
                for sp in x.content.iter().chain(x.cue.iter()).chain(x.source.iter()) {
                    assert!(sp.is_valid_in(&d.text) && sp.end <= d.text.len());
                }
            }
        }
    }

    #[test]
    fn coordinated_cue_shares_the_sentence_subject() {
        let (d, a) = run("The agency declined to name the buyer but said the sale was final.");
        let last = a.last().unwrap();
        assert_eq!(s(&d, last.source), "The agency");
        assert_eq!(content(&d, last), "the sale was final");
    }

    #[test]
    fn speaker_after_a_quote_before_an_adverbial() {
        let (d, a) = run("“We need more buses,” said another city planner during the hearing.");
        assert_eq!(a.len(), 1);
        assert_eq!(s(&d, a[0].source), "another city planner");
        assert_eq!(a[0].kind, QuoteKind::Direct);
    }

    #[test]
    fn adverbials_between_subject_and_cue() {
        let (d, a) = run("Ms. Hale in a later interview said the plan had failed.");
        assert_eq!(s(&d, a[0].source), "Ms. Hale");
        let (d, a) = run("The governor openly insisted the budget was sound.");
        assert_eq!(s(&d, a[0].source), "The governor");
        let (d, a) = run("The senator vehemently rejected the deal.");
        assert_eq!(s(&d, a[0].source), "The senator");
        let (d, a) = run("Farmers — and some ranchers — say the rules are too strict.");
        assert_eq!(s(&d, a[0].source), "Farmers");
    }

    #[test]
    fn adjunct_after_the_cue_is_no_content() {
        // "after the vote" is when it was said; the content is the clause before.
        let (d, a) = run("The deal is dead, the union leader said after the vote.");
        assert_eq!(content(&d, &a[0]), "The deal is dead");
        // "that" past an adverbial phrase with commas of its own.
        let (d, a) =
            run("Ms. Hale said on the radio, where she is a regular guest, that taxes would rise.");
        assert_eq!(content(&d, &a[0]), "that taxes would rise");
    }

    #[test]
    fn headline_label_and_title_case_cue() {
        let (d, a) = run("Mayor Park: “We Will Rebuild the Bridge.”\n\nThe bridge fell on Monday.");
        assert_eq!(s(&d, a[0].source), "Mayor Park");
        assert_eq!(s(&d, a[0].cue), ":");
        let (d, a) =
            run("Governor Says State Will Cut Fuel Taxes\n\nThe governor spoke on Monday.");
        assert_eq!(s(&d, a[0].source), "Governor");
        assert_eq!(content(&d, &a[0]), "State Will Cut Fuel Taxes");
        // An unquoted label in running-text case is an explanation, not a statement.
        let (_, a) = run("The result: fewer buses ran on time this year.");
        assert!(a.is_empty());
    }

    #[test]
    fn asked_question_and_writer_hedge() {
        let (d, a) =
            run("Asked whether the plant would close, the manager said no decision had been made.");
        assert_eq!(a.len(), 2);
        assert_eq!(content(&d, &a[0]), "whether the plant would close");
        assert_eq!(a[0].source, None);
        assert_eq!(s(&d, a[1].source), "the manager");
        // A colon-quoted answer keeps the question as its lead-in only.
        let (_, a) = run("Asked whether the plant would close, the manager said: “Not this year.”");
        assert_eq!(a.len(), 1);
        let (d, a) = run("The council is expected to approve the budget on Friday.");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].source, None);
        assert_eq!(
            content(&d, &a[0]),
            "The council is expected to approve the budget on Friday"
        );
    }
}
