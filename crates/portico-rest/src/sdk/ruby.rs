//! The Ruby SDK: a gem laid out as AWS's Ruby generator lays out an API Gateway SDK
//! (`{gem}/{gem}.gemspec`, `README.md`, `lib/{gem}.rb` and `lib/{gem}/` with `client.rb`,
//! `client_api.rb`, `types.rb`, `errors.rb`, `resource.rb`, `customizations.rb`,
//! `plugins/apig_endpoint.rb`, `plugins/authorizer.rb`), the module named by `service.name`,
//! one snake_case method per API method as AWS names them (`GET /` → `get_api_root`,
//! `GET /pets/{petId}` → `get_pets_pet_id`), parameters by snake_case name, the body as the
//! request model's member (`client.post_pets(pet: {...})`) and a model class per model.
//!
//! AWS's gem runs on `aws-sdk-core`; this one runs on the standard library (`Net::HTTP`,
//! `json`), with `aws-sigv4` required only when an AWS_IAM method is called.

use super::param;
use super::{ModelClass, Operation, Property, element, model_classes, operations};
use crate::kinds::DeploymentSnapshot;
use portico_wire::AwsError;
use std::collections::BTreeMap;

/// What the gem is called, from the GetSdk parameters.
#[derive(Debug)]
pub struct Settings {
    pub module: String,
    pub gem: String,
    pub version: String,
}

/// The settings of a `ruby` SDK; `service.name` is checked present already.
pub fn settings(parameters: &BTreeMap<String, String>) -> Result<Settings, AwsError> {
    let service = param(parameters, &["service.name", "serviceName"]).unwrap_or_default();
    // AWS: "The name must be all letters (a-zA-Z), without any other special characters or numbers."
    if !service.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(AwsError::bad_request(format!(
            "Invalid service.name '{service}': it must be all letters (a-zA-Z)"
        )));
    }
    let gem = param(parameters, &["ruby.gem-name", "rubyGemName"])
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}-sdk", service.to_ascii_lowercase()));
    if gem.is_empty()
        || !gem.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !gem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(AwsError::bad_request(format!(
            "Invalid ruby.gem-name '{gem}': letters, digits, '-', '_' and '.' only"
        )));
    }
    let version = param(parameters, &["ruby.gem-version", "rubyGemVersion"]).unwrap_or("1.0.0");
    let valid_version = version
        .split('.')
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && version.starts_with(|c: char| c.is_ascii_digit());
    if !valid_version {
        return Err(AwsError::bad_request(format!(
            "Invalid ruby.gem-version '{version}': a gem version such as 1.0.0"
        )));
    }
    let mut module = service.to_string();
    if let Some(first) = module.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    Ok(Settings {
        module,
        gem,
        version: version.to_string(),
    })
}

/// The Ruby SDK's snake case (as `Seahorse::Util.underscore`): `GetABOp` → `get_ab_op`,
/// `petId` → `pet_id`, `X-Trace` → `x_trace`.
pub fn underscore(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let mut collapsed = String::new();
    for c in out.chars() {
        if c == '_' && (collapsed.is_empty() || collapsed.ends_with('_')) {
            continue;
        }
        collapsed.push(c);
    }
    let mut name = collapsed.trim_end_matches('_').to_string();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// AWS's Ruby operation name: the method, then the path's segments, `ApiRoot` for `/`.
pub fn operation_name(path: &str, verb: &str) -> String {
    let mut pascal = super::pascal(path);
    if pascal.is_empty() {
        pascal.push_str("ApiRoot");
    }
    underscore(&format!("{}{pascal}", super::pascal(&verb.to_ascii_lowercase())))
}

/// A Ruby string literal (single quoted: no interpolation).
fn rb(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn rb_opt(text: Option<&str>) -> String {
    text.map(rb).unwrap_or_else(|| "nil".into())
}

/// A model's class name as a Ruby constant.
fn constant(model: &str) -> String {
    let mut name = super::pascal(model);
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "Model");
    }
    name
}

