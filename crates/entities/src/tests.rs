//! Unit tests of the rules, with typed name mentions built by hand (no model needed).

use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document, Entity, EntityType, MentionKind, Span};

use crate::recognize::NameMention;
use crate::{build_entities, entity_at, EntityLayer};

use EntityType::*;

/// A document with the text layer, and mentions of the given (text, type) pairs: every
/// occurrence of each text as a whole word sequence.
fn run(text: &str, names: &[(&str, EntityType)]) -> (Document, Vec<Entity>) {
    let mut doc = Document::new("t", text);
    TextLayer::new().process(&mut doc).unwrap();
    let mut ms = Vec::new();
    for &(n, k) in names {
        for (at, _) in text.match_indices(n) {
            let before = text[..at].chars().next_back();
            let after = text[at + n.len()..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(|c| c.is_alphanumeric() && c != 's') {
                continue;
            }
            ms.push(NameMention { span: Span::new(at, at + n.len()), kind: k, score: 0.9 });
        }
    }
    let ents = build_entities(&doc, &ms);
    (doc, ents)
}

fn find<'a>(doc: &Document, ents: &'a [Entity], name: &str) -> &'a Entity {
    ents.iter()
        .find(|e| doc.slice(e.name) == name)
        .unwrap_or_else(|| panic!("no entity {name:?} in {:?}", names(doc, ents)))
}

fn names(doc: &Document, ents: &[Entity]) -> Vec<String> {
    ents.iter().map(|e| doc.slice(e.name).to_string()).collect()
}

fn mentions(doc: &Document, e: &Entity, kind: MentionKind) -> Vec<String> {
    e.mentions.iter().filter(|m| m.kind == kind).map(|m| doc.slice(m.span).to_string()).collect()
}

fn roles(doc: &Document, e: &Entity) -> Vec<(String, Option<String>)> {
    e.roles.iter().map(|r| (doc.slice(r.span).to_string(), r.affiliation.map(|a| doc.slice(a).to_string()))).collect()
}

#[test]
fn premodifier_role_with_organisation() {
    let (doc, ents) = run(
        "“No,” Kremlin spokesman Dmitry Peskov told reporters.",
        &[("Kremlin", Org), ("Dmitry Peskov", Person)],
    );
    let p = find(&doc, &ents, "Dmitry Peskov");
    assert_eq!(p.kind, Person);
    assert_eq!(roles(&doc, p), vec![("Kremlin spokesman".into(), Some("Kremlin".into()))]);
    assert_eq!(find(&doc, &ents, "Kremlin").kind, Org);
}

#[test]
fn title_inside_a_mention_is_cut_off_and_kept() {
    // A tagger (or the stub) may hand over the title with the name.
    let (doc, ents) = run("He met Russian President Vladimir Putin on Friday.", &[("Russian President Vladimir Putin", Misc)]);
    let p = find(&doc, &ents, "Vladimir Putin");
    assert_eq!(p.kind, Person, "a title makes a person");
    assert_eq!(roles(&doc, p), vec![("Russian President".into(), Some("Russian".into()))]);
    // Typed input: the nationality is its own mention.
    let (doc, ents) =
        run("He met Russian President Vladimir Putin.", &[("Russian", Norp), ("Vladimir Putin", Person)]);
    let p = find(&doc, &ents, "Vladimir Putin");
    assert_eq!(roles(&doc, p), vec![("Russian President".into(), Some("Russian".into()))]);
}

#[test]
fn ambiguous_title_needs_a_full_name() {
    let (doc, ents) = run("Shares of General Motors fell.", &[("General Motors", Misc)]);
    assert_eq!(names(&doc, &ents), vec!["General Motors"]);
    let (doc, ents) = run("Troops under General Mark Milley moved.", &[("General Mark Milley", Misc)]);
    let p = find(&doc, &ents, "Mark Milley");
    assert_eq!(roles(&doc, p)[0].0, "General");
}

