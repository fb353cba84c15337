//! The iOS SDKs (`objectivec`, `swift`) as AWS lays them out: `README.md`, a `Podfile` for the
//! AWS Mobile SDK's `AWSAPIGateway` pod, and `generated-src/` with the client class
//! `{classPrefix}{ApiName}Client` (a subclass of `AWSAPIGatewayClient`: `defaultClient`,
//! `registerClientWithConfiguration:forKey:`, `clientForKey:`, one method per API method named
//! as AWS names them, `GET /{a}/{b}/{op}` → `aBOpGet:b:op:` / `aBOpGet(a:b:op:)`) and a model
//! class `{classPrefix}{Model}` (an `AWSModel`) per model; Swift adds `Bridging_Header.h`.
//! Calls go through `AWSAPIGatewayClient`'s `invokeHTTPRequest`, which signs with SigV4 when
//! the configuration has credentials and sends `APIKey` as `x-api-key`.

use super::{ModelClass, Operation, Property, camel, element, model_classes, operations, pascal};
use crate::kinds::DeploymentSnapshot;
use portico_wire::AwsError;
use std::collections::BTreeMap;

/// Names the generated code must not take: C, Objective-C and Swift keywords, `NSObject`'s
/// members, and the locals of a generated method.
const RESERVED: &[&str] = &[
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "id",
    "self",
    "super",
    "nil",
    "YES",
    "NO",
    "NULL",
    "bool",
    "class",
    "func",
    "let",
    "var",
    "protocol",
    "extension",
    "import",
    "init",
    "deinit",
    "Self",
    "while",
    "in",
    "true",
    "false",
    "as",
    "is",
    "try",
    "throw",
    "throws",
    "where",
    "repeat",
    "guard",
    "defer",
    "operator",
    "subscript",
    "typealias",
    "internal",
    "private",
    "public",
    "fileprivate",
    "open",
    "inout",
    "Any",
    "Type",
    "description",
    "hash",
    "copy",
    "new",
    "alloc",
    "retain",
    "release",
    "autorelease",
    "body",
    "headerParameters",
    "queryParameters",
    "pathParameters",
];

fn identifier(name: &str) -> String {
    let name = camel(name);
    if RESERVED.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// The class prefix: letters, digits and `_`, not starting with a digit.
pub fn prefix(parameters: &BTreeMap<String, String>) -> Result<String, AwsError> {
    let prefix = parameters
        .get("classPrefix")
        .map(|p| p.trim().to_string())
        .unwrap_or_default();
    if prefix.starts_with(|c: char| c.is_ascii_digit())
        || !prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(AwsError::bad_request(format!(
            "Invalid classPrefix '{prefix}': it must start a class name (letters, digits and _, not a digit first)"
        )));
    }
    Ok(prefix)
}

/// The client class: `{prefix}{ApiName}Client`.
pub fn client_class(prefix: &str, api_name: &str) -> String {
    let mut name = pascal(api_name);
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "Api");
    }
    format!("{prefix}{name}Client")
}

/// A parameter of a generated method.
struct Param {
    wire: String,
    ident: String,
    location: &'static str,
    required: bool,
}

fn params(op: &Operation) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    let mut push = |wire: &str, location: &'static str, required: bool| {
        let mut ident = identifier(wire.trim_end_matches('+'));
        while out.iter().any(|p| p.ident == ident) {
            ident.push('_');
        }
        out.push(Param {
            wire: wire.to_string(),
            ident,
            location,
            required,
        });
    };
    for p in &op.path_params {
        push(p, "path", true);
    }
    for q in &op.query {
        push(q, "query", op.required.contains(q));
    }
    for h in &op.headers {
        push(h, "header", op.required.contains(h));
    }
    out
}

/// The method name (`petsPetIdGet`); never one starting with a digit.
fn method_name(op: &Operation) -> String {
    if op.name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{}", op.name)
    } else {
        op.name.clone()
    }
}

/// An Objective-C or Swift string literal's content (both escape alike).
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The path template as `invokeHTTPRequest` fills it: `{proxy+}` stays, keyed `proxy+`.
fn path_key(wire: &str, path: &str) -> String {
    if path.contains(&format!("{{{wire}+}}")) {
        format!("{wire}+")
    } else {
        wire.to_string()
    }
}

/// What a method sends and answers, by model class.
struct Shapes {
    body: Option<String>,
    response: Option<String>,
}

