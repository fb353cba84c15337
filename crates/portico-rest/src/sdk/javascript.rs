//! The JavaScript SDK: `apiGateway-js-sdk/apigClient.js`, shaped like AWS's generated client
//! (`apigClientFactory.newClient(config)`, then `apigClient.petsPetIdGet(params, body,
//! additionalParams)` returning a promise of `{status, statusText, headers, data}`), with its
//! own small request helper over `fetch` (browsers, Node 18+) instead of AWS's bundled
//! libraries. No SigV4: methods with AWS_IAM authorization need a signing proxy.

use crate::kinds::DeploymentSnapshot;
use serde_json::json;

/// What `newClient` does for every method; one call per generated function.
const HELPER: &str = r#"    function request(verb, template, names, params, body, additionalParams) {
        params = params || {};
        additionalParams = additionalParams || {};
        names.path.forEach(function (name) {
            if (params[name] === undefined || params[name] === null) {
                throw new Error('Missing required parameter: ' + name);
            }
        });
        var path = template.replace(/\{([^}+]+)(\+?)\}/g, function (_, name, greedy) {
            var value = String(params[name]);
            return greedy ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
        });
        var query = [];
        var addQuery = function (name, value) {
            if (value === undefined || value === null) { return; }
            [].concat(value).forEach(function (v) {
                query.push(encodeURIComponent(name) + '=' + encodeURIComponent(String(v)));
            });
        };
        names.query.forEach(function (name) { addQuery(name, params[name]); });
        var extraQuery = additionalParams.queryParams || {};
        Object.keys(extraQuery).forEach(function (name) { addQuery(name, extraQuery[name]); });
        var headers = { 'Accept': config.defaultAcceptType, 'Content-Type': config.defaultContentType };
        names.header.forEach(function (name) {
            if (params[name] !== undefined && params[name] !== null) { headers[name] = String(params[name]); }
        });
        var extraHeaders = additionalParams.headers || {};
        Object.keys(extraHeaders).forEach(function (name) { headers[name] = String(extraHeaders[name]); });
        if (config.apiKey) { headers['x-api-key'] = config.apiKey; }
        var url = invokeUrl.replace(/\/+$/, '') + path + (query.length ? '?' + query.join('&') : '');
        var init = { method: verb, headers: headers };
        if (body !== undefined && body !== null && verb !== 'GET' && verb !== 'HEAD') {
            init.body = typeof body === 'string' ? body : JSON.stringify(body);
        }
        return fetch(url, init).then(function (response) {
            return response.text().then(function (text) {
                var data = text;
                try { data = JSON.parse(text); } catch (e) { /* not JSON: the text as it came */ }
                var answerHeaders = {};
                response.headers.forEach(function (value, name) { answerHeaders[name] = value; });
                var result = { status: response.status, statusText: response.statusText, headers: answerHeaders, data: data };
                if (response.status >= 400) {
                    var error = new Error('Request failed with status code ' + response.status);
                    error.response = result;
                    throw error;
                }
                return result;
            });
        });
    }
"#;

/// AWS's generator's function name: the path's segments in camel case (`{petId}` → `PetId`,
/// other punctuation dropped), `root` for `/`, then the method (`petsPetIdGet`).
pub fn function_name(path: &str, method: &str) -> String {
    let mut name = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        for word in segment
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                if name.is_empty() {
                    name.push(first.to_ascii_lowercase());
                } else {
                    name.push(first.to_ascii_uppercase());
                }
                name.extend(chars);
            }
        }
    }
    if name.is_empty() {
        name.push_str("root");
    }
    let method = method.to_ascii_lowercase();
    let mut chars = method.chars();
    if let Some(first) = chars.next() {
        name.push(first.to_ascii_uppercase());
        name.extend(chars);
    }
    name
}

/// The path, query string and header parameters of a method: from its path template and its
/// `method.request.*` parameters.
fn parameters(path: &str, method: &portico_wire::apigateway::Method) -> (Vec<String>, Vec<String>, Vec<String>) {
    let path_names: Vec<String> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|s| s.trim_end_matches('+').to_string())
        .collect();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for name in method.request_parameters.iter().flat_map(|p| p.keys()) {
        if let Some(q) = name.strip_prefix("method.request.querystring.") {
            query.push(q.to_string());
        } else if let Some(h) = name.strip_prefix("method.request.header.") {
            headers.push(h.to_string());
        }
    }
    (path_names, query, headers)
}

