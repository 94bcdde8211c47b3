//! The knowledge base's logic that needs no database: the terms articles
//! are found by (`terms`), and an article's body as safe HTML (`render`).
//! The articles themselves are kept by `store::articles` and served by
//! `api::articles`.

pub mod render;
pub mod terms;