/// Ruby's keywords and the methods a model or the client must keep.
const RESERVED: &[&str] = &[
    "alias",
    "and",
    "begin",
    "break",
    "case",
    "class",
    "def",
    "defined",
    "do",
    "else",
    "elsif",
    "end",
    "ensure",
    "false",
    "for",
    "if",
    "in",
    "module",
    "next",
    "nil",
    "not",
    "or",
    "redo",
    "rescue",
    "retry",
    "return",
    "self",
    "super",
    "then",
    "true",
    "undef",
    "unless",
    "until",
    "when",
    "while",
    "yield",
    "hash",
    "send",
    "object_id",
    "method",
    "methods",
    "freeze",
    "dup",
    "clone",
    "display",
    "to_h",
    "to_json",
    "to_s",
    "inspect",
    "initialize",
    "operation_names",
    "config",
];

fn member(name: &str) -> String {
    let name = underscore(name);
    if RESERVED.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

fn types_module(s: &Settings, classes: &[ModelClass]) -> String {
    let mut out = format!(
        "# frozen_string_literal: true\n\nmodule {module}\n  # The API's models: one class each, members by snake_case name (JSON names kept for the wire).\n  module Types\n",
        module = s.module
    );
    out.push_str(MODEL_BASE);
    for class in classes {
        out.push_str(&format!(
            "\n    # The {} model.\n    class {} < Model\n",
            class.name,
            constant(&class.name)
        ));
        for (json, property) in &class.properties {
            let kind = match property {
                Property::Model(m) => format!(", model: {}", rb(&constant(m))),
                Property::Array(Some(m)) => format!(", list_of: {}", rb(&constant(m))),
                _ => String::new(),
            };
            out.push_str(&format!("      member :{}, {}{kind}\n", member(json), rb(json)));
        }
        out.push_str("    end\n");
    }
    out.push_str("  end\nend\n");
    out
}

/// The base of the model classes (no generated text in it).
const MODEL_BASE: &str = r##"    # A model: members declared with `member`, built from and written to JSON.
    class Model
      def self.members
        @members ||= []
      end

      def self.member(name, json_name, model: nil, list_of: nil)
        members << { name: name, json: json_name, model: model, list_of: list_of }
        attr_accessor name
      end

      # The model from its JSON object (nested models included); other JSON as it is.
      def self.from_json(value)
        return value unless value.is_a?(Hash)
        model = new
        members.each do |m|
          next unless value.key?(m[:json])
          v = value[m[:json]]
          if m[:model]
            v = Types.const_get(m[:model]).from_json(v)
          elsif m[:list_of] && v.is_a?(Array)
            v = v.map { |item| Types.const_get(m[:list_of]).from_json(item) }
          end
          model.public_send("#{m[:name]}=", v)
        end
        model
      end

      def initialize(values = {})
        values.each do |name, value|
          unless self.class.members.any? { |m| m[:name] == name.to_sym }
            raise ArgumentError, "unexpected value at params[:#{name}]"
          end
          public_send("#{name}=", value)
        end
      end

      # The JSON object, members that are nil left out.
      def to_h
        self.class.members.each_with_object({}) do |m, out|
          v = public_send(m[:name])
          next if v.nil?
          out[m[:json]] = Model.json_value(v)
        end
      end

      def self.json_value(value)
        case value
        when Model then value.to_h
        when Array then value.map { |v| json_value(v) }
        when Hash then value.each_with_object({}) { |(k, v), out| out[k.to_s] = json_value(v) }
        else value
        end
      end

      def to_json(*args)
        to_h.to_json(*args)
      end

      def ==(other)
        other.class == self.class && other.to_h == to_h
      end
    end
"##;

fn client_api(
    s: &Settings,
    ops: &[(String, &Operation)],
    snapshot: &DeploymentSnapshot,
    classes: &[ModelClass],
) -> String {
    let mut out = format!(
        "# frozen_string_literal: true\n\nmodule {}\n  # @api private\n  # The API's methods: verb, path template, authorization, parameters by location.\n  module ClientApi\n    OPERATIONS = {{\n",
        s.module
    );
    for (name, op) in ops {
        let mut params = String::new();
        let mut push = |wire: &str, location: &str, required: bool| {
            params.push_str(&format!(
                "\n          {{ member: :{}, name: {}, location: :{location}, required: {required} }},",
                member(wire),
                rb(wire)
            ));
        };
        for p in &op.path_params {
            push(p, "uri", true);
        }
        for q in &op.query {
            push(q, "querystring", op.required.contains(q));
        }
        for h in &op.headers {
            push(h, "header", op.required.contains(h));
        }
        let body_model = op
            .request_model
            .as_deref()
            .filter(|m| *m != "Empty" && classes.iter().any(|c| c.name == *m));
        let body = body_model.map(member).unwrap_or_else(|| "body".into());
        let output = op
            .response_model
            .as_deref()
            .filter(|m| *m != "Empty")
            .and_then(|m| element(snapshot, classes, m));
        out.push_str(&format!(
            r#"      {name}: {{
        http_method: {verb},
        request_uri: {path},
        authorization: {auth},
        api_key_required: {api_key},
        token_header: {token},
        params: [{params}],
        body: :{body},
        body_model: {body_model},
        output_model: {output_model},
        output_list: {output_list},
      }},
"#,
            verb = rb(&op.verb),
            path = rb(&op.path),
            auth = rb(&op.authorization),
            api_key = op.api_key,
            token = rb_opt(op.token_header.as_deref()),
            body_model = rb_opt(body_model.map(constant).as_deref()),
            output_model = rb_opt(output.as_ref().map(|(m, _)| constant(m)).as_deref()),
            output_list = output.as_ref().is_some_and(|(_, list)| *list),
        ));
    }
    out.push_str("    }.freeze\n  end\nend\n");
    out = out.replace(",],\n", ",\n        ],\n");
    out
}