#[test]
fn sentence_initial_title_and_honorific() {
    let (doc, ents) = run("President-elect Donald Trump spoke. Mr. Biden did not.", &[("Donald Trump", Person), ("Biden", Misc)]);
    let t = find(&doc, &ents, "Donald Trump");
    assert_eq!(roles(&doc, t), vec![("President-elect".into(), None)]);
    let b = find(&doc, &ents, "Biden");
    assert_eq!(b.kind, Person, "an honorific makes a person");
    assert!(b.roles.is_empty(), "honorifics are not roles");
}

#[test]
fn appositive_roles() {
    let (doc, ents) = run(
        "“Yes,” Steven Cheung, Trump communications director, said in a statement.",
        &[("Steven Cheung", Person), ("Trump", Person)],
    );
    let c = find(&doc, &ents, "Steven Cheung");
    assert_eq!(roles(&doc, c), vec![("Trump communications director".into(), Some("Trump".into()))]);

    let (doc, ents) = run(
        "Admiral Rob Bauer, the chairman of NATO’s Military Committee, said at the summit that it was so.",
        &[("Rob Bauer", Person), ("NATO’s Military Committee", Org)],
    );
    let b = find(&doc, &ents, "Rob Bauer");
    assert_eq!(
        roles(&doc, b),
        vec![
            ("Admiral".into(), None),
            ("chairman of NATO’s Military Committee".into(), Some("NATO’s Military Committee".into()))
        ]
    );
    // The possessor inside the organisation's name is a mention of its own.
    let nato = find(&doc, &ents, "NATO");
    assert_eq!(mentions(&doc, nato, MentionKind::Name), vec!["NATO"]);

    let (doc, ents) =
        run("Jane Roe, a spokeswoman for the State Department, declined to comment.", &[("Jane Roe", Person), ("State Department", Org)]);
    let r = find(&doc, &ents, "Jane Roe");
    assert_eq!(roles(&doc, r), vec![("spokeswoman for the State Department".into(), Some("State Department".into()))]);

    let (doc, ents) = run("It was Ann Lee, who is the mayor of Springfield.", &[("Ann Lee", Person), ("Springfield", Gpe)]);
    let r = find(&doc, &ents, "Ann Lee");
    assert_eq!(roles(&doc, r), vec![("mayor of Springfield".into(), Some("Springfield".into()))]);
}

#[test]
fn no_appositive_without_role_head_or_end() {
    let (doc, ents) = run("Trump, Biden and Harris spoke.", &[("Trump", Person), ("Biden", Person), ("Harris", Person)]);
    assert!(ents.iter().all(|e| e.roles.is_empty()), "{:?}", names(&doc, &ents));
    let (doc, ents) = run("Trump, who said the director was wrong, left.", &[("Trump", Person)]);
    assert!(find(&doc, &ents, "Trump").roles.is_empty());
}

#[test]
fn surname_joins_full_name_both_ways() {
    let (doc, ents) = run(
        "Donald Trump won. Trump spoke. Later Biden spoke. Then Joe Biden left.",
        &[("Donald Trump", Person), ("Trump", Person), ("Biden", Person), ("Joe Biden", Person)],
    );
    assert_eq!(names(&doc, &ents), vec!["Donald Trump", "Joe Biden"]);
    assert_eq!(mentions(&doc, &ents[0], MentionKind::Name), vec!["Donald Trump", "Trump"]);
    assert_eq!(mentions(&doc, &ents[1], MentionKind::Name), vec!["Biden", "Joe Biden"]);
}

#[test]
fn different_people_with_one_surname_stay_apart() {
    let (doc, ents) = run(
        "Bill Clinton spoke. Hillary Clinton replied. Clinton left.",
        &[("Bill Clinton", Person), ("Hillary Clinton", Person), ("Clinton", Person)],
    );
    assert_eq!(names(&doc, &ents), vec!["Bill Clinton", "Hillary Clinton"]);
    assert_eq!(mentions(&doc, &ents[1], MentionKind::Name).len(), 2, "the surname goes to the latest");
}

#[test]
fn types_keep_names_apart() {
    let (doc, ents) = run("Jordan scored. Jordan closed its border.", &[]);
    assert!(ents.is_empty() && doc.tokens.len() > 3);
    let mut doc = Document::new("t", "Jordan scored. Jordan closed its border.");
    TextLayer::new().process(&mut doc).unwrap();
    let ms = vec![
        NameMention { span: Span::new(0, 6), kind: Person, score: 1.0 },
        NameMention { span: Span::new(15, 21), kind: Gpe, score: 1.0 },
    ];
    assert_eq!(build_entities(&doc, &ms).len(), 2);
}

