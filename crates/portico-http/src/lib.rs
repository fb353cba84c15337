//! HTTP plumbing shared by the planes: what the front door, the data plane's integrations
//! and the tests all use to talk HTTP.
//!
//! Layout:
//! - `client`: the outbound client behind the `HttpClient` trait (pooled, http and https via
//!   rustls, connect timeout, answers capped at API Gateway's payload limit).
//! - `body`: `read_body`, a request or response body read under a size limit and a deadline,
//!   and the front door's answers when that fails.
//! - `capture`: an IO wrapper for accepted HTTP/1 connections that frames requests as they
//!   arrive, to keep each head's header names as sent (`OriginalHeaders`), to know when a
//!   connection is idle (header-read and idle timeouts) and to linger before closing one
//!   whose request body was left unread.
//! - `sigv4`: SigV4's canonical request, string to sign and signing key, shared by the
//!   signer (Lambda endpoint runner) and the verifier (AWS_IAM methods).

pub mod body;
pub mod capture;
pub mod client;
pub mod sigv4;

pub use body::{BodyError, read_body};
pub use capture::OriginalHeaders;
pub use client::{Client, ClientConfig, HttpClient, OutboundError, OutboundRequest, OutboundResponse};

/// API Gateway's payload limit (REST and HTTP APIs), for requests and integration answers.
pub const PAYLOAD_LIMIT: usize = 10 * 1024 * 1024;