fn shapes(op: &Operation, snapshot: &DeploymentSnapshot, classes: &[ModelClass], prefix: &str) -> Shapes {
    let body = op
        .request_model
        .as_deref()
        .filter(|m| classes.iter().any(|c| c.name == *m))
        .map(|m| format!("{prefix}{m}"));
    let response = op
        .response_model
        .as_deref()
        .and_then(|m| element(snapshot, classes, m))
        .map(|(m, _)| format!("{prefix}{m}"));
    Shapes { body, response }
}

fn summary(op: &Operation) -> String {
    let mut text = format!("{} {}", op.verb, op.path);
    if op.authorization != "NONE" {
        text.push_str(&format!(" (authorization {})", op.authorization));
    }
    if op.api_key {
        text.push_str(" (API key required: set `APIKey`)");
    }
    text.replace("*/", "*\\/")
}

fn readme(kind: &str, class: &str, api_name: &str, api_id: &str, stage: &str, listing: &str) -> String {
    let (language, files, usage) = if kind == "swift" {
        (
            "Swift",
            "the `.h` and `.swift` files of `generated-src` to your Xcode project and set\n`generated-src/Bridging_Header.h` as the target's *Objective-C Bridging Header*",
            format!(
                r#"```swift
let client = {class}.default()
client.apiKey = "your-api-key" // methods that require one
client.someMethodGet().continueWith {{ (task: AWSTask) -> AnyObject? in
    if let error = task.error {{ print("Error: \(error)") }}
    else if let result = task.result {{ print(result) }}
    return nil
}}
```"#
            ),
        )
    } else {
        (
            "Objective-C",
            "the `.h` and `.m` files of `generated-src` to your Xcode project",
            format!(
                r#"```objc
#import "{class}.h"

{class} *client = [{class} defaultClient];
client.APIKey = @"your-api-key"; // methods that require one
[[client someMethodGet] continueWithBlock:^id(AWSTask *task) {{
    if (task.error) {{ NSLog(@"Error: %@", task.error); }}
    else {{ NSLog(@"%@", task.result); }}
    return nil;
}}];
```"#
            ),
        )
    };
    format!(
        r#"# iOS ({language}) SDK of {api_name} ({api_id}), stage {stage}

Generated by Portico the way API Gateway generates iOS SDKs: a client of the stage built on
the AWS Mobile SDK for iOS (`AWSCore`, `AWSAPIGateway`).

## Install

1. Copy `Podfile` next to your Xcode project, name your target in it, and run `pod install`
   (or add `pod 'AWSAPIGateway'` to your own Podfile).
2. Add {files}.

## Use

`{class}` calls the stage; to use AWS credentials (AWS_IAM methods), set
`AWSServiceManager.defaultServiceManager.defaultServiceConfiguration` (a region and a
credentials provider, e.g. Amazon Cognito) before `defaultClient`, or register a
configuration with `registerClientWithConfiguration:forKey:`.

{usage}

Each method's task answers the response model when the method response has one, else the
JSON as an `NSDictionary`; answers of 400 and over fail the task with an error in
`AWSAPIGatewayErrorDomain` carrying the body and headers.

{listing}"#
    )
}

fn podfile(kind: &str) -> String {
    let frameworks = if kind == "swift" { "use_frameworks!\n\n" } else { "" };
    format!(
        "# The AWS Mobile SDK components the generated client needs.\nplatform :ios, '9.0'\n{frameworks}target '<YourXcodeTarget>' do\n    pod 'AWSAPIGateway', '~> 2.4'\nend\n"
    )
}

// ---------------------------------------------------------------------------------------------
// Objective-C

fn objc_type(property: &Property, prefix: &str) -> String {
    match property {
        Property::String => "NSString *".into(),
        Property::Number | Property::Boolean => "NSNumber *".into(),
        Property::Array(Some(m)) => format!("NSArray<{prefix}{m} *> *"),
        Property::Array(None) => "NSArray *".into(),
        Property::Model(m) => format!("{prefix}{m} *"),
        Property::Object => "NSDictionary *".into(),
    }
}

fn objc_model(class: &ModelClass, prefix: &str) -> (String, String) {
    let name = format!("{prefix}{}", class.name);
    let mut imports = String::new();
    let mut properties = String::new();
    let mut keys = String::new();
    let mut transformers = String::new();
    for (json, property) in &class.properties {
        let ident = identifier(json);
        if let Property::Model(m) | Property::Array(Some(m)) = property
            && *m != class.name
        {
            let import = format!("@class {prefix}{m};\n");
            if !imports.contains(&import) {
                imports.push_str(&import);
            }
        }
        properties.push_str(&format!(
            "\n/** `{}` */\n@property (nonatomic, strong, nullable) {}{ident};\n",
            escape(json).replace("*/", "*\\/"),
            objc_type(property, prefix)
        ));
        keys.push_str(&format!("             @\"{ident}\": @\"{}\",\n", escape(json)));
        match property {
            Property::Model(m) => transformers.push_str(&format!(
                "\n+ (NSValueTransformer *){ident}JSONTransformer {{\n    return [NSValueTransformer awsmtl_JSONDictionaryTransformerWithModelClass:[{prefix}{m} class]];\n}}\n"
            )),
            Property::Array(Some(m)) => transformers.push_str(&format!(
                "\n+ (NSValueTransformer *){ident}JSONTransformer {{\n    return [NSValueTransformer awsmtl_JSONArrayTransformerWithModelClass:[{prefix}{m} class]];\n}}\n"
            )),
            _ => {}
        }
    }
    let header = format!(
        "#import <Foundation/Foundation.h>\n#import <AWSCore/AWSCore.h>\n\n{imports}\nNS_ASSUME_NONNULL_BEGIN\n\n/** The `{model}` model of the API. */\n@interface {name} : AWSModel\n{properties}\n@end\n\nNS_ASSUME_NONNULL_END\n",
        model = class.name,
    );
    let mut model_imports = String::new();
    for line in imports.lines() {
        if let Some(other) = line.strip_prefix("@class ").and_then(|l| l.strip_suffix(';')) {
            model_imports.push_str(&format!("#import \"{other}.h\"\n"));
        }
    }
    let source = format!(
        "#import \"{name}.h\"\n{model_imports}\n@implementation {name}\n\n+ (NSDictionary *)JSONKeyPathsByPropertyKey {{\n    return @{{\n{keys}             }};\n}}\n{transformers}\n@end\n"
    );
    (header, source)
}

fn objc_client(
    snapshot: &DeploymentSnapshot,
    classes: &[ModelClass],
    prefix: &str,
    class: &str,
    invoke_url: &str,
    region: &str,
) -> (String, String) {
    let mut declarations = String::new();
    let mut definitions = String::new();
    for op in operations(snapshot) {
        let shapes = shapes(&op, snapshot, classes, prefix);
        let mut args: Vec<(String, String, String, bool)> = params(&op)
            .iter()
            .map(|p| (p.ident.clone(), "NSString *".to_string(), p.ident.clone(), p.required))
            .collect();
        if let Some(body) = &shapes.body {
            args.push(("body".into(), format!("{body} *"), "body".into(), true));
        }
        let mut selector = method_name(&op);
        for (i, (label, ty, ident, required)) in args.iter().enumerate() {
            let nullable = if *required { "" } else { "nullable " };
            if i == 0 {
                selector.push_str(&format!(":({nullable}{ty}){ident}"));
            } else {
                selector.push_str(&format!(" {label}:({nullable}{ty}){ident}"));
            }
        }
        let mut doc = format!("/**\n {}\n", summary(&op));
        for p in params(&op) {
            doc.push_str(&format!(
                "\n @param {} {} parameter `{}`{}",
                p.ident,
                p.location,
                p.wire,
                if p.required { ", required" } else { "" }
            ));
        }
        if let Some(body) = &shapes.body {
            doc.push_str(&format!("\n @param body the request body, a {body}"));
        }
        doc.push_str(&format!(
            "\n\n @return An AWSTask whose result is {}.\n */\n",
            shapes
                .response
                .as_deref()
                .map(|r| format!("a {r}"))
                .unwrap_or_else(|| "the answer's JSON".into())
        ));
        declarations.push_str(&format!("\n{doc}- (AWSTask *){selector};\n"));

        let mut body = String::new();
        for (_, _, ident, required) in &args {
            if *required {
                body.push_str(&format!(
                    r#"    if ({ident} == nil) {{
        return [AWSTask taskWithError:[NSError errorWithDomain:AWSAPIGatewayErrorDomain
                                                         code:AWSAPIGatewayErrorTypeClient
                                                     userInfo:@{{NSLocalizedDescriptionKey: @"Missing required parameter: {ident}"}}]];
    }}
"#
                ));
            }
        }
        body.push_str("    NSMutableDictionary *headerParameters = [@{@\"Content-Type\": @\"application/json\",\n                                               @\"Accept\": @\"application/json\"} mutableCopy];\n    NSMutableDictionary *queryParameters = [NSMutableDictionary new];\n    NSMutableDictionary *pathParameters = [NSMutableDictionary new];\n");
        for p in params(&op) {
            let (dict, key) = match p.location {
                "path" => ("pathParameters", path_key(&p.wire, &op.path)),
                "query" => ("queryParameters", p.wire.clone()),
                _ => ("headerParameters", p.wire.clone()),
            };
            if p.required {
                body.push_str(&format!("    {dict}[@\"{}\"] = {};\n", escape(&key), p.ident));
            } else {
                body.push_str(&format!(
                    "    if ({ident} != nil) {{\n        {dict}[@\"{key}\"] = {ident};\n    }}\n",
                    ident = p.ident,
                    key = escape(&key)
                ));
            }
        }
        // ANY stands for every method; the client calls it as GET.
        let verb = if op.verb == "ANY" { "GET" } else { op.verb.as_str() };
        body.push_str(&format!(
            r#"
    return [self invokeHTTPRequest:@"{verb}"
                         URLString:@"{path}"
                    pathParameters:pathParameters
                   queryParameters:queryParameters
                  headerParameters:headerParameters
                              body:{body_arg}
                     responseClass:{response}];
"#,
            path = escape(&op.path),
            body_arg = if shapes.body.is_some() { "body" } else { "nil" },
            response = shapes
                .response
                .as_deref()
                .map(|r| format!("[{r} class]"))
                .unwrap_or_else(|| "nil".into()),
        ));
        definitions.push_str(&format!("\n- (AWSTask *){selector} {{\n{body}}}\n"));
    }
    let mut imports = String::new();
    for c in classes {
        imports.push_str(&format!("#import \"{prefix}{}.h\"\n", c.name));
    }
    let header = format!(
        r#"/*
 A client of the REST API {api} ({api_id}), stage {stage}, generated by Portico.
 */

#import <Foundation/Foundation.h>
#import <AWSAPIGateway/AWSAPIGateway.h>

{imports}
NS_ASSUME_NONNULL_BEGIN

/**
 The client of the stage: one method per API method.
 */
@interface {class} : AWSAPIGatewayClient

/**
 The client of the default service configuration
 (`[AWSServiceManager defaultServiceManager].defaultServiceConfiguration`, else no credentials).
 */
+ (instancetype)defaultClient;

/**
 Registers a client of `configuration` under `key`, for `clientForKey:`.
 */
+ (void)registerClientWithConfiguration:(AWSServiceConfiguration *)configuration forKey:(NSString *)key;

/**
 The client registered under `key`, or nil.
 */
+ (nullable instancetype)clientForKey:(NSString *)key;

/**
 Forgets the client registered under `key`.
 */
+ (void)removeClientForKey:(NSString *)key;
{declarations}
@end

NS_ASSUME_NONNULL_END
"#,
        api = snapshot.api.name.clone().unwrap_or_default().replace("*/", "*\\/"),
        api_id = snapshot.api.id.clone().unwrap_or_default(),
        stage = invoke_url.rsplit('/').next().unwrap_or_default(),
    );
    let source = format!(
        r#"#import "{class}.h"
#import <AWSCore/AWSCore.h>
#import <AWSCore/AWSSignature.h>
#import <AWSCore/AWSSynchronizedMutableDictionary.h>

// What AWSAPIGatewayClient keeps to itself and generated clients use.
@interface AWSAPIGatewayClient ()

- (AWSTask *)invokeHTTPRequest:(NSString *)HTTPMethod
                     URLString:(NSString *)URLString
                pathParameters:(NSDictionary *)pathParameters
               queryParameters:(NSDictionary *)queryParameters
              headerParameters:(NSDictionary *)headerParameters
                          body:(id)body
                 responseClass:(Class)responseClass;

@end

@interface AWSServiceConfiguration ()

@property (nonatomic, strong) AWSEndpoint *endpoint;

@end

@interface {class} ()

// The client's own configuration (AWSAPIGatewayClient's is read-only).
@property (nonatomic, strong) AWSServiceConfiguration *configuration;

- (instancetype)initWithConfiguration:(AWSServiceConfiguration *)configuration;

@end

/// The stage's URL on Portico's default port.
static NSString *const {class}InvokeURL = @"{url}";
/// The stage's region, for a client made without a service configuration.
static NSString *const {class}Region = @"{region}";

@implementation {class}

@synthesize configuration = _configuration;

+ (AWSSynchronizedMutableDictionary *)serviceClients {{
    static AWSSynchronizedMutableDictionary *clients = nil;
    static dispatch_once_t onceToken;
    dispatch_once(&onceToken, ^{{
        clients = [AWSSynchronizedMutableDictionary new];
    }});
    return clients;
}}

+ (instancetype)defaultClient {{
    static {class} *defaultClient = nil;
    static dispatch_once_t onceToken;
    dispatch_once(&onceToken, ^{{
        AWSServiceConfiguration *configuration = [AWSServiceManager defaultServiceManager].defaultServiceConfiguration;
        if (!configuration) {{
            configuration = [[AWSServiceConfiguration alloc] initWithRegion:[{class}Region aws_regionTypeValue]
                                                        credentialsProvider:nil];
        }}
        defaultClient = [[{class} alloc] initWithConfiguration:configuration];
    }});
    return defaultClient;
}}

+ (void)registerClientWithConfiguration:(AWSServiceConfiguration *)configuration forKey:(NSString *)key {{
    [[self serviceClients] setObject:[[{class} alloc] initWithConfiguration:configuration] forKey:key];
}}

+ (instancetype)clientForKey:(NSString *)key {{
    return [[self serviceClients] objectForKey:key];
}}

+ (void)removeClientForKey:(NSString *)key {{
    [[self serviceClients] removeObjectForKey:key];
}}

- (instancetype)init {{
    @throw [NSException exceptionWithName:NSInternalInconsistencyException
                                   reason:@"`- init` is not a valid initializer. Use `+ defaultClient` or `+ clientForKey:` instead."
                                 userInfo:nil];
    return nil;
}}

- (instancetype)initWithConfiguration:(AWSServiceConfiguration *)configuration {{
    if (self = [super init]) {{
        _configuration = [configuration copy];
        NSString *URLString = {class}InvokeURL;
        if ([URLString hasSuffix:@"/"]) {{
            URLString = [URLString substringToIndex:[URLString length] - 1];
        }}
        self.configuration.endpoint = [[AWSEndpoint alloc] initWithRegion:self.configuration.regionType
                                                                  service:AWSServiceAPIGateway
                                                                      URL:[NSURL URLWithString:URLString]];
        AWSSignatureV4Signer *signer = [[AWSSignatureV4Signer alloc] initWithCredentialsProvider:self.configuration.credentialsProvider
                                                                                        endpoint:self.configuration.endpoint];
        self.configuration.baseURL = self.configuration.endpoint.URL;
        self.configuration.requestInterceptors = @[[AWSNetworkingRequestInterceptor new], signer];
    }}
    return self;
}}
{definitions}
@end
"#,
        url = escape(invoke_url),
    );
    (header, source)
}

// ---------------------------------------------------------------------------------------------
// Swift

fn swift_type(property: &Property, prefix: &str) -> String {
    match property {
        Property::String => "String".into(),
        Property::Number | Property::Boolean => "NSNumber".into(),
        Property::Array(Some(m)) => format!("[{prefix}{m}]"),
        Property::Array(None) => "[Any]".into(),
        Property::Model(m) => format!("{prefix}{m}"),
        Property::Object => "[String: Any]".into(),
    }
}

fn swift_model(class: &ModelClass, prefix: &str) -> String {
    let name = format!("{prefix}{}", class.name);
    let mut properties = String::new();
    let mut keys = String::new();
    let mut transformers = String::new();
    for (json, property) in &class.properties {
        let ident = identifier(json);
        properties.push_str(&format!(
            "    /// `{}`\n    public var {ident}: {}?\n",
            json.replace('\n', " "),
            swift_type(property, prefix)
        ));
        keys.push_str(&format!("        params[\"{ident}\"] = \"{}\"\n", escape(json)));
        match property {
            Property::Model(m) => transformers.push_str(&format!(
                "\n    public class func {ident}JSONTransformer() -> ValueTransformer {{\n        return ValueTransformer.awsmtl_JSONDictionaryTransformer(withModelClass: {prefix}{m}.self)\n    }}\n"
            )),
            Property::Array(Some(m)) => transformers.push_str(&format!(
                "\n    public class func {ident}JSONTransformer() -> ValueTransformer {{\n        return ValueTransformer.awsmtl_JSONArrayTransformer(withModelClass: {prefix}{m}.self)\n    }}\n"
            )),
            _ => {}
        }
    }
    format!(
        r#"import Foundation
import AWSCore

/// The `{model}` model of the API.
@objcMembers
public class {name}: AWSModel {{
{properties}
    public override static func jsonKeyPathsByPropertyKey() -> [AnyHashable: Any]! {{
        {binding} params: [AnyHashable: Any] = [:]
{keys}        return params
    }}
{transformers}}}
"#,
        model = class.name,
        binding = if class.properties.is_empty() { "let" } else { "var" },
    )
}

fn swift_client(
    snapshot: &DeploymentSnapshot,
    classes: &[ModelClass],
    prefix: &str,
    class: &str,
    invoke_url: &str,
    region: &str,
) -> String {
    let mut methods = String::new();
    for op in operations(snapshot) {
        let shapes = shapes(&op, snapshot, classes, prefix);
        let ps = params(&op);
        let mut args: Vec<String> = ps
            .iter()
            .map(|p| format!("{}: String{}", p.ident, if p.required { "" } else { "?" }))
            .collect();
        if let Some(body) = &shapes.body {
            args.push(format!("body: {body}"));
        }
        let mut doc = format!("    /// {}\n", summary(&op));
        for p in &ps {
            doc.push_str(&format!(
                "    /// - Parameter {}: {} parameter `{}`{}\n",
                p.ident,
                p.location,
                p.wire,
                if p.required { ", required" } else { "" }
            ));
        }
        doc.push_str(&format!(
            "    /// - Returns: a task whose result is {}\n",
            shapes
                .response
                .as_deref()
                .map(|r| format!("a `{r}`"))
                .unwrap_or_else(|| "the answer's JSON".into())
        ));
        let binding = |location: &str| {
            if ps.iter().any(|p| p.location == location) {
                "var"
            } else {
                "let"
            }
        };
        let mut body = format!(
            "        {} headerParameters: [String: Any] = [\"Content-Type\": \"application/json\", \"Accept\": \"application/json\"]\n        {} queryParameters: [String: Any] = [:]\n        {} pathParameters: [String: Any] = [:]\n",
            binding("header"),
            binding("query"),
            binding("path"),
        );
        for p in &ps {
            let (dict, key) = match p.location {
                "path" => ("pathParameters", path_key(&p.wire, &op.path)),
                "query" => ("queryParameters", p.wire.clone()),
                _ => ("headerParameters", p.wire.clone()),
            };
            body.push_str(&format!("        {dict}[\"{}\"] = {}\n", escape(&key), p.ident));
        }
        let verb = if op.verb == "ANY" { "GET" } else { op.verb.as_str() };
        body.push_str(&format!(
            "\n        return self.invokeHTTPRequest(\"{verb}\", urlString: \"{path}\", pathParameters: pathParameters, queryParameters: queryParameters, headerParameters: headerParameters, body: {body_arg}, responseClass: {response})\n",
            path = escape(&op.path),
            body_arg = if shapes.body.is_some() { "body" } else { "nil" },
            response = shapes
                .response
                .as_deref()
                .map(|r| format!("{r}.self"))
                .unwrap_or_else(|| "nil".into()),
        ));
        methods.push_str(&format!(
            "\n{doc}    public func {name}({args}) -> AWSTask<AnyObject> {{\n{body}    }}\n",
            name = method_name(&op),
            args = args.join(", "),
        ));
    }
    format!(
        r#"/*
 A client of the REST API {api} ({api_id}), stage {stage}, generated by Portico.
 */

import AWSCore
import AWSAPIGateway

/// The client of the stage: one method per API method.
public class {class}: AWSAPIGatewayClient {{

    /// The stage's URL on Portico's default port.
    static let invokeURL = "{url}"
    /// The stage's region, for a client made without a service configuration.
    static let region = "{region}"

    private static let serviceClients = AWSSynchronizedMutableDictionary()

    private static let sharedClient: {class} = {{
        let fallback: AWSServiceConfiguration? = AWSServiceConfiguration(region: (region as NSString).aws_regionTypeValue(), credentialsProvider: nil)
        let configuration = AWSServiceManager.default().defaultServiceConfiguration ?? fallback!
        return {class}(configuration: configuration)
    }}()

    /// The client's own configuration (AWSAPIGatewayClient's is read-only).
    private var serviceConfiguration: AWSServiceConfiguration!

    override public var configuration: AWSServiceConfiguration! {{
        get {{ return serviceConfiguration }}
        set {{ serviceConfiguration = newValue }}
    }}

    /// The client of the default service configuration (else one without credentials).
    public class func `default`() -> {class} {{
        return sharedClient
    }}

    /// The same as `default()`.
    public class func defaultClient() -> {class} {{
        return sharedClient
    }}

    /// Registers a client of `configuration` under `key`, for `client(forKey:)`.
    public class func registerClient(withConfiguration configuration: AWSServiceConfiguration, forKey key: String) {{
        serviceClients.setObject({class}(configuration: configuration), forKey: key as NSString)
    }}

    /// The client registered under `key`, or nil.
    public class func client(forKey key: String) -> {class}? {{
        return serviceClients.object(forKey: key) as? {class}
    }}

    /// Forgets the client registered under `key`.
    public class func removeClient(forKey key: String) {{
        serviceClients.removeObject(forKey: key)
    }}

    init(configuration: AWSServiceConfiguration) {{
        super.init()
        self.configuration = configuration.copy() as! AWSServiceConfiguration
        var urlString = {class}.invokeURL
        if urlString.hasSuffix("/") {{
            urlString = String(urlString.dropLast())
        }}
        self.configuration.endpoint = AWSEndpoint(region: self.configuration.regionType, service: .APIGateway, url: URL(string: urlString))
        let signer = AWSSignatureV4Signer(credentialsProvider: self.configuration.credentialsProvider, endpoint: self.configuration.endpoint)
        if let endpoint = self.configuration.endpoint {{
            self.configuration.baseURL = endpoint.url
        }}
        self.configuration.requestInterceptors = [AWSNetworkingRequestInterceptor(), signer]
    }}
{methods}}}
"#,
        api = snapshot.api.name.clone().unwrap_or_default().replace("*/", "*\\/"),
        api_id = snapshot.api.id.clone().unwrap_or_default(),
        stage = invoke_url.rsplit('/').next().unwrap_or_default(),
        url = escape(invoke_url),
    )
}

const BRIDGING_HEADER: &str = r#"// Set this file as the target's Objective-C Bridging Header: it opens the AWS Mobile SDK to
// Swift, with what AWSAPIGatewayClient keeps to itself and the generated client uses.

#import <AWSCore/AWSCore.h>
#import <AWSCore/AWSSignature.h>
#import <AWSCore/AWSSynchronizedMutableDictionary.h>
#import <AWSAPIGateway/AWSAPIGateway.h>

@interface AWSAPIGatewayClient ()

- (AWSTask *)invokeHTTPRequest:(NSString *)HTTPMethod
                     URLString:(NSString *)URLString
                pathParameters:(NSDictionary *)pathParameters
               queryParameters:(NSDictionary *)queryParameters
              headerParameters:(NSDictionary *)headerParameters
                          body:(id)body
                 responseClass:(Class)responseClass;

@end

@interface AWSServiceConfiguration ()

@property (nonatomic, strong) AWSEndpoint *endpoint;

@end
"#;

/// The files of an `objectivec` or `swift` SDK: (path in the archive, content).
pub fn generate(
    kind: &str,
    snapshot: &DeploymentSnapshot,
    api_id: &str,
    stage: &str,
    region: &str,
    prefix: &str,
) -> Vec<(String, String)> {
    let api_name = snapshot.api.name.clone().unwrap_or_default();
    let invoke_url = format!("http://{api_id}.execute-api.localhost:4566/{stage}");
    let classes = model_classes(snapshot);
    let class = client_class(prefix, &api_name);
    let root = if kind == "swift" {
        "aws-apigateway-ios-swift"
    } else {
        "aws-apigateway-ios-objectivec"
    };
    let src = format!("{root}/generated-src");
    let mut listing = String::new();
    for op in operations(snapshot) {
        listing.push_str(&format!("- `{}`: `{} {}`\n", method_name(&op), op.verb, op.path));
    }
    let mut files = vec![
        (
            format!("{root}/README.md"),
            readme(kind, &class, &api_name, api_id, stage, &listing),
        ),
        (format!("{root}/Podfile"), podfile(kind)),
    ];
    if kind == "swift" {
        files.push((
            format!("{src}/{class}.swift"),
            swift_client(snapshot, &classes, prefix, &class, &invoke_url, region),
        ));
        for c in &classes {
            files.push((format!("{src}/{prefix}{}.swift", c.name), swift_model(c, prefix)));
        }
        files.push((format!("{src}/Bridging_Header.h"), BRIDGING_HEADER.to_string()));
    } else {
        let (h, m) = objc_client(snapshot, &classes, prefix, &class, &invoke_url, region);
        files.push((format!("{src}/{class}.h"), h));
        files.push((format!("{src}/{class}.m"), m));
        for c in &classes {
            let (h, m) = objc_model(c, prefix);
            files.push((format!("{src}/{prefix}{}.h", c.name), h));
            files.push((format!("{src}/{prefix}{}.m", c.name), m));
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_wire::apigateway::{Method, MethodResponse, Model, Resource, RestApi};

    fn snapshot() -> DeploymentSnapshot {
        let mut params = BTreeMap::new();
        params.insert("method.request.querystring.type".to_string(), false);
        params.insert("method.request.header.X-Trace".to_string(), true);
        let mut responses = BTreeMap::new();
        responses.insert(
            "200".to_string(),
            MethodResponse {
                status_code: Some("200".into()),
                response_models: Some([("application/json".to_string(), "Pet".to_string())].into()),
                ..Default::default()
            },
        );
        let get = Method {
            http_method: Some("GET".into()),
            authorization_type: Some("NONE".into()),
            request_parameters: Some(params),
            method_responses: Some(responses),
            ..Default::default()
        };
        let post = Method {
            http_method: Some("POST".into()),
            authorization_type: Some("AWS_IAM".into()),
            request_models: Some([("application/json".to_string(), "Pet".to_string())].into()),
            ..Default::default()
        };
        DeploymentSnapshot {
            api: RestApi {
                id: Some("abc123".into()),
                name: Some("pet store".into()),
                ..Default::default()
            },
            resources: vec![
                Resource {
                    path: Some("/pets/{petId}".into()),
                    resource_methods: Some([("GET".to_string(), get)].into()),
                    ..Default::default()
                },
                Resource {
                    path: Some("/pets".into()),
                    resource_methods: Some([("POST".to_string(), post)].into()),
                    ..Default::default()
                },
            ],
            models: vec![
                Model {
                    name: Some("Pet".into()),
                    schema: Some(
                        r#"{"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "owner": {"$ref": "https://apigateway.amazonaws.com/restapis/abc123/models/Owner"}}}"#.into(),
                    ),
                    ..Default::default()
                },
                Model {
                    name: Some("Owner".into()),
                    schema: Some(r#"{"type": "object", "properties": {"name": {"type": "string"}}}"#.into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn objective_c_client_and_models() {
        let files = generate("objectivec", &snapshot(), "abc123", "dev", "us-east-1", "PET");
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"aws-apigateway-ios-objectivec/generated-src/PETPetStoreClient.h"));
        assert!(names.contains(&"aws-apigateway-ios-objectivec/generated-src/PETOwner.m"));
        let header = &files
            .iter()
            .find(|(n, _)| n.ends_with("PETPetStoreClient.h"))
            .unwrap()
            .1;
        assert!(header.contains("@interface PETPetStoreClient : AWSAPIGatewayClient"));
        assert!(
            header.contains(
                "- (AWSTask *)petsPetIdGet:(NSString *)petId type:(nullable NSString *)type xTrace:(NSString *)xTrace;"
            ),
            "{header}"
        );
        assert!(header.contains("- (AWSTask *)petsPost:(PETPet *)body;"));
        let source = &files
            .iter()
            .find(|(n, _)| n.ends_with("PETPetStoreClient.m"))
            .unwrap()
            .1;
        assert!(source.contains("responseClass:[PETPet class]"));
        assert!(source.contains("Missing required parameter: xTrace"));
        let pet = &files.iter().find(|(n, _)| n.ends_with("PETPet.m")).unwrap().1;
        assert!(pet.contains("@\"id_\": @\"id\""), "{pet}");
        assert!(pet.contains("awsmtl_JSONDictionaryTransformerWithModelClass:[PETOwner class]"));
    }

    #[test]
    fn swift_client_and_models() {
        let files = generate("swift", &snapshot(), "abc123", "dev", "us-east-1", "PET");
        let client = &files
            .iter()
            .find(|(n, _)| n.ends_with("PETPetStoreClient.swift"))
            .unwrap()
            .1;
        assert!(client.contains("public class PETPetStoreClient: AWSAPIGatewayClient"));
        assert!(
            client.contains(
                "public func petsPetIdGet(petId: String, type: String?, xTrace: String) -> AWSTask<AnyObject>"
            ),
            "{client}"
        );
        assert!(client.contains("public func petsPost(body: PETPet) -> AWSTask<AnyObject>"));
        assert!(
            files
                .iter()
                .any(|(n, _)| n.ends_with("generated-src/Bridging_Header.h"))
        );
        let pet = &files.iter().find(|(n, _)| n.ends_with("PETPet.swift")).unwrap().1;
        assert!(pet.contains("public var owner: PETOwner?"));
        assert_eq!(
            prefix(&[("classPrefix".to_string(), "9X".to_string())].into())
                .unwrap_err()
                .status,
            400
        );
    }
}