fn client_class(s: &Settings, ops: &[(String, &Operation)]) -> String {
    let mut methods = String::new();
    for (name, op) in ops {
        let mut doc = format!("    # `{} {}`", op.verb, op.path);
        if op.authorization != "NONE" {
            doc.push_str(&format!(", authorization {}", op.authorization));
        }
        if op.api_key {
            doc.push_str(", API key required");
        }
        doc.push('\n');
        for p in &op.path_params {
            doc.push_str(&format!(
                "    # @option params [required, String] :{} path `{p}`\n",
                member(p)
            ));
        }
        for q in &op.query {
            let required = if op.required.contains(q) { "required, " } else { "" };
            doc.push_str(&format!(
                "    # @option params [{required}String] :{} query string `{q}`\n",
                member(q)
            ));
        }
        for h in &op.headers {
            let required = if op.required.contains(h) { "required, " } else { "" };
            doc.push_str(&format!(
                "    # @option params [{required}String] :{} header `{h}`\n",
                member(h)
            ));
        }
        match op.request_model.as_deref().filter(|m| *m != "Empty") {
            Some(model) => doc.push_str(&format!(
                "    # @option params [Types::{}, Hash] :{} the body\n",
                constant(model),
                member(model)
            )),
            None => doc.push_str("    # @option params [Hash, String] :body the body\n"),
        }
        doc.push_str("    # @option params [String] :api_key sent as `x-api-key`\n    # @return [Response]\n");
        methods.push_str(&format!(
            "\n{doc}    def {name}(params = {{}}, options = {{}})\n      call_operation(:{name}, params, options)\n    end\n"
        ));
    }
    format!(
        r#"# frozen_string_literal: true

module {module}
  # A client of the stage: one method per API method.
  #
  #     client = {module}::Client.new(endpoint: '...', api_key: '...')
  #     puts client.operation_names
  class Client
{CLIENT_HEAD}{methods}{CLIENT_TAIL}  end
end
"#,
        module = s.module
    )
}

