//! Static description of an operation, as the generator reads it from the model.

/// Where a member travels on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Body,
    Uri,
    Query,
    /// A map member with no name: every query parameter not bound elsewhere.
    QueryMap,
    Header,
    StatusCode,
}

/// The wire type of a member: enough to coerce strings from the path, query and headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    String,
    Integer,
    Double,
    Boolean,
    Timestamp,
    Blob,
    List,
    Map,
    Structure,
}

#[derive(Debug)]
pub struct MemberSpec {
    /// Name of the member in the model, as validation messages name it.
    pub name: &'static str,
    /// Key of the member in the operation's JSON object (and serde name of its field).
    pub key: &'static str,
    pub location: Location,
    /// Name on the wire: path label, query parameter or header name.
    pub wire: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// Allowed values when the member is an enum string; empty otherwise.
    pub enum_values: &'static [&'static str],
}

#[derive(Debug)]
pub struct OperationSpec {
    pub service: crate::Service,
    pub name: &'static str,
    pub method: &'static str,
    /// Request URI template from the model, e.g. `/restapis/{restapi_id}/resources`.
    pub uri: &'static str,
    /// Status code of a successful answer.
    pub success: u16,
    pub input_shape: &'static str,
    pub input: &'static [MemberSpec],
    pub output: &'static [MemberSpec],
    /// Member sent as the raw body instead of a JSON document.
    pub input_payload: Option<&'static MemberSpec>,
    pub output_payload: Option<&'static MemberSpec>,
}
