//! onrecord-entities
