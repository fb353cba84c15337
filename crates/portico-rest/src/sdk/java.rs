//! The Java and Android SDKs: a Maven project (`pom.xml`, or `build.gradle` when asked) with
//! one client class over `java.net.HttpURLConnection` (Java 8+ and Android alike), one method
//! per API method named as AWS's generator names them (`petsPetIdGet`), taking its parameters
//! by name and the body as text, and answering status, headers and body. AWS's typed model
//! classes are not generated. The JVM's `HttpURLConnection` has no PATCH (Android's has).

use super::param;
use super::{Operation, operations};
use crate::kinds::DeploymentSnapshot;
use portico_wire::AwsError;
use std::collections::BTreeMap;

/// What the client is called and where it goes, from the GetSdk parameters.
#[derive(Debug)]
pub struct Settings {
    pub class: String,
    pub package: String,
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
    pub gradle: bool,
    pub license: Option<String>,
}

fn identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// The API name as a class name: `pet store` → `PetStoreClient`.
fn class_of(api_name: &str) -> String {
    let mut class = String::new();
    for word in api_name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            class.push(first.to_ascii_uppercase());
            class.extend(chars);
        }
    }
    if !class.starts_with(|c: char| c.is_ascii_alphabetic()) {
        class.insert_str(0, "Api");
    }
    class.push_str("Client");
    class
}

/// The settings of a `java` or `android` SDK; their required parameters are checked already.
pub fn settings(kind: &str, api_name: &str, parameters: &BTreeMap<String, String>) -> Result<Settings, AwsError> {
    let settings = if kind == "android" {
        let package = param(parameters, &["invokerPackage"]).unwrap_or_default().to_string();
        Settings {
            class: class_of(api_name),
            group_id: param(parameters, &["groupId"]).unwrap_or(&package).to_string(),
            artifact_id: param(parameters, &["artifactId"]).unwrap_or("api-sdk").to_string(),
            version: param(parameters, &["artifactVersion"]).unwrap_or("1.0.0").to_string(),
            package,
            gradle: false,
            license: None,
        }
    } else {
        let class = param(parameters, &["service.name", "serviceName"])
            .unwrap_or_default()
            .to_string();
        let package = param(parameters, &["java.package-name", "javaPackageName"])
            .unwrap_or_default()
            .to_string();
        let build = param(parameters, &["java.build-system", "javaBuildSystem"]).unwrap_or("maven");
        if build != "maven" && build != "gradle" {
            return Err(AwsError::bad_request(format!(
                "Invalid java.build-system '{build}': must be maven or gradle"
            )));
        }
        Settings {
            group_id: param(parameters, &["java.group-id", "javaGroupId"])
                .unwrap_or(&package)
                .to_string(),
            artifact_id: param(parameters, &["java.artifact-id", "javaArtifactId"])
                .map(str::to_string)
                .unwrap_or_else(|| class.to_ascii_lowercase()),
            version: param(parameters, &["java.artifact-version", "javaArtifactVersion"])
                .unwrap_or("1.0.0")
                .to_string(),
            gradle: build == "gradle",
            license: param(parameters, &["java.license-text", "licenseText"]).map(str::to_string),
            class,
            package,
        }
    };
    if !identifier(&settings.class) {
        return Err(AwsError::bad_request(format!(
            "Invalid service name '{}': it must be a Java class name (letters, digits, _; no hyphens)",
            settings.class
        )));
    }
    if !settings.package.split('.').all(identifier) {
        return Err(AwsError::bad_request(format!(
            "Invalid package name '{}': it must be a Java package name (no hyphens)",
            settings.package
        )));
    }
    Ok(settings)
}

