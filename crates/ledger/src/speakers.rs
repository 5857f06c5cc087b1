//! Entities resolved across articles ("agents").
//!
//! Each entity gets a normalised name key (`Lexicon::name_key`). A one-word key of a person
//! ("peskov") joins the unique multi-word person key ending in that word ("dmitry peskov");
//! when several match, the one whose roles share most words with this entity's roles wins; on
//! equal roles, one seen at least three times as often as the next wins; otherwise it stays apart. Attributions without a resolved speaker entity but with a named
//! source are keyed by the name inside the source phrase.

use std::collections::{BTreeSet, HashMap};

use crate::text::lexicon;

pub struct EntityInput {
    pub id: i64,
    pub name: String,
    pub kind: String,
    /// Role texts and affiliations, lowercase words.
    pub roles: Vec<String>,
    /// How many stored entities this input stands for (identical name, kind and roles).
    pub count: usize,
    /// The roles as stored (JSON), the group's key with name and kind.
    pub roles_json: String,
}

pub struct Agent {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub roles: Vec<String>,
}

pub struct Resolution {
    pub agents: Vec<Agent>,
    /// Entity id -> index into `agents`.
    pub entity_agent: HashMap<i64, usize>,
    /// Raw name key -> resolved key, for every key seen.
    pub key_map: HashMap<String, String>,
    /// Resolved key -> index into `agents`.
    index: HashMap<String, usize>,
}

impl Resolution {
    /// The agent index for a raw name key (surname-only keys resolved as for entities).
    pub fn agent_of_key(&self, raw: &str) -> Option<usize> {
        let k = self.key_map.get(raw).map(String::as_str).unwrap_or(raw);
        self.index.get(k).copied()
    }
}

/// The surname family of a name key: its last word. [`resolve`] decides a key from the keys of
/// its family alone (a one-word key joins a multi-word key ending in it, and an agent takes
/// its roles from the keys resolved to it), so resolving one family's keys alone gives what
/// resolving every name gives for them; incremental linking re-resolves only the families new
/// names touch.
pub fn family(key: &str) -> &str {
    key.rsplit(' ').next().unwrap_or("")
}

/// The speaker-index key of an entity's stored roles JSON: its roles' texts and affiliations in
/// order, without their offsets. Speaker resolution reads only those (through [`role_texts`],
/// which gives the same for the key as for the JSON), and keyed by the raw JSON every role
/// mention was its own group (the offsets differ from article to article): 95% of the groups
/// of a 90,000-article ledger, read again by every linking that touches the name.
pub(crate) fn roles_key(json: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if json == "[]" {
        return Cow::Borrowed(json);
    }
    let Ok(serde_json::Value::Array(roles)) = serde_json::from_str::<serde_json::Value>(json) else {
        // Not written by this program: kept whole, as before.
        return Cow::Borrowed(json);
    };
    let roles: Vec<serde_json::Value> = roles
        .into_iter()
        .map(|r| match r {
            serde_json::Value::Object(mut m) => {
                m.retain(|k, _| k == "text" || k == "affiliation");
                serde_json::Value::Object(m)
            }
            other => other,
        })
        .collect();
    Cow::Owned(serde_json::Value::Array(roles).to_string())
}

/// [`roles_key`] of an owned JSON text (no copy when it is its own key).
pub(crate) fn roles_key_of(json: String) -> String {
    match roles_key(&json) {
        std::borrow::Cow::Owned(k) => k,
        std::borrow::Cow::Borrowed(_) => json,
    }
}

/// Role texts and affiliations from the stored roles JSON (or its [`roles_key`]).
pub(crate) fn role_texts(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let mut out = vec![];
    for r in v.as_array().into_iter().flatten() {
        for k in ["text", "affiliation"] {
            if let Some(s) = r.get(k).and_then(|x| x.as_str()) {
                out.push(s.to_string());
            }
        }
    }
    out
}

fn role_words(roles: &[String]) -> BTreeSet<String> {
    let lex = lexicon();
    roles.iter().flat_map(|r| lex.content_stems(r)).collect()
}