/// The client's constructor and what every operation method calls.
const CLIENT_HEAD: &str = r##"    # @option options [String] :endpoint the stage's URL (default: `Plugins::APIGEndpoint::DEFAULT_ENDPOINT`)
    # @option options [String] :api_key sent as `x-api-key` unless a call gives its own
    # @option options [String] :region for AWS_IAM methods (default: `ENV['AWS_REGION']`)
    # @option options :credentials anything answering `access_key_id`, `secret_access_key`
    #   and `session_token`; or `:access_key_id`, `:secret_access_key`, `:session_token`
    #   (default: `ENV['AWS_ACCESS_KEY_ID']`...)
    # @option options [Plugins::Authorizer, String, Proc] :authorizer the token of methods behind
    #   a CUSTOM or COGNITO_USER_POOLS authorizer
    # @option options [Integer] :retry_limit (3) retries of throttled, 5XX and failed connections
    # @option options [Float] :http_open_timeout (15)
    # @option options [Float] :http_read_timeout (60)
    # @option options [Boolean] :http_wire_trace (false) the HTTP exchange to `$stdout`
    def initialize(options = {})
      @config = {
        endpoint: Plugins::APIGEndpoint::DEFAULT_ENDPOINT,
        retry_limit: 3,
        http_open_timeout: 15,
        http_read_timeout: 60,
        http_wire_trace: false,
        region: ENV['AWS_REGION'] || ENV['AWS_DEFAULT_REGION'] || Plugins::APIGEndpoint::DEFAULT_REGION,
        authorizer: Plugins::Authorizer.new
      }.merge(options)
      @endpoint = URI(@config[:endpoint].to_s.sub(%r{/+\z}, ''))
    end

    attr_reader :config

    # The names of the operation methods.
    def operation_names
      ClientApi::OPERATIONS.keys
    end
"##;

const CLIENT_TAIL: &str = r##"
    private

    def call_operation(name, params, options)
      op = ClientApi::OPERATIONS.fetch(name)
      params = (params || {}).each_with_object({}) { |(k, v), out| out[k.to_sym] = v }
      known = op[:params].map { |p| p[:member] } + [op[:body], :body, :api_key]
      unknown = params.keys - known
      raise ArgumentError, "unexpected value at params[:#{unknown.first}]" unless unknown.empty?
      op[:params].each do |p|
        value = params[p[:member]]
        if p[:required] && (value.nil? || value.to_s.empty?)
          raise ArgumentError, "missing required parameter params[:#{p[:member]}]"
        end
      end
      path = op[:request_uri].gsub(/\{([^}]+?)(\+?)\}/) do
        wire = Regexp.last_match(1)
        greedy = Regexp.last_match(2) == '+'
        p = op[:params].find { |x| x[:name] == wire && x[:location] == :uri }
        value = params[p[:member]].to_s
        greedy ? value.split('/', -1).map { |s| escape(s) }.join('/') : escape(value)
      end
      query = op[:params].select { |p| p[:location] == :querystring && !params[p[:member]].nil? }
                         .flat_map { |p| Array(params[p[:member]]).map { |v| "#{escape(p[:name])}=#{escape(v.to_s)}" } }
      headers = { 'Accept' => 'application/json' }
      op[:params].each do |p|
        headers[p[:name]] = params[p[:member]].to_s if p[:location] == :header && !params[p[:member]].nil?
      end
      api_key = params[:api_key] || @config[:api_key]
      headers['x-api-key'] = api_key.to_s if api_key
      if op[:token_header] && (token = authorizer_token(name))
        headers[op[:token_header]] = token.to_s
      end
      body = params.key?(op[:body]) ? params[op[:body]] : params[:body]
      body = case body
             when nil then nil
             when String then body
             when Types::Model then body.to_json
             else JSON.generate(Types::Model.json_value(body))
             end
      headers['Content-Type'] = 'application/json' if body
      verb = options[:http_method] || (op[:http_method] == 'ANY' ? 'GET' : op[:http_method])
      uri = URI(@endpoint.to_s + path + (query.empty? ? '' : "?#{query.join('&')}"))
      headers = sign(verb, uri, headers, body) if op[:authorization] == 'AWS_IAM'
      send_request(name, op, verb, uri, headers, body)
    end

    def escape(text)
      URI.encode_www_form_component(text).gsub('+', '%20')
    end

    def authorizer_token(name)
      authorizer = @config[:authorizer]
      case authorizer
      when Proc then authorizer.call(name)
      when String then authorizer
      else authorizer.generate_token(name)
      end
    end

    # SigV4 for AWS_IAM methods, by the aws-sigv4 gem (loaded only here).
    def sign(verb, uri, headers, body)
      begin
        require 'aws-sigv4'
      rescue LoadError
        raise Errors::MissingCredentialsError, 'AWS_IAM methods are signed by the aws-sigv4 gem: gem install aws-sigv4'
      end
      creds = @config[:credentials]
      key = creds ? creds.access_key_id : (@config[:access_key_id] || ENV['AWS_ACCESS_KEY_ID'])
      secret = creds ? creds.secret_access_key : (@config[:secret_access_key] || ENV['AWS_SECRET_ACCESS_KEY'])
      token = creds ? creds.session_token : (@config[:session_token] || ENV['AWS_SESSION_TOKEN'])
      raise Errors::MissingCredentialsError, 'no AWS credentials for an AWS_IAM method' unless key && secret
      signer = Aws::Sigv4::Signer.new(service: 'execute-api', region: @config[:region],
                                      access_key_id: key, secret_access_key: secret, session_token: token)
      signature = signer.sign_request(http_method: verb, url: uri.to_s, headers: headers, body: body || '')
      headers.merge(signature.headers)
    end

    RETRIED = [429, 502, 503, 504].freeze

    def send_request(name, op, verb, uri, headers, body)
      attempt = 0
      loop do
        begin
          http = Net::HTTP.new(uri.host, uri.port)
          http.use_ssl = uri.scheme == 'https'
          http.open_timeout = @config[:http_open_timeout]
          http.read_timeout = @config[:http_read_timeout]
          http.set_debug_output($stdout) if @config[:http_wire_trace]
          request = Net::HTTPGenericRequest.new(verb, !body.nil?, verb != 'HEAD', uri.request_uri, headers)
          request.body = body if body
          answer = http.start { |h| h.request(request) }
        rescue SystemCallError, IOError, Net::OpenTimeout, Net::ReadTimeout
          raise if attempt >= @config[:retry_limit]
          attempt += 1
          sleep(0.3 * (2**(attempt - 1)))
          next
        end
        status = answer.code.to_i
        if RETRIED.include?(status) && attempt < @config[:retry_limit]
          attempt += 1
          sleep(0.3 * (2**(attempt - 1)))
          next
        end
        response = Response.new(name, op, status, answer.to_hash, answer.body.to_s)
        return response if status < 300
        raise Errors.error_for(response)
      end
    end
