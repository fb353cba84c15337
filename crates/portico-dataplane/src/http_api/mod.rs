//! execute-api for HTTP APIs (apigatewayv2): `cors` (the API's CORS configuration: preflights
//! and the headers of other answers), `params` (integrations' parameter mapping).

pub mod cors;
pub mod params;