/// A Java string literal.
fn literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn array(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| literal(i)).collect();
    format!("new String[] {{{}}}", items.join(", "))
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn method(op: &Operation) -> String {
    let mut name = op.name.clone();
    if !identifier(&name) {
        name.insert(0, '_');
    }
    // ANY stands for every method; the client calls it as GET.
    let verb = if op.verb == "ANY" { "GET" } else { op.verb.as_str() };
    format!(
        "\n    /** {verb} {path} */\n    public Response {name}(Map<String, String> params, String body) throws IOException {{\n        return call({verb_literal}, {path_literal}, {path_names}, {query}, {headers}, params, body);\n    }}\n",
        verb = op.verb,
        path = op.path.replace("*/", "*\\/"),
        verb_literal = literal(verb),
        path_literal = literal(&op.path),
        path_names = array(&op.path_params),
        query = array(&op.query),
        headers = array(&op.headers),
    )
}

const CALL: &str = r#"
    private Response call(String verb, String template, String[] pathNames, String[] queryNames,
            String[] headerNames, Map<String, String> params, String body) throws IOException {
        if (params == null) {
            params = Collections.emptyMap();
        }
        String path = template;
        for (String name : pathNames) {
            String value = params.get(name);
            if (value == null) {
                throw new IllegalArgumentException("Missing required parameter: " + name);
            }
            String greedy = "{" + name + "+}";
            if (path.contains(greedy)) {
                StringBuilder segments = new StringBuilder();
                for (String segment : value.split("/", -1)) {
                    if (segments.length() > 0) {
                        segments.append('/');
                    }
                    segments.append(encode(segment));
                }
                path = path.replace(greedy, segments.toString());
            } else {
                path = path.replace("{" + name + "}", encode(value));
            }
        }
        StringBuilder query = new StringBuilder();
        for (String name : queryNames) {
            String value = params.get(name);
            if (value != null) {
                query.append(query.length() == 0 ? '?' : '&').append(encode(name)).append('=').append(encode(value));
            }
        }
        HttpURLConnection connection = (HttpURLConnection) new URL(endpoint + path + query).openConnection();
        connection.setRequestMethod(verb);
        connection.setRequestProperty("Accept", "application/json");
        if (apiKey != null) {
            connection.setRequestProperty("x-api-key", apiKey);
        }
        for (String name : headerNames) {
            String value = params.get(name);
            if (value != null) {
                connection.setRequestProperty(name, value);
            }
        }
        if (body != null) {
            connection.setDoOutput(true);
            connection.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int status = connection.getResponseCode();
        InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        String text = "";
        if (in != null) {
            try (InputStream stream = in) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                byte[] chunk = new byte[8192];
                int n;
                while ((n = stream.read(chunk)) != -1) {
                    buffer.write(chunk, 0, n);
                }
                text = new String(buffer.toByteArray(), StandardCharsets.UTF_8);
            }
        }
        return new Response(status, connection.getHeaderFields(), text);
    }

    private static String encode(String value) throws UnsupportedEncodingException {
        return URLEncoder.encode(value, "UTF-8").replace("+", "%20");
    }
}
"#;