"##;

const RESPONSE: &str = r##"
  # What a call answered: status, headers, body, and `data`: the response model when the
  # method has one, else the JSON (or the text). Members of `data` answer on the response.
  class Response
    attr_reader :operation_name, :status_code, :headers, :body, :data

    def initialize(operation_name, op, status_code, headers, body)
      @operation_name = operation_name
      @status_code = status_code
      @headers = headers.each_with_object({}) { |(k, v), out| out[k.downcase] = v.join(', ') }
      @body = body
      @data = parse(op, body)
    end

    def successful?
      (200..299).cover?(status_code)
    end

    def to_h
      data.is_a?(Types::Model) ? data.to_h : data
    end

    def method_missing(name, *args, &block)
      data.is_a?(Types::Model) && data.respond_to?(name) ? data.public_send(name, *args, &block) : super
    end

    def respond_to_missing?(name, include_private = false)
      (data.is_a?(Types::Model) && data.respond_to?(name)) || super
    end

    private

    def parse(op, body)
      return nil if body.nil? || body.empty?
      json = begin
        JSON.parse(body)
      rescue JSON::ParserError
        return body
      end
      model = op[:output_model] && successful? ? Types.const_get(op[:output_model]) : nil
      return json unless model
      op[:output_list] && json.is_a?(Array) ? json.map { |item| model.from_json(item) } : model.from_json(json)
    end
  end
"##;

const ERRORS: &str = r##"
  # Errors the API answers: `ClientError` for 4XX, `ServerError` for 5XX, both `ServiceError`s
  # carrying the status, the error type API Gateway names (`x-amzn-ErrorType`) and the answer.
  module Errors
    class ServiceError < StandardError
      attr_reader :code, :response

      def initialize(response)
        @response = response
        @code = response.headers['x-amzn-errortype'].to_s.split(':').first
        data = response.data
        message = data.is_a?(Hash) ? (data['message'] || data['Message']) : nil
        super(message || response.body.to_s)
      end

      def status_code
        response.status_code
      end
    end

    class ClientError < ServiceError; end

    class ServerError < ServiceError; end

    # Raised when an AWS_IAM method is called without credentials (or without aws-sigv4).
    class MissingCredentialsError < RuntimeError; end

    def self.error_for(response)
      (response.status_code >= 500 ? ServerError : ClientError).new(response)
    end
  end
