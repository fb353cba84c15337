//! Written by `cargo run -p portico-codegen`; `tests/generated_is_fresh.rs` keeps it in step.

#[rustfmt::skip]
pub mod apigateway;
#[rustfmt::skip]
pub mod apigatewaymanagementapi;
#[rustfmt::skip]
pub mod apigatewayv2;

#[rustfmt::skip]
pub mod lambda;
