//! One connection's task, from the 101 to `$disconnect`: client messages routed and
//! integrated (each on a task of its own, so that a handler posting back to this connection
//! never waits on it), frames from @connections sent, the idle timeout and the maximum
//! duration kept, and `$disconnect` run once the connection is gone. Each message is routed
//! on the stage's current deployment.

use super::Runtime;
use super::compile::{Route, Stage};
use super::connections::{Connection, Outbound};
use super::event::{EventType, Happening, Peer, new_request_id};
use super::integrate::{self, request_variable};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long to wait for the client's close frame after ours.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// 1001: going away (idle timeout, maximum duration).
const GOING_AWAY: u16 = 1001;
/// 1009: a message or frame over the limits.
const TOO_BIG: u16 = 1009;
/// 1003: data of a type the endpoint does not accept (a binary frame).
const UNSUPPORTED_DATA: u16 = 1003;

/// AWS's error frame: `{"message": "Forbidden", "connectionId":"...", "requestId":"..."}`.
pub fn error_frame(message: &str, connection_id: &str, request_id: &str) -> Bytes {
    Bytes::from(format!(
        r#"{{"message": "{message}", "connectionId":"{connection_id}", "requestId":"{request_id}"}}"#
    ))
}

/// The route a message takes: the selection expression on its JSON body, else `$default`.
pub fn route_of<'a>(stage: &'a Stage, peer: &Peer, body: &[u8]) -> Option<&'a Arc<Route>> {
    let deployment = &stage.deployment;
    let doc = serde_json::from_slice::<Value>(body).ok();
    let key = doc.as_ref().and_then(|doc| {
        deployment
            .route_selection
            .evaluate(|name| request_variable(name, Some(doc), peer))
    });
    key.filter(|k| k != "$connect" && k != "$disconnect")
        .and_then(|k| deployment.routes.get(&k))
        .or_else(|| deployment.routes.get("$default"))
}

