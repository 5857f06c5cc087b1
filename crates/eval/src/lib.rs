//! onrecord-eval