#[test]
fn article_and_possessive() {
    let (doc, ents) = run(
        "The Kremlin denied it. Kremlin aides agreed. Trump’s team declined, The Washington Post said.",
        &[("The Kremlin", Org), ("Kremlin", Org), ("Trump", Person), ("The Washington Post", Org)],
    );
    let k = find(&doc, &ents, "Kremlin");
    assert_eq!(mentions(&doc, k, MentionKind::Name), vec!["The Kremlin", "Kremlin"]);
    find(&doc, &ents, "The Washington Post");
    let t = find(&doc, &ents, "Trump");
    assert_eq!(mentions(&doc, t, MentionKind::Name), vec!["Trump"]);
}

#[test]
fn acronym_joins_its_long_form() {
    let (doc, ents) = run(
        "The North Atlantic Treaty Organization met. NATO said no.",
        &[("North Atlantic Treaty Organization", Org), ("NATO", Org)],
    );
    assert_eq!(ents.len(), 1, "{:?}", names(&doc, &ents));
    let (doc, ents) = run("The U.S. said so. The United States agreed.", &[("U.S.", Gpe), ("United States", Gpe)]);
    assert_eq!(ents.len(), 1, "{:?}", names(&doc, &ents));
}

#[test]
fn descriptions_match_earlier_roles() {
    let (doc, ents) = run(
        "President-elect Donald Trump advised Russian President Vladimir Putin and Ukrainian President \
         Volodymyr Zelensky. Later the president-elect called again. He asked the Russian president to wait.",
        &[
            ("Donald Trump", Person),
            ("Russian", Norp),
            ("Vladimir Putin", Person),
            ("Ukrainian", Norp),
            ("Volodymyr Zelensky", Person),
        ],
    );
    let t = find(&doc, &ents, "Donald Trump");
    assert_eq!(mentions(&doc, t, MentionKind::Nominal), vec!["the president-elect"]);
    let p = find(&doc, &ents, "Vladimir Putin");
    assert_eq!(mentions(&doc, p, MentionKind::Nominal), vec!["the Russian president"]);
    assert!(find(&doc, &ents, "Volodymyr Zelensky").mentions.iter().all(|m| m.kind == MentionKind::Name));
}

#[test]
fn description_without_a_matching_role_is_left_out() {
    let (_, ents) = run("Vladimir Putin spoke. The governor said no.", &[("Vladimir Putin", Person)]);
    assert!(ents[0].mentions.iter().all(|m| m.kind == MentionKind::Name));
}

#[test]
fn organisation_description() {
    let (doc, ents) = run("Acme Widgets Inc. posted a loss. The company said demand fell.", &[("Acme Widgets Inc.", Org)]);
    let a = find(&doc, &ents, "Acme Widgets Inc.");
    assert_eq!(mentions(&doc, a, MentionKind::Nominal), vec!["The company"]);
    let (_, ents) = run("Acme Widgets posted a loss. The company said demand fell.", &[("Acme Widgets", Org)]);
    assert!(ents[0].mentions.iter().all(|m| m.kind == MentionKind::Name), "no company word, no link");
}

#[test]
fn pronouns_follow_the_subject() {
    let (doc, ents) = run(
        "Trump spoke with Putin on Thursday. He allegedly asked the leader to wait and reminded him of the war.",
        &[("Trump", Person), ("Putin", Person)],
    );
    let t = find(&doc, &ents, "Trump");
    let p = find(&doc, &ents, "Putin");
    assert_eq!(mentions(&doc, t, MentionKind::Pronoun), vec!["He"]);
    assert_eq!(mentions(&doc, p, MentionKind::Pronoun), vec!["him"], "not the subject of its own clause");
}

#[test]
fn pronoun_chain_over_sentences() {
    let (doc, ents) = run(
        "On the campaign trail, Trump touted his ties with Putin. He also claimed that he would win.",
        &[("Trump", Person), ("Putin", Person)],
    );
    let t = find(&doc, &ents, "Trump");
    assert_eq!(mentions(&doc, t, MentionKind::Pronoun), vec!["his", "He", "he"]);
}

