# A REST API in Terraform against Portico: tests/terraform/run.sh applies it, checks that a
# second plan shows no drift, calls both methods, applies revision 2 (updates in place and a
# redeployment), checks again and destroys it.
#
#   GET /pets          MOCK:       {"pets":[],"revision":N}
#   ANY /pets/{proxy+} HTTP_PROXY: http://${stageVariables.backend}/{proxy}

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

variable "revision" {
  description = "run.sh applies revision 1, then 2, to exercise in-place updates"
  type        = number
  default     = 1
}

variable "backend" {
  description = "host:port of the HTTP_PROXY backend, passed as a stage variable"
  type        = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true

  endpoints {
    apigateway   = var.endpoint
    apigatewayv2 = var.endpoint
    lambda       = var.endpoint
  }
}

resource "aws_api_gateway_rest_api" "pets" {
  name        = "pets"
  description = "Portico Terraform test"

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "pets" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  parent_id   = aws_api_gateway_rest_api.pets.root_resource_id
  path_part   = "pets"
}

resource "aws_api_gateway_resource" "pets_proxy" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  parent_id   = aws_api_gateway_resource.pets.id
  path_part   = "{proxy+}"
}

# GET /pets: MOCK

resource "aws_api_gateway_method" "list_pets" {
  rest_api_id   = aws_api_gateway_rest_api.pets.id
  resource_id   = aws_api_gateway_resource.pets.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_method_response" "list_pets_200" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  resource_id = aws_api_gateway_resource.pets.id
  http_method = aws_api_gateway_method.list_pets.http_method
  status_code = "200"

  response_models = {
    "application/json" = "Empty"
  }
}

resource "aws_api_gateway_integration" "list_pets" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  resource_id = aws_api_gateway_resource.pets.id
  http_method = aws_api_gateway_method.list_pets.http_method
  type        = "MOCK"

  request_templates = {
    "application/json" = jsonencode({ statusCode = 200 })
  }
}

resource "aws_api_gateway_integration_response" "list_pets_200" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  resource_id = aws_api_gateway_resource.pets.id
  http_method = aws_api_gateway_method.list_pets.http_method
  status_code = aws_api_gateway_method_response.list_pets_200.status_code

  response_templates = {
    "application/json" = jsonencode({ pets = [], revision = var.revision })
  }

  depends_on = [aws_api_gateway_integration.list_pets]
}

# ANY /pets/{proxy+}: HTTP_PROXY to the backend named by a stage variable

resource "aws_api_gateway_method" "pets_proxy" {
  rest_api_id   = aws_api_gateway_rest_api.pets.id
  resource_id   = aws_api_gateway_resource.pets_proxy.id
  http_method   = "ANY"
  authorization = "NONE"

  request_parameters = {
    "method.request.path.proxy" = true
  }
}

resource "aws_api_gateway_integration" "pets_proxy" {
  rest_api_id             = aws_api_gateway_rest_api.pets.id
  resource_id             = aws_api_gateway_resource.pets_proxy.id
  http_method             = aws_api_gateway_method.pets_proxy.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "ANY"
  uri                     = "http://$${stageVariables.backend}/{proxy}"

  request_parameters = {
    "integration.request.path.proxy" = "method.request.path.proxy"
  }
}

# GET /items/{id}: HTTP (non-proxy) with parameter mappings and mapping templates

resource "aws_api_gateway_resource" "items" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  parent_id   = aws_api_gateway_rest_api.pets.root_resource_id
  path_part   = "items"
}

resource "aws_api_gateway_resource" "item" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  parent_id   = aws_api_gateway_resource.items.id
  path_part   = "{id}"
}

resource "aws_api_gateway_method" "get_item" {
  rest_api_id   = aws_api_gateway_rest_api.pets.id
  resource_id   = aws_api_gateway_resource.item.id
  http_method   = "GET"
  authorization = "NONE"

  request_parameters = {
    "method.request.path.id"          = true
    "method.request.querystring.view" = false
  }
}

resource "aws_api_gateway_method_response" "get_item_200" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  resource_id = aws_api_gateway_resource.item.id
  http_method = aws_api_gateway_method.get_item.http_method
  status_code = "200"

  response_parameters = {
    "method.response.header.X-Source" = false
  }
}

resource "aws_api_gateway_integration" "get_item" {
  rest_api_id             = aws_api_gateway_rest_api.pets.id
  resource_id             = aws_api_gateway_resource.item.id
  http_method             = aws_api_gateway_method.get_item.http_method
  type                    = "HTTP"
  integration_http_method = "GET"
  uri                     = "http://$${stageVariables.backend}/items/{id}"
  passthrough_behavior    = "WHEN_NO_TEMPLATES"

  request_parameters = {
    "integration.request.path.id"          = "method.request.path.id"
    "integration.request.querystring.view" = "method.request.querystring.view"
    "integration.request.header.X-Client"  = "'terraform'"
  }

  request_templates = {
    "application/json" = "{\"id\": \"$input.params('id')\"}"
  }
}

resource "aws_api_gateway_integration_response" "get_item_200" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  resource_id = aws_api_gateway_resource.item.id
  http_method = aws_api_gateway_method.get_item.http_method
  status_code = aws_api_gateway_method_response.get_item_200.status_code

  response_parameters = {
    "method.response.header.X-Source" = "'backend'"
  }

  response_templates = {
    "application/json" = <<-EOT
      #set($got = $input.path('$'))
      {"got": "$got.path", "method": "$got.method", "revision": "$stageVariables.revision"}
    EOT
  }

  depends_on = [aws_api_gateway_integration.get_item]
}

# Deployment and stage

resource "aws_api_gateway_deployment" "pets" {
  rest_api_id = aws_api_gateway_rest_api.pets.id

  # A new deployment whenever the API's shape changes.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.pets.id,
      aws_api_gateway_resource.pets_proxy.id,
      aws_api_gateway_method.list_pets.id,
      aws_api_gateway_integration.list_pets.id,
      aws_api_gateway_integration_response.list_pets_200.id,
      aws_api_gateway_integration_response.list_pets_200.response_templates,
      aws_api_gateway_method.pets_proxy.id,
      aws_api_gateway_integration.pets_proxy.id,
      aws_api_gateway_integration.get_item.id,
      aws_api_gateway_integration.get_item.request_templates,
      aws_api_gateway_integration_response.get_item_200.id,
      aws_api_gateway_integration_response.get_item_200.response_templates,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [
    aws_api_gateway_integration_response.list_pets_200,
    aws_api_gateway_integration.pets_proxy,
    aws_api_gateway_integration_response.get_item_200,
  ]
}

resource "aws_api_gateway_stage" "dev" {
  rest_api_id   = aws_api_gateway_rest_api.pets.id
  deployment_id = aws_api_gateway_deployment.pets.id
  stage_name    = "dev"
  description   = "Development, revision ${var.revision}"

  variables = {
    backend  = var.backend
    revision = tostring(var.revision)
  }

  tags = {
    env = "dev"
  }
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  stage_name  = aws_api_gateway_stage.dev.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "INFO"
    throttling_rate_limit  = 100
    throttling_burst_limit = 50 * var.revision
  }
}

output "api_id" {
  value = aws_api_gateway_rest_api.pets.id
}

output "stage_name" {
  value = aws_api_gateway_stage.dev.stage_name
}

output "invoke_url" {
  description = "The URL AWS would serve; run.sh calls {api_id}.execute-api.localhost instead"
  value       = aws_api_gateway_stage.dev.invoke_url
}
