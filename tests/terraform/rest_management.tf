# API management on a small API of its own: an API key in a usage plan (throttle, quota and a
# per-method throttle on the stage), a stage with a cache cluster and per-method settings
# (throttling and caching), a REGIONAL custom domain name with a base path mapping, a
# documentation version, and a PRIVATE domain name with a VPC endpoint's access association.
# run.sh applies it with main.tf (revision 1, then 2, which changes limits in place), checks
# that the second plan is empty, calls GET /status with and without the key, and destroys it.
#
#   GET /status  MOCK, API key required: {"status":"ok","revision":N}

resource "aws_api_gateway_rest_api" "managed" {
  name        = "managed"
  description = "Portico Terraform test: API management"

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "status" {
  rest_api_id = aws_api_gateway_rest_api.managed.id
  parent_id   = aws_api_gateway_rest_api.managed.root_resource_id
  path_part   = "status"
}

resource "aws_api_gateway_method" "status" {
  rest_api_id      = aws_api_gateway_rest_api.managed.id
  resource_id      = aws_api_gateway_resource.status.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
}

resource "aws_api_gateway_method_response" "status_200" {
  rest_api_id = aws_api_gateway_rest_api.managed.id
  resource_id = aws_api_gateway_resource.status.id
  http_method = aws_api_gateway_method.status.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration" "status" {
  rest_api_id = aws_api_gateway_rest_api.managed.id
  resource_id = aws_api_gateway_resource.status.id
  http_method = aws_api_gateway_method.status.http_method
  type        = "MOCK"

  request_templates = {
    "application/json" = jsonencode({ statusCode = 200 })
  }
}

resource "aws_api_gateway_integration_response" "status_200" {
  rest_api_id = aws_api_gateway_rest_api.managed.id
  resource_id = aws_api_gateway_resource.status.id
  http_method = aws_api_gateway_method.status.http_method
  status_code = aws_api_gateway_method_response.status_200.status_code

  response_templates = {
    "application/json" = jsonencode({ status = "ok", revision = var.revision })
  }

  depends_on = [aws_api_gateway_integration.status]
}

resource "aws_api_gateway_deployment" "managed" {
  rest_api_id = aws_api_gateway_rest_api.managed.id

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_method.status.id,
      aws_api_gateway_integration.status.id,
      aws_api_gateway_integration_response.status_200.response_templates,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration_response.status_200]
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id           = aws_api_gateway_rest_api.managed.id
  deployment_id         = aws_api_gateway_deployment.managed.id
  stage_name            = "prod"
  cache_cluster_enabled = true
  cache_cluster_size    = var.revision == 1 ? "0.5" : "1.6"
}

resource "aws_api_gateway_method_settings" "status" {
  rest_api_id = aws_api_gateway_rest_api.managed.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "${aws_api_gateway_resource.status.path_part}/${aws_api_gateway_method.status.http_method}"

  settings {
    throttling_rate_limit                      = 20 * var.revision
    throttling_burst_limit                     = 10
    caching_enabled                            = true
    cache_ttl_in_seconds                       = 60 * var.revision
    cache_data_encrypted                       = false
    require_authorization_for_cache_control    = true
    unauthorized_cache_control_header_strategy = "SUCCEED_WITH_RESPONSE_HEADER"
  }
}

# An API key in a usage plan covering the stage

resource "aws_api_gateway_api_key" "client" {
  name        = "managed-client"
  description = "Portico Terraform test, revision ${var.revision}"
  enabled     = true

  tags = {
    team = "core"
  }
}

resource "aws_api_gateway_usage_plan" "basic" {
  name        = "managed-basic"
  description = "Revision ${var.revision}"

  api_stages {
    api_id = aws_api_gateway_rest_api.managed.id
    stage  = aws_api_gateway_stage.prod.stage_name

    throttle {
      path        = "/status/GET"
      rate_limit  = 5 * var.revision
      burst_limit = 2
    }
  }

  quota_settings {
    limit  = 1000 * var.revision
    offset = 0
    period = "MONTH"
  }

  throttle_settings {
    burst_limit = 20
    rate_limit  = 10 * var.revision
  }

  tags = {
    team = "core"
  }
}

resource "aws_api_gateway_usage_plan_key" "client" {
  key_id        = aws_api_gateway_api_key.client.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.basic.id
}

# A REGIONAL custom domain name mapping /v1 to the stage

resource "aws_api_gateway_domain_name" "managed" {
  domain_name              = "api.managed.example.com"
  regional_certificate_arn = "arn:aws:acm:us-east-1:000000000000:certificate/12345678-1234-1234-1234-123456789012"
  security_policy          = "TLS_1_2"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = {
    team = "core"
  }
}

resource "aws_api_gateway_base_path_mapping" "v1" {
  api_id      = aws_api_gateway_rest_api.managed.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  domain_name = aws_api_gateway_domain_name.managed.domain_name
  base_path   = "v1"
}

# Documentation, frozen as a version

resource "aws_api_gateway_documentation_part" "status" {
  rest_api_id = aws_api_gateway_rest_api.managed.id

  location {
    type   = "METHOD"
    path   = "/status"
    method = "GET"
  }

  properties = jsonencode({ description = "Whether the service is up" })
}

resource "aws_api_gateway_documentation_version" "v1" {
  rest_api_id = aws_api_gateway_rest_api.managed.id
  version     = "v1"
  description = "First documented version, revision ${var.revision}"

  depends_on = [aws_api_gateway_documentation_part.status]
}

output "managed_api_id" {
  value = aws_api_gateway_rest_api.managed.id
}

output "managed_api_key" {
  value     = aws_api_gateway_api_key.client.value
  sensitive = true
}

# A PRIVATE custom domain name (its id is `{name}/{domainNameId}` in Terraform) and a VPC
# endpoint's access association with it

resource "aws_api_gateway_domain_name" "private" {
  domain_name     = "private.managed.example.com"
  certificate_arn = "arn:aws:acm:us-east-1:000000000000:certificate/12345678-1234-1234-1234-123456789012"

  endpoint_configuration {
    types = ["PRIVATE"]
  }

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "execute-api:Invoke"
      Resource  = "execute-api:/*"
    }]
  })
}

resource "aws_api_gateway_domain_name_access_association" "vpce" {
  access_association_source      = "vpce-0123456789abcdef0"
  access_association_source_type = "VPCE"
  domain_name_arn                = aws_api_gateway_domain_name.private.arn

  tags = {
    revision = tostring(var.revision)
  }
}
