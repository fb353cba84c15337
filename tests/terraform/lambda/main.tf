# A Lambda function behind a REST API in Terraform against Portico: tests/terraform/lambda.sh
# zips the handler, applies this, checks that a second plan shows no drift, calls the method
# through execute-api, applies revision 2 (new code and environment) and destroys it all.
#
#   GET /hello  AWS_PROXY -> alias "live" of aws_lambda_function.hello (python3.12, app.handler),
#               which publishes a version per revision and reserves concurrency

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

resource "aws_api_gateway_deployment" "hello" {
  rest_api_id = aws_api_gateway_rest_api.hello.id

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.hello.id,
      aws_api_gateway_method.hello.id,
      aws_api_gateway_integration.hello.id,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.hello]
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