#[test]
fn pronoun_gender_and_distance() {
    let (doc, ents) = run("Mary Smith met John Brown. She left.", &[("Mary Smith", Person), ("John Brown", Person)]);
    assert_eq!(mentions(&doc, find(&doc, &ents, "Mary Smith"), MentionKind::Pronoun), vec!["She"]);
    let (doc, ents) = run("Mary Smith met John Brown. He left.", &[("Mary Smith", Person), ("John Brown", Person)]);
    assert_eq!(mentions(&doc, find(&doc, &ents, "John Brown"), MentionKind::Pronoun), vec!["He"]);
    // Too far back: no link.
    let (_, ents) = run("Ann Lee won. It rained. It snowed. It hailed. She left.", &[("Ann Lee", Person)]);
    assert!(ents[0].mentions.iter().all(|m| m.kind == MentionKind::Name));
    // Two equally likely antecedents: no link.
    let (_, ents) = run("Lee and Kim met. He left.", &[("Lee", Person), ("Kim", Person)]);
    assert!(ents.iter().all(|e| e.mentions.iter().all(|m| m.kind == MentionKind::Name)));
}

#[test]
fn it_only_for_a_lone_organisation() {
    let (doc, ents) = run(
        "The U.S. and its allies sent aid to Ukraine. It is unclear. France sent aid to Ukraine to help it.",
        &[("U.S.", Gpe), ("Ukraine", Gpe), ("France", Gpe)],
    );
    let us = find(&doc, &ents, "U.S.");
    assert_eq!(mentions(&doc, us, MentionKind::Pronoun), vec!["its"]);
    assert!(find(&doc, &ents, "Ukraine").mentions.iter().all(|m| m.kind == MentionKind::Name));
}

#[test]
fn entity_at_prefers_best_covering_mention() {
    let (mut doc, ents) = run(
        "“No,” Kremlin spokesman Dmitry Peskov told reporters. The Kremlin said. Peskov said.",
        &[("Kremlin", Org), ("Dmitry Peskov", Person), ("Peskov", Person)],
    );
    doc.entities = ents;
    let at = |s: &str| {
        let i = doc.text.find(s).unwrap();
        entity_at(&doc, Span::new(i, i + s.len())).map(|e| doc.slice(doc.entities[e].name).to_string())
    };
    assert_eq!(at("Kremlin spokesman Dmitry Peskov").as_deref(), Some("Dmitry Peskov"));
    assert_eq!(at("The Kremlin").as_deref(), Some("Kremlin"));
    assert_eq!(at("Peskov said").as_deref(), Some("Dmitry Peskov"));
    assert_eq!(at("reporters"), None);
    let p = doc.text.find("Peskov said").unwrap();
    assert!(entity_at(&doc, Span::new(p + 1, p + 1)).is_some());
}

#[test]
fn layer_runs_with_the_stub_and_never_panics() {
    let layer = EntityLayer::new();
    assert_eq!(layer.name(), "entities");
    for text in [
        "",
        "   ",
        "’s",
        "The",
        "A, , , the the the he he him.",
        "Mr. . President-elect ’s Dr. X’s, the chairman of, said “he” — she —",
        "Президент Путин сказал. Он ушёл. 東京 他 said he.",
        "President Trump won. He said it. The president-elect left. Mr. Smith, the chairman of Acme Inc., said.",
    ] {
        let mut doc = Document::new("t", text);
        TextLayer::new().process(&mut doc).unwrap();
        layer.process(&mut doc).unwrap();
        for s in doc.all_spans() {
            assert!(s.is_valid_in(&doc.text) && s.end <= doc.text.len(), "{text:?} {s:?}");
        }
    }
}