/// The files of the SDK: (path in the archive, content).
pub fn generate(snapshot: &DeploymentSnapshot, api_id: &str, stage: &str, s: &Settings) -> Vec<(String, String)> {
    let api_name = snapshot.api.name.clone().unwrap_or_default();
    let endpoint = format!("http://{api_id}.execute-api.localhost:4566/{stage}");
    let class = &s.class;
    let mut source = String::new();
    if let Some(license) = &s.license {
        source.push_str(&format!(
            "/*\n * {}\n */\n",
            license.replace("*/", "*\\/").replace('\n', "\n * ")
        ));
    }
    source.push_str(&format!(
        r#"package {package};

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UnsupportedEncodingException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A client for the REST API {name} ({api_id}), stage {stage}, generated by Portico.
 * Each method takes its path, query string and header parameters by name, and the body as
 * text (null for none).
 */
public class {class} {{
    /** The stage's URL on Portico's default port. */
    public static final String DEFAULT_ENDPOINT = {endpoint};

    private final String endpoint;
    private String apiKey;

    public {class}() {{
        this(DEFAULT_ENDPOINT);
    }}

    /** A client of the stage at {{@code endpoint}}, e.g. {{@value #DEFAULT_ENDPOINT}}. */
    public {class}(String endpoint) {{
        this.endpoint = endpoint.replaceAll("/+$", "");
    }}

    /** Sends {{@code x-api-key}} with every request. */
    public {class} withApiKey(String apiKey) {{
        this.apiKey = apiKey;
        return this;
    }}

    /** What a call answered. */
    public static final class Response {{
        public final int status;
        public final Map<String, List<String>> headers;
        public final String body;

        Response(int status, Map<String, List<String>> headers, String body) {{
            this.status = status;
            this.headers = headers;
            this.body = body;
        }}
    }}
"#,
        package = s.package,
        name = api_name.replace("*/", "*\\/"),
        endpoint = literal(&endpoint),
    ));
    let ops = operations(snapshot);
    for op in &ops {
        source.push_str(&method(op));
    }
    source.push_str(CALL);

    let root = &s.artifact_id;
    let source_path = format!("{root}/src/main/java/{}/{class}.java", s.package.replace('.', "/"));
    let build = if s.gradle {
        (
            format!("{root}/build.gradle"),
            format!(
                "apply plugin: 'java'\n\ngroup = '{}'\nversion = '{}'\nsourceCompatibility = 1.8\ntargetCompatibility = 1.8\n",
                s.group_id, s.version
            ),
        )
    } else {
        (
            format!("{root}/pom.xml"),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd\">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>{}</groupId>\n  <artifactId>{}</artifactId>\n  <version>{}</version>\n  <packaging>jar</packaging>\n  <name>{}</name>\n  <properties>\n    <maven.compiler.source>1.8</maven.compiler.source>\n    <maven.compiler.target>1.8</maven.compiler.target>\n    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>\n  </properties>\n</project>\n",
                xml(&s.group_id),
                xml(&s.artifact_id),
                xml(&s.version),
                xml(class)
            ),
        )
    };
    let mut listing = String::new();
    for op in &ops {
        listing.push_str(&format!("- `{}(params, body)`: `{} {}`\n", op.name, op.verb, op.path));
    }
    let readme = format!(
        "# Java SDK of {api_name} ({api_id}), stage {stage}\n\n`{package}.{class}` calls the stage over `HttpURLConnection` (Java 8+, Android):\n\n```java\n{class} client = new {class}(\"{endpoint}\").withApiKey(\"your-api-key\");\n{class}.Response answer = client.someMethodGet(params, null);\n```\n\nEach method takes its path, query string and header parameters by name and the body as text,\nand answers status, headers and body.\n\n{listing}",
        package = s.package,
    );
    vec![(source_path, source), build, (format!("{root}/README.md"), readme)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn settings_from_parameters() {
        let s = settings(
            "java",
            "pets",
            &params(&[("service.name", "PetsSdk"), ("java.package-name", "com.example.pets")]),
        )
        .unwrap();
        assert_eq!(
            (s.class.as_str(), s.artifact_id.as_str(), s.group_id.as_str()),
            ("PetsSdk", "petssdk", "com.example.pets")
        );
        let s = settings(
            "android",
            "pet store",
            &params(&[
                ("groupId", "com.example"),
                ("invokerPackage", "com.example.pets"),
                ("artifactId", "pets"),
                ("artifactVersion", "2.0.0"),
            ]),
        )
        .unwrap();
        assert_eq!(s.class, "PetStoreClient");
        assert_eq!(s.version, "2.0.0");
        let bad = settings(
            "java",
            "pets",
            &params(&[("serviceName", "pets-sdk"), ("javaPackageName", "com.example")]),
        );
        assert_eq!(bad.unwrap_err().status, 400);
        let bad = settings(
            "java",
            "pets",
            &params(&[("serviceName", "Pets"), ("javaPackageName", "com.my-company")]),
        );
        assert_eq!(bad.unwrap_err().status, 400);
        assert_eq!(literal("a\"b\\"), r#""a\"b\\""#);
    }
}
