//! onrecord-time
