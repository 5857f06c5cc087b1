//! Components and the pipeline that runs them in order.
//!
//! A component reads the layers earlier components added and adds its own. The order is fixed
//! when the pipeline is built; each component names what it needs in its docs.

use crate::{Document, Error};

/// One step of per-article analysis.
pub trait Component: Send + Sync {
    /// A short stable name, used in errors and timings.
    fn name(&self) -> &'static str;

    /// Adds this component's layer to `doc`. Must not panic on any text.
    fn process(&self, doc: &mut Document) -> Result<(), Error>;
}

/// Components run in order over each document.
#[derive(Default)]
pub struct Pipeline {
    components: Vec<Box<dyn Component>>,
}

impl Pipeline {
    pub fn new() -> Self {
        Pipeline::default()
    }

    /// Appends a component (builder style).
    pub fn with(mut self, c: impl Component + 'static) -> Self {
        self.components.push(Box::new(c));
        self
    }

    pub fn push(&mut self, c: Box<dyn Component>) {
        self.components.push(c);
    }

    /// Puts `c` in place of the component named `name` (e.g. a learned tier for the rules' one);
    /// false, and nothing changed, when there is none.
    pub fn replace(&mut self, name: &str, c: Box<dyn Component>) -> bool {
        match self.components.iter_mut().find(|x| x.name() == name) {
            Some(slot) => {
                *slot = c;
                true
            }
            None => false,
        }
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.components.iter().map(|c| c.name()).collect()
    }

    /// Runs every component. A failing component stops this document only, and the error names
    /// the component.
    pub fn run(&self, doc: &mut Document) -> Result<(), Error> {
        for c in &self.components {
            c.process(doc).map_err(|e| match e {
                Error::Component { .. } => e,
                other => Error::Component { component: c.name(), message: other.to_string() },
            })?;
        }
        Ok(())
    }
}

impl Pipeline {
    /// Like [`Pipeline::run`], adding each component's wall time to `spent` (one slot per
    /// component, in order): the per-layer profile of `onrecord bench`.
    pub fn run_timed(&self, doc: &mut Document, spent: &mut [std::time::Duration]) -> Result<(), Error> {
        for (i, c) in self.components.iter().enumerate() {
            let t = std::time::Instant::now();
            c.process(doc).map_err(|e| Error::Component { component: c.name(), message: e.to_string() })?;
            if let Some(slot) = spent.get_mut(i) {
                *slot += t.elapsed();
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline").field("components", &self.names()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Mark(&'static str, &'static str);

    impl Component for Mark {
        fn name(&self) -> &'static str {
            self.0
        }
        fn process(&self, doc: &mut Document) -> Result<(), Error> {
            doc.id.push_str(self.1);
            Ok(())
        }
    }

    #[test]
    fn replace_keeps_the_place() {
        let mut p = Pipeline::new().with(Mark("a", "1")).with(Mark("b", "2")).with(Mark("c", "3"));
        assert!(p.replace("b", Box::new(Mark("b2", "X"))));
        assert!(!p.replace("z", Box::new(Mark("z", "Z"))));
        assert_eq!(p.names(), ["a", "b2", "c"]);
        let mut doc = Document::new("t", "x");
        p.run(&mut doc).unwrap();
        assert_eq!(doc.id, "t1X3");
    }
}
