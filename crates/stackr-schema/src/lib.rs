//! Resource type declarations (filled in per service).
