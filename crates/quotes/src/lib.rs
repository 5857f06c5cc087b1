//! onrecord-quotes
