//! onrecord-ingest