/// Resolves entities (and extra raw names from attribution sources) to agents.
/// `extra_names` are (name, times seen).
pub fn resolve(entities: &[EntityInput], extra_names: &[(String, usize)]) -> Resolution {
    let lex = lexicon();
    // Raw key -> (kind votes, name votes, roles).
    struct Acc {
        kinds: HashMap<String, usize>,
        names: HashMap<String, usize>,
        roles: Vec<String>,
    }
    let mut accs: HashMap<String, Acc> = HashMap::new();
    let mut entity_key: Vec<(i64, String)> = Vec::with_capacity(entities.len());
    let new_acc = || Acc {
        kinds: HashMap::new(),
        names: HashMap::new(),
        roles: vec![],
    };
    for e in entities {
        let key = lex.name_key(&e.name);
        if key.is_empty() {
            continue;
        }
        let acc = accs.entry(key.clone()).or_insert_with(new_acc);
        *acc.kinds.entry(e.kind.clone()).or_default() += e.count.max(1);
        *acc.names.entry(e.name.clone()).or_default() += e.count.max(1);
        for r in &e.roles {
            if !acc.roles.contains(r) && acc.roles.len() < 20 {
                acc.roles.push(r.clone());
            }
        }
        entity_key.push((e.id, key));
    }
    for (n, count) in extra_names {
        let key = lex.name_key(n);
        if key.is_empty() {
            continue;
        }
        let acc = accs.entry(key).or_insert_with(new_acc);
        *acc.names.entry(n.clone()).or_default() += count;
    }
    let kind_of = |a: &Acc| {
        a.kinds
            .iter()
            .max_by_key(|(k, n)| (**n, std::cmp::Reverse((*k).clone())))
            .map(|(k, _)| k.clone())
    };
    let is_person = |a: &Acc| kind_of(a).is_none_or(|k| k == "PERSON");
    // Multi-word person keys by their last word.
    let mut by_surname: HashMap<String, Vec<String>> = HashMap::new();
    for (k, a) in &accs {
        if k.contains(' ') && is_person(a) {
            if let Some(last) = k.rsplit(' ').next() {
                by_surname
                    .entry(last.to_string())
                    .or_default()
                    .push(k.clone());
            }
        }
    }
    let mut key_map: HashMap<String, String> = HashMap::new();
    let mut keys: Vec<&String> = accs.keys().collect();
    keys.sort();
    for k in keys {
        let a = &accs[k];
        let mut target = k.clone();
        if !k.contains(' ') && is_person(a) {
            if let Some(cands) = by_surname.get(k) {
                if cands.len() == 1 {
                    target = cands[0].clone();
                } else {
                    // Roles first; among equal roles, a name seen far more often than the others.
                    let mine = role_words(&a.roles);
                    let freq = |c: &String| accs[c].kinds.values().sum::<usize>();
                    let mut scored: Vec<(usize, usize, &String)> = cands
                        .iter()
                        .map(|c| {
                            (
                                role_words(&accs[c].roles).intersection(&mine).count(),
                                freq(c),
                                c,
                            )
                        })
                        .collect();
                    scored.sort_by(|x, y| y.0.cmp(&x.0).then(y.1.cmp(&x.1)).then(x.2.cmp(y.2)));
                    let (best, runner) = (scored[0], scored.get(1));
                    if runner
                        .is_none_or(|r| r.0 < best.0 || (r.0 == best.0 && best.1 >= 3 * r.1.max(1)))
                    {
                        target = best.2.clone();
                    }
                }
            }
        }
        key_map.insert(k.clone(), target);
    }
    // Build agents from resolved keys.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut agents: Vec<Agent> = Vec::new();
    let mut resolved: Vec<&String> = key_map
        .values()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    resolved.sort();
    for k in resolved {
        let Some(a) = accs.get(k) else { continue };
        // Prefer the most frequent written form, then the longest.
        let name = a
            .names
            .iter()
            .max_by(|x, y| {
                x.1.cmp(y.1)
                    .then(x.0.len().cmp(&y.0.len()))
                    .then(y.0.cmp(x.0))
            })
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| k.clone());
        index.insert(k.clone(), agents.len());
        agents.push(Agent {
            key: k.clone(),
            name,
            kind: kind_of(a).unwrap_or_else(|| "PERSON".into()),
            roles: a.roles.clone(),
        });
    }
    // Roles of merged surname-only entities go to their agent too.
    for (raw, target) in &key_map {
        if raw != target {
            if let (Some(&ai), Some(a)) = (index.get(target), accs.get(raw)) {
                for r in &a.roles {
                    if !agents[ai].roles.contains(r) && agents[ai].roles.len() < 20 {
                        agents[ai].roles.push(r.clone());
                    }
                }
            }
        }
    }
    let entity_agent = entity_key
        .into_iter()
        .filter_map(|(id, k)| {
            key_map
                .get(&k)
                .and_then(|t| index.get(t))
                .map(|&ai| (id, ai))
        })
        .collect();
    Resolution {
        agents,
        entity_agent,
        key_map,
        index,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A roles key drops the offsets and keeps the roles' order, texts and affiliations; the role
    /// texts read from it are those read from the JSON.
    #[test]
    fn roles_key_keeps_texts_without_offsets() {
        let a = r#"[{"affiliation":"Russian","end":1002,"start":985,"text":"Russian President"},{"affiliation":null,"end":9,"start":1,"text":"spokesman"}]"#;
        let b = r#"[{"affiliation":"Russian","end":22,"start":5,"text":"Russian President"},{"affiliation":null,"end":40,"start":31,"text":"spokesman"}]"#;
        assert_eq!(roles_key(a), roles_key(b));
        assert_eq!(roles_key(a), r#"[{"affiliation":"Russian","text":"Russian President"},{"affiliation":null,"text":"spokesman"}]"#);
        assert_eq!(role_texts(&roles_key(a)), role_texts(a));
        assert_ne!(roles_key(a), roles_key(r#"[{"affiliation":null,"end":9,"start":1,"text":"spokesman"}]"#));
        assert_eq!(roles_key("[]"), "[]");
        // Not this program's JSON: its own key, never an error.
        assert_eq!(roles_key("not json"), "not json");
        assert_eq!(roles_key_of("[1, 2]".to_string()), "[1,2]");
    }

    fn ent(id: i64, name: &str, kind: &str, roles: &[&str]) -> EntityInput {
        EntityInput {
            id,
            name: name.into(),
            kind: kind.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            count: 1,
            roles_json: String::new(),
        }
    }

    #[test]
    fn surname_joins_unique_full_name() {
        let r = resolve(
            &[
                ent(1, "Anna Kowalska", "PERSON", &["finance minister"]),
                ent(2, "Kowalska", "PERSON", &[]),
                ent(3, "The Senate", "ORG", &[]),
                ent(4, "Senate", "ORG", &[]),
            ],
            &[],
        );
        assert_eq!(r.entity_agent[&1], r.entity_agent[&2]);
        assert_eq!(r.entity_agent[&3], r.entity_agent[&4]);
        assert_eq!(r.agents[r.entity_agent[&2]].name, "Anna Kowalska");
    }

    #[test]
    fn roles_break_surname_ties() {
        let r = resolve(
            &[
                ent(1, "Anna Kowalska", "PERSON", &["finance minister"]),
                ent(2, "Piotr Kowalska", "PERSON", &["football coach"]),
                ent(3, "Kowalska", "PERSON", &["the minister"]),
                ent(4, "Kowalska", "PERSON", &[]),
            ],
            &[],
        );
        assert_eq!(r.entity_agent[&3], r.entity_agent[&1]);
        // Both surname-only entities share one raw key; the roles seen on it pick the minister.
        assert_ne!(r.entity_agent[&3], r.entity_agent[&2]);
    }

    /// Resolving the families of some keys alone gives those keys what resolving everything
    /// gives them (agents, their names, kinds and roles, and the key map).
    #[test]
    fn a_family_resolves_alone_as_among_all() {
        let ents = vec![
            ent(1, "Anna Kowalska", "PERSON", &["finance minister"]),
            ent(2, "Kowalska", "PERSON", &["the minister"]),
            ent(3, "Piotr Kowalska", "PERSON", &["football coach"]),
            ent(4, "Dr. Jan Nowak", "PERSON", &[]),
            ent(5, "Nowak", "PERSON", &["surgeon"]),
            ent(6, "The Senate", "ORG", &[]),
            ent(7, "Mensah", "PERSON", &[]),
        ];
        let extra = vec![("Jan Nowak".to_string(), 2), ("Ada Mensah".to_string(), 1)];
        let all = resolve(&ents, &extra);
        let lex = lexicon();
        for fam in ["kowalska", "nowak", "senate", "mensah"] {
            let in_fam = |n: &str| family(&lex.name_key(n)) == fam;
            let part_ents: Vec<EntityInput> = ents
                .iter()
                .filter(|e| in_fam(&e.name))
                .map(|e| EntityInput { roles: e.roles.clone(), name: e.name.clone(), kind: e.kind.clone(), roles_json: String::new(), ..*e })
                .collect();
            let part_extra: Vec<(String, usize)> = extra.iter().filter(|(n, _)| in_fam(n)).cloned().collect();
            let part = resolve(&part_ents, &part_extra);
            assert!(!part.agents.is_empty(), "{fam}");
            for (raw, target) in &part.key_map {
                assert_eq!(all.key_map[raw], *target, "{fam}: {raw}");
                let (a, b) = (&part.agents[part.agent_of_key(raw).unwrap()], &all.agents[all.agent_of_key(raw).unwrap()]);
                assert_eq!((&a.key, &a.name, &a.kind, &a.roles), (&b.key, &b.name, &b.kind, &b.roles), "{fam}: {raw}");
            }
            for e in &part_ents {
                assert_eq!(part.agents[part.entity_agent[&e.id]].key, all.agents[all.entity_agent[&e.id]].key);
            }
        }
        assert_eq!(family("anna kowalska"), "kowalska");
        assert_eq!(family("kowalska"), "kowalska");
    }

    #[test]
    fn dominant_full_name_wins_a_role_tie() {
        let mut ents = vec![
            ent(1, "Obi Mensah", "PERSON", &["president"]),
            ent(2, "Ada Mensah", "PERSON", &["president"]),
        ];
        for i in 3..9 {
            ents.push(ent(i, "Obi Mensah", "PERSON", &[]));
        }
        ents.push(ent(20, "Mensah", "PERSON", &["the president"]));
        let r = resolve(&ents, &[]);
        assert_eq!(r.entity_agent[&20], r.entity_agent[&1]);
    }
}
