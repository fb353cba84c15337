//! Client certificates: account-level, self-signed certificates a stage presents to its
//! HTTP backends (`clientCertificateId`). The PEM is a real certificate; the key is not kept.

use crate::certificate::self_signed_pem;
use crate::kinds::CLIENT_CERTIFICATE;
use crate::support::{Patch, check_text, limit, new_id, patches, position, required, scope};
use portico_store::{List, Store, StoreError, Stored};
use portico_wire::apigateway::*;
use portico_wire::types::Timestamp;
use portico_wire::{AwsError, RequestContext};

const YEAR: i64 = 365 * 24 * 3600;

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Client Certificate identifier specified")
}

pub async fn generate(
    store: &Store,
    ctx: &RequestContext,
    input: GenerateClientCertificateRequest,
) -> Result<ClientCertificate, AwsError> {
    if let Some(description) = input.description.as_deref() {
        check_text("description", description)?;
    }
    let now = Timestamp::now();
    let mut cert = ClientCertificate {
        client_certificate_id: None,
        description: input.description,
        pem_encoded_certificate: Some(self_signed_pem("ApiGateway", now.0, now.0 + YEAR)),
        created_date: Some(now),
        expiration_date: Some(Timestamp(now.0 + YEAR)),
        tags: input.tags.filter(|t| !t.is_empty()),
    };
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    loop {
        let id = new_id(6);
        cert.client_certificate_id = Some(id.clone());
        match tx.insert_top(&CLIENT_CERTIFICATE, &scope, &id, &cert).await {
            Err(StoreError::Exists) => continue,
            other => {
                other?;
                break;
            }
        }
    }
    tx.commit().await?;
    Ok(cert)
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetClientCertificateRequest,
) -> Result<ClientCertificate, AwsError> {
    store
        .top(&CLIENT_CERTIFICATE, &scope(ctx), &required(input.client_certificate_id))
        .await?
        .map(|c| c.doc)
        .ok_or_else(not_found)
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetClientCertificatesRequest,
) -> Result<ClientCertificates, AwsError> {
    let page = store
        .page(
            &CLIENT_CERTIFICATE,
            List::Top(&scope(ctx)),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(ClientCertificates {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|c| c.doc).collect()),
    })
}

fn apply(cert: &mut ClientCertificate, op: &Patch) -> Result<(), AwsError> {
    match (op.op, op.segs().as_slice()) {
        ("replace", ["description"]) => {
            if let Some(description) = op.value.as_deref() {
                check_text("description", description)?;
            }
            cert.description = op.optional_string();
            Ok(())
        }
        _ => Err(op.invalid_path(&["/description"])),
    }
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateClientCertificateRequest,
) -> Result<ClientCertificate, AwsError> {
    let id = required(input.client_certificate_id);
    let ops = patches(input.patch_operations, "updateClientCertificateInput")?;
    let mut tx = store.write().await?;
    let Stored { row, doc: mut cert } = tx
        .top(&CLIENT_CERTIFICATE, &scope(ctx), &id)
        .await?
        .ok_or_else(not_found)?;
    for op in &ops {
        apply(&mut cert, op)?;
    }
    tx.update(&CLIENT_CERTIFICATE, &row, &cert).await?;
    tx.commit().await?;
    Ok(cert)
}

pub async fn delete(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteClientCertificateRequest,
) -> Result<(), AwsError> {
    let id = required(input.client_certificate_id);
    let mut tx = store.write().await?;
    let cert = tx
        .top(&CLIENT_CERTIFICATE, &scope(ctx), &id)
        .await?
        .ok_or_else(not_found)?;
    tx.delete(&cert.row).await?;
    tx.commit().await?;
    Ok(())
}
