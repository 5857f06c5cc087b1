//! Grouping an article's names into entities: the same name, a surname after (or before) the
//! full name, an acronym of a longer name.

use rustc_hash::FxHashMap as HashMap;

use onrecord_core::EntityType;

use crate::names::NameRef;

fn compatible(a: EntityType, b: EntityType) -> bool {
    a == b || a == EntityType::Misc || b == EntityType::Misc
}

fn person_like(k: EntityType) -> bool {
    matches!(k, EntityType::Person | EntityType::Misc)
}

/// Letters of an acronym ("U.S." -> "us", "NATO" -> "nato"), when the word is one.
fn acronym(name: &NameRef, raw: &str) -> Option<String> {
    if name.words.len() != 1 {
        return None;
    }
    let letters: String = raw.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.chars().all(char::is_uppercase);
    (upper && (2..=6).contains(&letters.chars().count())).then(|| letters.to_lowercase())
}

/// Initials of a multi-word name's capitalised words ("United States" -> "us").
fn initials(words: &[String]) -> Option<String> {
    const SKIP: [&str; 5] = ["of", "the", "and", "for", "&"];
    let ws: Vec<&String> = words.iter().filter(|w| !SKIP.contains(&w.as_str())).collect();
    if ws.len() < 2 {
        return None;
    }
    Some(ws.iter().filter_map(|w| w.chars().next()).collect())
}

/// Union-find over clusters so that a late full name can merge earlier surname clusters.
struct Sets {
    parent: Vec<usize>,
    kind: Vec<EntityType>,
    /// The set already has a multi-word person name (so a new full name may not take it over).
    full: Vec<bool>,
}

impl Sets {
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    fn add(&mut self, kind: EntityType) -> usize {
        self.parent.push(self.parent.len());
        self.kind.push(kind);
        self.full.push(false);
        self.parent.len() - 1
    }
    fn join(&mut self, into: usize, k: EntityType) -> usize {
        let r = self.find(into);
        if self.kind[r] == EntityType::Misc {
            self.kind[r] = k;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) -> usize {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[rb] = ra;
            self.full[ra] |= self.full[rb];
            if self.kind[ra] == EntityType::Misc {
                self.kind[ra] = self.kind[rb];
            }
        }
        ra
    }
}

/// Groups names (in text order) into clusters; returns each name's cluster id, numbered
/// 0.. in order of first mention.
pub(crate) fn cluster(names: &[NameRef], text: &str) -> Vec<usize> {
    let mut sets = Sets { parent: Vec::new(), kind: Vec::new(), full: Vec::new() };
    let mut of_name = Vec::with_capacity(names.len());
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::default();
    // Last word of multi-word person names, and one-word person names.
    let mut by_last: HashMap<String, Vec<usize>> = HashMap::default();
    let mut singles: HashMap<String, Vec<usize>> = HashMap::default();
    let mut by_initials: HashMap<String, Vec<usize>> = HashMap::default();
    for n in names {
        let key = n.key();
        let raw = n.span.text(text);
        let pick = |sets: &mut Sets, v: Option<&Vec<usize>>| -> Option<usize> {
            let roots: Vec<usize> = v?.iter().rev().map(|&c| sets.find(c)).collect();
            roots.into_iter().find(|&r| compatible(sets.kind[r], n.kind))
        };
        let mut c = pick(&mut sets, by_key.get(&key));
        if c.is_none() {
            // The same name typed two ways is the tagger wavering, not two entities: any two
            // types for a multi-word name, organisation/place for one word ("the Kremlin"),
            // but a one-word person and place stay apart ("Jordan").
            let place_or_org = |k: EntityType| matches!(k, EntityType::Org | EntityType::Gpe | EntityType::Loc);
            let roots: Vec<usize> = by_key.get(&key).map(|v| v.iter().rev().map(|&x| sets.find(x)).collect()).unwrap_or_default();
            c = roots.into_iter().find(|&r| n.words.len() >= 2 || (place_or_org(n.kind) && place_or_org(sets.kind[r])));
        }
        if c.is_none() && person_like(n.kind) {
            if n.words.len() == 1 {
                c = pick(&mut sets, by_last.get(&key));
            } else if let Some(last) = n.words.last() {
                // A full name after surname-only mentions joins (and merges) them.
                let roots: Vec<usize> =
                    singles.get(last).map(|v| v.iter().map(|&x| sets.find(x)).collect()).unwrap_or_default();
                let earlier: Vec<usize> =
                    roots.into_iter().filter(|&r| person_like(sets.kind[r]) && !sets.full[r]).collect();
                let mut it = earlier.into_iter();
                if let Some(first) = it.next() {
                    let mut r = first;
                    for o in it {
                        r = sets.union(r, o);
                    }
                    c = Some(r);
                }
            }
        }
        if c.is_none() && !matches!(n.kind, EntityType::Person) {
            if let Some(a) = acronym(n, raw) {
                c = pick(&mut sets, by_initials.get(&a));
            } else if let Some(ini) = initials(&n.words) {
                c = pick(&mut sets, by_key.get(&ini))
                    .filter(|&r| sets.kind[r] != EntityType::Person && acronym_entity(names, &of_name, r, &mut sets, text));
            }
        }
        let id = match c {
            Some(r) => sets.join(r, n.kind),
            None => sets.add(n.kind),
        };
        of_name.push(id);
        by_key.entry(key.clone()).or_default().push(id);
        if person_like(n.kind) {
            if n.words.len() == 1 {
                singles.entry(key.clone()).or_default().push(id);
            } else if let Some(last) = n.words.last() {
                by_last.entry(last.clone()).or_default().push(id);
                let r = sets.find(id);
                sets.full[r] = true;
            }
        }
        if !matches!(n.kind, EntityType::Person) {
            if let Some(ini) = initials(&n.words) {
                by_initials.entry(ini).or_default().push(id);
            }
        }
    }
    // Renumber roots in order of first mention.
    let mut ids: HashMap<usize, usize> = HashMap::default();
    of_name
        .iter()
        .map(|&c| {
            let r = sets.find(c);
            let next = ids.len();
            *ids.entry(r).or_insert(next)
        })
        .collect()
}

/// True when the cluster `r` holds a name written as an acronym (so "United States" may join
/// an earlier "U.S." but not an earlier lower-case word).
fn acronym_entity(names: &[NameRef], of_name: &[usize], r: usize, sets: &mut Sets, text: &str) -> bool {
    of_name
        .iter()
        .enumerate()
        .any(|(i, &c)| sets.find(c) == r && names.get(i).is_some_and(|n| acronym(n, n.span.text(text)).is_some()))
}