#[test]
fn junk_mentions_are_ignored() {
    let mut doc = Document::new("t", "Añña Bé spoke. He left.");
    TextLayer::new().process(&mut doc).unwrap();
    let ms = vec![
        NameMention { span: Span::new(1, 3), kind: Person, score: 1.0 }, // inside a char
        NameMention { span: Span::new(5, 1000), kind: Person, score: 1.0 },
        NameMention { span: Span::new(7, 7), kind: Person, score: 1.0 },
        NameMention { span: Span::new(0, 10), kind: Person, score: 1.0 },
        NameMention { span: Span::new(0, 10), kind: Person, score: 1.0 },
    ];
    let ents = build_entities(&doc, &ms);
    assert_eq!(ents.len(), 1);
    assert_eq!(doc.slice(ents[0].name), "Añña Bé");
}

#[test]
fn long_articles_are_fast_enough() {
    let para = "President Joe Biden met Chancellor Olaf Scholz. He said the chancellor agreed. Biden’s aides, \
                the White House said, were pleased. It was a long day for Scholz and his team.\n";
    let text = para.repeat(2000);
    let mut doc = Document::new("t", text);
    TextLayer::new().process(&mut doc).unwrap();
    let t = std::time::Instant::now();
    EntityLayer::new().process(&mut doc).unwrap();
    assert!(t.elapsed().as_secs_f32() < 5.0, "{:?}", t.elapsed());
    assert!(!doc.entities.is_empty());
}

#[test]
fn ordinals_pick_the_holder_of_a_bare_title() {
    let (doc, ents) = run(
        "“President Smith won, and Ukrainian President Ivan Petrenko knows it. The 45th and 47th President will lead,” \
         she said.",
        &[("Smith", Person), ("Ukrainian", Norp), ("Ivan Petrenko", Person)],
    );
    let s = find(&doc, &ents, "Smith");
    assert_eq!(mentions(&doc, s, MentionKind::Nominal), vec!["The 45th and 47th President"]);
}

#[test]
fn it_is_not_a_place() {
    let (_, ents) = run("If Russia wins, what does it mean?", &[("Russia", Gpe)]);
    assert!(ents[0].mentions.iter().all(|m| m.kind == MentionKind::Name));
    let (doc, ents) = run("Acme Inc. said it would appeal.", &[("Acme Inc.", Org)]);
    assert_eq!(mentions(&doc, &ents[0], MentionKind::Pronoun), vec!["it"]);
}

#[test]
fn same_long_name_typed_two_ways_is_one_entity() {
    let mut doc = Document::new("t", "Ground Zero was quiet. Later Ground Zero filled.");
    TextLayer::new().process(&mut doc).unwrap();
    let ms = vec![
        NameMention { span: Span::new(0, 11), kind: Gpe, score: 1.0 },
        NameMention { span: Span::new(29, 40), kind: Person, score: 1.0 },
    ];
    let ents = build_entities(&doc, &ms);
    assert_eq!(ents.len(), 1);
    assert_eq!(ents[0].mentions.len(), 2);
}

#[test]
fn honorific_with_detached_dot_is_cut() {
    let (doc, ents) = run(
        "Hillary Clinton’s donors gave. Mrs. Clinton’s team thanked them.",
        &[("Hillary Clinton", Person), ("Mrs. Clinton", Person)],
    );
    assert_eq!(names(&doc, &ents), vec!["Hillary Clinton"]);
    assert_eq!(mentions(&doc, &ents[0], MentionKind::Name), vec!["Hillary Clinton", "Clinton"]);
}

#[test]
fn one_word_org_and_place_join_but_person_and_place_do_not() {
    let mut doc = Document::new("t", "Kremlin aides met. The Kremlin denied it. Jordan won. Jordan closed.");
    TextLayer::new().process(&mut doc).unwrap();
    let at = |s: &str, nth: usize| doc.text.match_indices(s).nth(nth).map(|(i, _)| Span::new(i, i + s.len())).unwrap();
    let ms = vec![
        NameMention { span: at("Kremlin", 0), kind: Org, score: 1.0 },
        NameMention { span: at("Kremlin", 1), kind: Gpe, score: 1.0 },
        NameMention { span: at("Jordan", 0), kind: Person, score: 1.0 },
        NameMention { span: at("Jordan", 1), kind: Gpe, score: 1.0 },
    ];
    let ents = build_entities(&doc, &ms);
    assert_eq!(ents.len(), 3, "{:?}", names(&doc, &ents));
    assert_eq!(mentions(&doc, &ents[0], MentionKind::Name).len(), 2);
}
