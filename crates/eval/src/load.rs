//! Reading JSON Lines the way the Python scorers' `load` does.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::{py, EvalError};

/// Documents keyed by `str(doc["id"])`, in the order of each id's first line; a repeated id
/// keeps its first position and its last content, like a Python dict.
#[derive(Debug, Clone, Default)]
pub struct Docs {
    order: Vec<String>,
    docs: HashMap<String, Map<String, Value>>,
}

impl Docs {
    /// Build from JSON objects (as if they were the lines of a file).
    pub fn from_objects(objects: impl IntoIterator<Item = Map<String, Value>>) -> Self {
        let mut d = Docs::default();
        for o in objects {
            d.insert(o);
        }
        d
    }

    fn insert(&mut self, doc: Map<String, Value>) {
        let id = py::str_of(doc.get("id").unwrap_or(&Value::Null));
        if !self.docs.contains_key(&id) {
            self.order.push(id.clone());
        }
        self.docs.insert(id, doc);
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
    pub fn get(&self, id: &str) -> Option<&Map<String, Value>> {
        self.docs.get(id)
    }
    pub fn contains(&self, id: &str) -> bool {
        self.docs.contains_key(id)
    }
    /// Documents in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Map<String, Value>)> {
        self.order.iter().filter_map(|id| self.docs.get(id).map(|d| (id.as_str(), d)))
    }
    /// Ids of `self` that `other` lacks, in order.
    pub fn missing_in(&self, other: &Docs) -> usize {
        self.order.iter().filter(|id| !other.contains(id)).count()
    }
}

/// Read a JSONL file: one object per non-blank line (`\n`, `\r\n` and `\r` end lines, as in
/// Python's text mode).
pub fn load(path: &Path) -> Result<Docs, EvalError> {
    let bytes = std::fs::read(path).map_err(|source| EvalError::Io { path: path.to_path_buf(), source })?;
    let text = String::from_utf8(bytes).map_err(|source| EvalError::Utf8 { path: path.to_path_buf(), source })?;
    let text = text.replace("\r\n", "\n");
    let mut docs = Docs::default();
    for (n, line) in text.split(['\n', '\r']).enumerate() {
        let line = py::strip(line);
        if line.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| EvalError::Json {
            path: path.to_path_buf(),
            line: n + 1,
            message: e.to_string(),
        })?;
        match v {
            Value::Object(o) => docs.insert(o),
            _ => return Err(EvalError::NotObject { path: path.to_path_buf(), line: n + 1 }),
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_position_last_value_and_line_numbers() {
        let dir = std::env::temp_dir().join(format!("onrecord-eval-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.jsonl");
        std::fs::write(&p, "{\"id\": 1, \"x\": 1}\r\n\n{\"id\": \"b\"}\r{\"id\": \"1\", \"x\": 2}\n").unwrap();
        let d = load(&p).unwrap();
        let ids: Vec<&str> = d.iter().map(|(i, _)| i).collect();
        assert_eq!(ids, ["1", "b"]);
        assert_eq!(d.get("1").unwrap()["x"], 2);
        std::fs::write(&p, "{\"id\": 1}\n\n{oops\n").unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("a.jsonl:3: not JSON: "), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