/// The files of the SDK: (path in the archive, content).
pub fn generate(snapshot: &DeploymentSnapshot, api_id: &str, stage: &str, region: &str) -> Vec<(String, String)> {
    let api_name = snapshot.api.name.clone().unwrap_or_default();
    let invoke_url = format!("http://{api_id}.execute-api.localhost:4566/{stage}");
    let mut resources: Vec<_> = snapshot.resources.iter().collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    let mut functions = String::new();
    let mut listing = String::new();
    for resource in resources {
        let path = resource.path.clone().unwrap_or_else(|| "/".into());
        for (verb, method) in resource.resource_methods.iter().flatten() {
            let name = function_name(&path, verb);
            let (path_names, query, headers) = parameters(&path, method);
            let names = json!({"path": path_names, "query": query, "header": headers});
            // ANY stands for every method; the client calls it as GET unless told otherwise.
            let call_verb = if verb == "ANY" { "GET" } else { verb.as_str() };
            functions.push_str(&format!(
                "\n    apigClient.{name} = function (params, body, additionalParams) {{\n        return request((additionalParams && additionalParams.method) || {verb}, {template}, {names}, params, body, additionalParams);\n    }};\n",
                verb = serde_json::Value::from(call_verb),
                template = serde_json::Value::from(path.as_str()),
            ));
            listing.push_str(&format!(
                "- `apigClient.{name}(params, body, additionalParams)`: `{verb} {path}`\n"
            ));
        }
    }
    let header = format!(
        "/*\n * A client for the REST API {} ({api_id}), stage {}, generated by Portico.\n *\n *   var apigClient = apigClientFactory.newClient({{ invokeUrl: '{invoke_url}', apiKey: '...' }});\n *   apigClient.someMethodGet(params, body, additionalParams).then(function (result) {{ ... result.data ... }});\n *\n * invokeUrl defaults to the stage's URL on Portico's default port; region {region}.\n */\n",
        serde_json::Value::from(api_name.as_str()),
        serde_json::Value::from(stage),
    );
    let client = format!(
        "{header}var apigClientFactory = {{}};\napigClientFactory.newClient = function (config) {{\n    config = Object.assign({{ defaultContentType: 'application/json', defaultAcceptType: 'application/json' }}, config || {{}});\n    var apigClient = {{ }};\n    var invokeUrl = config.invokeUrl || {url};\n\n{HELPER}{functions}\n    return apigClient;\n}};\n\nif (typeof module !== 'undefined' && module.exports) {{\n    module.exports = apigClientFactory;\n}}\n",
        url = serde_json::Value::from(invoke_url.as_str()),
    );
    let readme = format!(
        "# JavaScript SDK of {api_name} ({api_id}), stage {stage}\n\nLoad `apigClient.js` (a `<script>` tag, or `require('./apigClient.js')` in Node 18+) and\ncreate a client:\n\n```js\nvar apigClient = apigClientFactory.newClient({{\n    invokeUrl: '{invoke_url}', // optional: the stage's URL\n    apiKey: 'your-api-key',   // optional: sent as x-api-key\n}});\n```\n\nEach method of the deployed API is a function taking `(params, body, additionalParams)`:\npath, query string and header parameters by name in `params`, the body, and\n`{{headers, queryParams}}` to add. It returns a promise of `{{status, statusText, headers, data}}`\n(`data` parsed as JSON when it is JSON); answers of 400 and over reject with an error whose\n`response` is that object.\n\n{listing}"
    );
    vec![
        ("apiGateway-js-sdk/apigClient.js".to_string(), client),
        ("apiGateway-js-sdk/README.md".to_string(), readme),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_wire::apigateway::{Method, Resource, RestApi};
    use std::collections::BTreeMap;

    #[test]
    fn function_names_follow_aws() {
        assert_eq!(function_name("/pets", "GET"), "petsGet");
        assert_eq!(function_name("/pets/{petId}", "GET"), "petsPetIdGet");
        assert_eq!(function_name("/", "POST"), "rootPost");
        assert_eq!(function_name("/v1/my-items/{proxy+}", "ANY"), "v1MyItemsProxyAny");
    }

    #[test]
    fn one_function_per_method() {
        let mut methods = BTreeMap::new();
        let mut params = BTreeMap::new();
        params.insert("method.request.querystring.type".to_string(), false);
        params.insert("method.request.header.X-Trace".to_string(), false);
        methods.insert(
            "GET".to_string(),
            Method {
                http_method: Some("GET".into()),
                request_parameters: Some(params),
                ..Default::default()
            },
        );
        let snapshot = DeploymentSnapshot {
            api: RestApi {
                name: Some("pets".into()),
                ..Default::default()
            },
            resources: vec![Resource {
                path: Some("/pets/{petId}".into()),
                resource_methods: Some(methods),
                ..Default::default()
            }],
            ..Default::default()
        };
        let files = generate(&snapshot, "abc123", "dev", "us-east-1");
        let client = &files[0].1;
        assert!(client.contains("apigClient.petsPetIdGet = function (params, body, additionalParams)"));
        assert!(
            client.contains(r#"{"header":["X-Trace"],"path":["petId"],"query":["type"]}"#),
            "{client}"
        );
        assert!(client.contains("http://abc123.execute-api.localhost:4566/dev"));
        assert!(files[1].1.contains("`GET /pets/{petId}`"));
    }
}
