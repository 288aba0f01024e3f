//! Derive macros for dimgen models: `#[derive(Dimension)]`, `#[derive(Fact)]`,
//! `#[derive(Bridge)]`.
//!
//! Skeleton: the derives are not implemented yet (see the derives issue). The
//! crate exists so that `model-core` can already re-export it behind its
//! default `derive` feature and the workspace has its final shape. No macro is
//! exported, so nothing pretends to work.
