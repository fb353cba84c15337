//! WebSocket upgrades on execute-api. WebSocket APIs are not served yet: the handshake is
//! completed (so clients see a WebSocket answer, not an HTTP error they may not surface) and
//! the server closes at once with 1011 and a reason saying so.

use crate::Invocation;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::response::IntoResponse;
use http::{HeaderMap, Response};
use std::time::Duration;

/// 1011: the server met a condition that prevents it from fulfilling the request (RFC 6455 7.4.1).
const CLOSE_UNAVAILABLE: u16 = 1011;
/// How long to wait for the client's own close frame before dropping the socket.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// `Upgrade: websocket`.
pub(crate) fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

pub(crate) async fn serve(target: Invocation, request: http::Request<Body>) -> Response<Body> {
    let (mut parts, _body) = request.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        // Not a valid handshake (wrong method, missing key or version): axum's 4xx.
        Err(rejection) => return rejection.into_response(),
    };
    tracing::info!(
        api_id = target.api_id,
        stage = target.stage,
        "WebSocket connection refused: WebSocket APIs are not served yet"
    );
    upgrade.on_upgrade(|mut socket| async move {
        let reason = "Portico does not serve WebSocket APIs yet";
        let close = Message::Close(Some(CloseFrame {
            code: CLOSE_UNAVAILABLE,
            reason: reason.into(),
        }));
        if socket.send(close).await.is_err() {
            return;
        }
        // The closing handshake: read until the client's close frame or the end.
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while let Some(Ok(message)) = socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    })
}
