# A Lambda function behind a REST API in Terraform against Portico: tests/terraform/lambda.sh
# zips the handler, applies this, checks that a second plan shows no drift, calls the method
# through execute-api, applies revision 2 (new code and environment) and destroys it all.
#
#   GET /hello  AWS_PROXY -> alias "live" of aws_lambda_function.hello (python3.12, app.handler),
#               which publishes a version per revision and reserves concurrency
#   GET /token    the same, behind a TOKEN authorizer (aws_lambda_function.auth, auth.token)
#   GET /request  the same, behind a REQUEST authorizer (auth.request: header and query string)
#   GET /users    the same, behind a COGNITO_USER_POOLS authorizer with an OAuth scope

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  description = "Portico's URL, e.g. http://127.0.0.1:4566"
  type        = string
}

variable "zip" {
  description = "Path of the function's zip (app.py), made by lambda.sh"
  type        = string
}

variable "revision" {
  description = "lambda.sh applies revision 1, then 2, to exercise in-place updates"
  type        = number
  default     = 1
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true

  endpoints {
    apigateway = var.endpoint
    lambda     = var.endpoint
  }
}

resource "aws_lambda_function" "hello" {
  function_name    = "tf-hello"
  filename         = var.zip
  source_code_hash = filebase64sha256(var.zip)
  handler          = "app.handler"
  runtime          = "python3.12"
  role             = "arn:aws:iam::000000000000:role/lambda-role"
  timeout          = 10
  publish          = true

  reserved_concurrent_executions = 2

  environment {
    variables = {
      REVISION = tostring(var.revision)
    }
  }

  tags = {
    env = "dev"
  }
}

# The method calls the alias, which follows each published version.
resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.hello.function_name
  function_version = aws_lambda_function.hello.version
}

resource "aws_api_gateway_rest_api" "hello" {
  name = "tf-hello"
}

resource "aws_api_gateway_resource" "hello" {
  rest_api_id = aws_api_gateway_rest_api.hello.id
  parent_id   = aws_api_gateway_rest_api.hello.root_resource_id
  path_part   = "hello"
}

resource "aws_api_gateway_method" "hello" {
  rest_api_id   = aws_api_gateway_rest_api.hello.id
  resource_id   = aws_api_gateway_resource.hello.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "hello" {
  rest_api_id             = aws_api_gateway_rest_api.hello.id
  resource_id             = aws_api_gateway_resource.hello.id
  http_method             = aws_api_gateway_method.hello.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_alias.live.invoke_arn
}

resource "aws_lambda_permission" "apigateway" {
  statement_id  = "AllowExecutionFromAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.hello.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.hello.execution_arn}/*/*"
}

# The authorizers' function: auth.token and auth.request in the same zip.
resource "aws_lambda_function" "auth" {
  function_name    = "tf-auth"
  filename         = var.zip
  source_code_hash = filebase64sha256(var.zip)
  handler          = "auth.token"
  runtime          = "python3.12"
  role             = "arn:aws:iam::000000000000:role/lambda-role"
}

resource "aws_lambda_function" "auth_request" {
  function_name    = "tf-auth-request"
  filename         = var.zip
  source_code_hash = filebase64sha256(var.zip)
  handler          = "auth.request"
  runtime          = "python3.12"
  role             = "arn:aws:iam::000000000000:role/lambda-role"
}

resource "aws_api_gateway_authorizer" "token" {
  name                             = "tf-token"
  rest_api_id                      = aws_api_gateway_rest_api.hello.id
  authorizer_uri                   = aws_lambda_function.auth.invoke_arn
  identity_source                  = "method.request.header.Authorization"
  identity_validation_expression   = "^(allow|deny)-.*$"
  authorizer_result_ttl_in_seconds = 60
}

resource "aws_api_gateway_authorizer" "request" {
  name                             = "tf-request"
  type                             = "REQUEST"
  rest_api_id                      = aws_api_gateway_rest_api.hello.id
  authorizer_uri                   = aws_lambda_function.auth_request.invoke_arn
  identity_source                  = "method.request.header.X-User,method.request.querystring.tenant"
  authorizer_result_ttl_in_seconds = 0
}

resource "aws_api_gateway_authorizer" "users" {
  name          = "tf-users"
  type          = "COGNITO_USER_POOLS"
  rest_api_id   = aws_api_gateway_rest_api.hello.id
  provider_arns = ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_tfpool"]
}

resource "aws_lambda_permission" "authorizers" {
  for_each      = { token = aws_lambda_function.auth.function_name, request = aws_lambda_function.auth_request.function_name }
  statement_id  = "AllowAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = each.value
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.hello.execution_arn}/authorizers/*"
}

locals {
  guarded = {
    token   = { authorization = "CUSTOM", authorizer_id = aws_api_gateway_authorizer.token.id, scopes = null }
    request = { authorization = "CUSTOM", authorizer_id = aws_api_gateway_authorizer.request.id, scopes = null }
    users   = { authorization = "COGNITO_USER_POOLS", authorizer_id = aws_api_gateway_authorizer.users.id, scopes = ["tf/read"] }
  }
}

resource "aws_api_gateway_resource" "guarded" {
  for_each    = local.guarded
  rest_api_id = aws_api_gateway_rest_api.hello.id
  parent_id   = aws_api_gateway_rest_api.hello.root_resource_id
  path_part   = each.key
}

resource "aws_api_gateway_method" "guarded" {
  for_each             = local.guarded
  rest_api_id          = aws_api_gateway_rest_api.hello.id
  resource_id          = aws_api_gateway_resource.guarded[each.key].id
  http_method          = "GET"
  authorization        = each.value.authorization
  authorizer_id        = each.value.authorizer_id
  authorization_scopes = each.value.scopes
}

resource "aws_api_gateway_integration" "guarded" {
  for_each                = local.guarded
  rest_api_id             = aws_api_gateway_rest_api.hello.id
  resource_id             = aws_api_gateway_resource.guarded[each.key].id
  http_method             = aws_api_gateway_method.guarded[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_alias.live.invoke_arn
}

resource "aws_api_gateway_deployment" "hello" {
  rest_api_id = aws_api_gateway_rest_api.hello.id

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.hello.id,
      aws_api_gateway_method.hello.id,
      aws_api_gateway_integration.hello.id,
      [for m in aws_api_gateway_method.guarded : m.id],
      [for i in aws_api_gateway_integration.guarded : i.id],
      aws_api_gateway_authorizer.token.id,
      aws_api_gateway_authorizer.request.id,
      aws_api_gateway_authorizer.users.id,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.hello, aws_api_gateway_integration.guarded]
}

resource "aws_api_gateway_stage" "dev" {
  rest_api_id   = aws_api_gateway_rest_api.hello.id
  deployment_id = aws_api_gateway_deployment.hello.id
  stage_name    = "dev"
}

output "api_id" {
  value = aws_api_gateway_rest_api.hello.id
}

output "stage_name" {
  value = aws_api_gateway_stage.dev.stage_name
}

output "function_arn" {
  value = aws_lambda_function.hello.arn
}

output "version" {
  value = aws_lambda_function.hello.version
}