"##;

/// The files of the SDK: (path in the archive, content).
pub fn generate(
    snapshot: &DeploymentSnapshot,
    api_id: &str,
    stage: &str,
    region: &str,
    s: &Settings,
) -> Vec<(String, String)> {
    let api_name = snapshot.api.name.clone().unwrap_or_default();
    let endpoint = format!("http://{api_id}.execute-api.localhost:4566/{stage}");
    let classes = model_classes(snapshot);
    let all = operations(snapshot);
    let ops: Vec<(String, &Operation)> = all.iter().map(|op| (operation_name(&op.path, &op.verb), op)).collect();
    let iam = ops.iter().any(|(_, op)| op.authorization == "AWS_IAM");
    let (gem, module) = (&s.gem, &s.module);
    let lib = format!("{gem}/lib/{gem}");

    let entry = format!(
        r#"# frozen_string_literal: true

require 'json'
require 'net/http'
require 'uri'

require_relative '{gem}/types'
require_relative '{gem}/client_api'
require_relative '{gem}/plugins/apig_endpoint'
require_relative '{gem}/plugins/authorizer'
require_relative '{gem}/errors'
require_relative '{gem}/client'
require_relative '{gem}/resource'
require_relative '{gem}/customizations'

# A client of the REST API {name} ({api_id}), stage {stage}, generated by Portico.
#
#     client = {module}::Client.new
#     puts client.operation_names
module {module}
  GEM_VERSION = {version}
end
"#,
        name = rb(&api_name),
        version = rb(&s.version),
    );
    let gemspec = format!(
        r#"# frozen_string_literal: true

Gem::Specification.new do |spec|
  spec.name = {name}
  spec.version = {version}
  spec.summary = {summary}
  spec.description = {description}
  spec.authors = ['API Gateway SDK generator (Portico)']
  spec.license = 'Apache-2.0'
  spec.files = Dir['lib/**/*.rb'] + ['README.md']
  spec.require_paths = ['lib']
  spec.required_ruby_version = '>= 2.3'
{sigv4}end
"#,
        name = rb(gem),
        version = rb(&s.version),
        summary = rb(&format!("Client of the REST API {api_name}")),
        description = rb(&format!(
            "A client of the REST API {api_name} ({api_id}), stage {stage}, one method per API method."
        )),
        sigv4 = if iam {
            "  # AWS_IAM methods are signed with SigV4.\n  spec.add_dependency('aws-sigv4', '~> 1.0')\n"
        } else {
            ""
        },
    );
    let endpoint_plugin = format!(
        r#"# frozen_string_literal: true

module {module}
  module Plugins
    # Where the client goes when given no :endpoint: the stage's URL on Portico's default port.
    module APIGEndpoint
      DEFAULT_ENDPOINT = {endpoint}
      DEFAULT_REGION = {region}
    end
  end
end
"#,
        endpoint = rb(&endpoint),
        region = rb(region),
    );
    let authorizer = format!(
        r#"# frozen_string_literal: true

module {module}
  module Plugins
    # The token sent to methods behind a CUSTOM or COGNITO_USER_POOLS authorizer, in the
    # header the authorizer reads. Put your token logic in `generate_token`, or give the
    # client `authorizer:` (a String, a Proc taking the operation name, or an instance).
    class Authorizer
      # @param operation_name [Symbol]
      # @return [String, nil] the token, nil to send none
      def generate_token(_operation_name)
        nil
      end
    end
  end
end
"#
    );
    let resource = format!(
        r#"# frozen_string_literal: true

module {module}
  # The SDK's root resource: a client, made from the options given or handed in.
  class Resource
    # @option options [Client] :client
    def initialize(options = {{}})
      @client = options[:client] || Client.new(options)
    end

    # @return [Client]
    attr_reader :client
  end
end
"#
    );
    let errors = format!("# frozen_string_literal: true\n\nmodule {module}{ERRORS}end\n");
    let mut client = client_class(s, &ops);
    // The response class sits beside the client.
    client.truncate(client.len() - "end\n".len());
    client.push_str(RESPONSE);
    client.push_str("end\n");

    let mut listing = String::new();
    for (name, op) in &ops {
        listing.push_str(&format!("- `client.{name}(params)`: `{} {}`\n", op.verb, op.path));
    }
    let readme = format!(
        r#"# {module}

The `{gem}` gem, version {version}: a client of the REST API {api_name} ({api_id}),
stage {stage}, generated by Portico the way API Gateway generates Ruby SDKs.

## Install

```sh
cd {gem}
gem build {gem}.gemspec
gem install {gem}-{version}.gem
```

## API client

```ruby
require '{gem}'

client = {module}::Client.new(
  endpoint: '{endpoint}', # optional: the stage's URL
  retry_limit: 3,
  http_read_timeout: 60
)
puts client.operation_names
```

Each method takes its path, query string and header parameters by snake_case name, the body as
the request model's member (or `body:`), and answers a `{module}::Response` (`status_code`,
`headers`, `body`, `data`: the response model, or the JSON). Answers of 400 and over raise
`{module}::Errors::ClientError` or `ServerError`. See `lib/{gem}/client.rb` for each method.

{listing}
## API key

Give `api_key:` to the client, or with the parameters of a call: it is sent as `x-api-key`.

## Authorizer

Methods behind a CUSTOM or COGNITO_USER_POOLS authorizer send the token
`lib/{gem}/plugins/authorizer.rb`'s `generate_token` returns, or the client's `authorizer:` option.

## AWS credentials

AWS_IAM methods are signed with SigV4 by the `aws-sigv4` gem, with `credentials:` (or
`access_key_id:`, `secret_access_key:`, `session_token:`) and `region:`, else
`ENV['AWS_ACCESS_KEY_ID']`, `ENV['AWS_SECRET_ACCESS_KEY']`, `ENV['AWS_SESSION_TOKEN']` and
`ENV['AWS_REGION']`.
"#,
        version = s.version,
    );
    vec![
        (format!("{gem}/README.md"), readme),
        (format!("{gem}/{gem}.gemspec"), gemspec),
        (format!("{gem}/lib/{gem}.rb"), entry),
        (format!("{lib}/plugins/authorizer.rb"), authorizer),
        (format!("{lib}/plugins/apig_endpoint.rb"), endpoint_plugin),
        (
            format!("{lib}/customizations.rb"),
            "# frozen_string_literal: true\n\n# Your additions to the generated code go here.\n".to_string(),
        ),
        (format!("{lib}/types.rb"), types_module(s, &classes)),
        (format!("{lib}/client_api.rb"), client_api(s, &ops, snapshot, &classes)),
        (format!("{lib}/client.rb"), client),
        (format!("{lib}/resource.rb"), resource),
        (format!("{lib}/errors.rb"), errors),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws() {
        assert_eq!(operation_name("/", "GET"), "get_api_root");
        assert_eq!(operation_name("/", "POST"), "post_api_root");
        assert_eq!(operation_name("/{a}/{b}/{op}", "GET"), "get_ab_op");
        assert_eq!(operation_name("/pets", "GET"), "get_pets");
        assert_eq!(operation_name("/pets/{petId}", "GET"), "get_pets_pet_id");
        assert_eq!(underscore("X-Trace"), "x_trace");
        assert_eq!(underscore("petId"), "pet_id");
        assert_eq!(member("class"), "class_");
        assert_eq!(rb("it's \\"), r"'it\'s \\'");
    }

    #[test]
    fn settings_default_and_check() {
        let params = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let s = settings(&params(&[("service.name", "SimpleCalc")])).unwrap();
        assert_eq!(
            (s.module.as_str(), s.gem.as_str(), s.version.as_str()),
            ("SimpleCalc", "simplecalc-sdk", "1.0.0")
        );
        let s = settings(&params(&[
            ("service.name", "pet"),
            ("ruby.gem-name", "pets"),
            ("ruby.gem-version", "2.1.0"),
        ]))
        .unwrap();
        assert_eq!(
            (s.module.as_str(), s.gem.as_str(), s.version.as_str()),
            ("Pet", "pets", "2.1.0")
        );
        assert_eq!(settings(&params(&[("service.name", "Pet2")])).unwrap_err().status, 400);
        assert_eq!(
            settings(&params(&[("service.name", "Pet"), ("ruby.gem-version", "one")]))
                .unwrap_err()
                .status,
            400
        );
    }
}
