//! What a kind of document is. The crate that owns a kind declares it once, as a constant
//! naming its serde type and its parents; the store never lists kinds.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// A kind of document holding `D`, and where it may live.
#[derive(Debug)]
pub struct Kind<D> {
    /// Stored in every row; also the key of `/_portico/health` counts.
    pub name: &'static str,
    /// Kinds a document of this kind may sit under; empty for a top-level kind of a scope.
    pub parents: &'static [&'static str],
    doc: PhantomData<fn() -> D>,
}

impl<D> Kind<D> {
    pub const fn top(name: &'static str) -> Self {
        Kind {
            name,
            parents: &[],
            doc: PhantomData,
        }
    }

    pub const fn under(name: &'static str, parents: &'static [&'static str]) -> Self {
        Kind {
            name,
            parents,
            doc: PhantomData,
        }
    }

    pub fn is_top(&self) -> bool {
        self.parents.is_empty()
    }
}

/// What a document type needs: a serde form.
pub trait Document: Serialize + DeserializeOwned + Send + Sync {}

impl<D: Serialize + DeserializeOwned + Send + Sync> Document for D {}
