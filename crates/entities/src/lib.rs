//! onrecord-entities: entities with in-document aliases, roles and references.

pub mod recognize;