pub async fn run(
    mut socket: WebSocket,
    connection: Arc<Connection>,
    mut outbound: mpsc::Receiver<Outbound>,
    peer: Arc<Peer>,
    stage: Arc<Stage>,
    rt: Runtime,
) {
    let started = Instant::now();
    let max_end = started + rt.limits.max_duration;
    let mut idle_end = started + rt.limits.idle;
    let (code, reason, we_closed) = loop {
        let deadline = idle_end.min(max_end);
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    connection.touch();
                    idle_end = Instant::now() + rt.limits.idle;
                    let body = Bytes::copy_from_slice(text.as_bytes());
                    dispatch(&connection, &peer, &stage, &rt, body);
                }
                Some(Ok(Message::Binary(_))) => {
                    // AWS: incoming binary frames are not supported; the client is
                    // disconnected with 1003 (base64 text with CONVERT_TO_BINARY is the way).
                    let reason = "Binary frames are not supported".to_owned();
                    let _ = socket.send(close(UNSUPPORTED_DATA, &reason)).await;
                    break (UNSUPPORTED_DATA, reason, true);
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                    idle_end = Instant::now() + rt.limits.idle;
                }
                Some(Ok(Message::Close(frame))) => {
                    break match frame {
                        Some(frame) => (frame.code, frame.reason.to_string(), false),
                        None => (1005, "Client-side close frame status not set".to_owned(), false),
                    };
                }
                Some(Err(error)) => {
                    let text = error.to_string();
                    if text.contains("Space limit exceeded") || text.contains("too long") {
                        let reason = "Message too big".to_owned();
                        let _ = socket.send(close(TOO_BIG, &reason)).await;
                        break (TOO_BIG, reason, true);
                    }
                    tracing::debug!(%error, "WebSocket read failed");
                    break (1006, "Connection was closed abnormally".to_owned(), false);
                }
                None => break (1006, "Connection was closed abnormally".to_owned(), false),
            },
            out = outbound.recv() => match out {
                Some(Outbound::Data(data)) => {
                    connection.touch();
                    idle_end = Instant::now() + rt.limits.idle;
                    let message = match std::str::from_utf8(&data) {
                        Ok(text) => Message::Text(text.into()),
                        Err(_) => Message::Binary(data),
                    };
                    if socket.send(message).await.is_err() {
                        break (1006, "Connection was closed abnormally".to_owned(), false);
                    }
                }
                Some(Outbound::Close { code, reason }) => {
                    let _ = socket.send(close(code, &reason)).await;
                    break (code, reason, true);
                }
                None => break (1006, "Connection was closed abnormally".to_owned(), false),
            },
            () = tokio::time::sleep_until(deadline) => {
                let reason = "Going away".to_owned();
                let _ = socket.send(close(GOING_AWAY, &reason)).await;
                break (GOING_AWAY, reason, true);
            }
        }
    };
    // Gone for @connections from here on (410).
    rt.connections.remove(&connection.id);
    outbound.close();
    // The closing handshake: after ours, the client's close frame; after the client's, reading
    // on flushes the reply that the WebSocket layer queued.
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = socket.recv().await {
            if we_closed && matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
    drop(socket);
    tracing::debug!(
        connection = &*connection.id,
        code,
        reason,
        "WebSocket connection closed"
    );
    let stage = rt
        .websockets
        .current_stage(&rt.store, &peer.api_id, &peer.stage)
        .await
        .unwrap_or(stage);
    if let Some(route) = stage.deployment.routes.get("$disconnect")
        && let Some(integration) = &route.integration
    {
        let request_id = new_request_id();
        let at = Happening {
            kind: EventType::Disconnect,
            route_key: "$disconnect",
            request_id: &request_id,
            received: SystemTime::now(),
            body: None,
            disconnect: Some((code, &reason)),
        };
        let env = integrate::Env {
            functions: rt.functions.as_deref(),
            client: &*rt.client,
            aws: rt.aws.as_deref(),
        };
        if let Err(failure) = integrate::run(integration, &peer, &at, &env).await {
            tracing::warn!(?failure, connection = &*connection.id, "$disconnect integration failed");
        }
    }
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// Routes and integrates one message on a task of its own; the answer of a two-way route,
/// or an error frame, goes back through the connection's queue.
fn dispatch(connection: &Arc<Connection>, peer: &Arc<Peer>, stage: &Arc<Stage>, rt: &Runtime, body: Bytes) {
    let (connection, peer, stage, rt) = (connection.clone(), peer.clone(), stage.clone(), rt.clone());
    tokio::spawn(async move {
        let request_id = new_request_id();
        let stage = rt
            .websockets
            .current_stage(&rt.store, &peer.api_id, &peer.stage)
            .await
            .unwrap_or(stage);
        let Some(route) = route_of(&stage, &peer, &body).cloned() else {
            let _ = connection.send(Outbound::Data(error_frame("Forbidden", &connection.id, &request_id)));
            return;
        };
        let Some(integration) = &route.integration else {
            tracing::warn!(route = &*route.key, "WebSocket route has no integration");
            let frame = error_frame("Internal server error", &connection.id, &request_id);
            let _ = connection.send(Outbound::Data(frame));
            return;
        };
        let at = Happening {
            kind: EventType::Message,
            route_key: &route.key,
            request_id: &request_id,
            received: SystemTime::now(),
            // Text frames only: a binary one ends the connection before it gets here.
            body: Some((&body, false)),
            disconnect: None,
        };
        let env = integrate::Env {
            functions: rt.functions.as_deref(),
            client: &*rt.client,
            aws: rt.aws.as_deref(),
        };
        match integrate::run(integration, &peer, &at, &env).await {
            Ok(answer) => {
                if route.two_way && !answer.body.is_empty() {
                    let _ = connection.send(Outbound::Data(answer.body));
                }
            }
            Err(failure) => {
                tracing::debug!(?failure, route = &*route.key, "WebSocket integration failed");
                let frame = error_frame("Internal server error", &connection.id, &request_id);
                let _ = connection.send(Outbound::Data(frame));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_frame_is_aws_s() {
        assert_eq!(
            error_frame("Forbidden", "L0SM9cOFvHcCIhw=", "L0SNGGCPvHcFvqA="),
            r#"{"message": "Forbidden", "connectionId":"L0SM9cOFvHcCIhw=", "requestId":"L0SNGGCPvHcFvqA="}"#
        );
    }
}
