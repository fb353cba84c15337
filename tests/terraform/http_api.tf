# HTTP APIs (apigatewayv2) in Terraform: an API with CORS, an integration, routes (one behind
# a JWT authorizer, one behind a Lambda REQUEST authorizer), an autoDeploy `$default` stage and
# a named stage on an explicit deployment, a quick-created API, a VPC link, a custom domain
# with two API mappings. run.sh calls the stages and the domain.

resource "aws_apigatewayv2_api" "items" {
  name          = "items"
  protocol_type = "HTTP"
  description   = "items API, revision ${var.revision}"

  cors_configuration {
    allow_origins = ["https://app.example"]
    allow_methods = ["GET", "POST"]
    allow_headers = ["x-custom"]
    max_age       = 300
  }
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.items.id
  name             = "jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = "https://idp.example.com"
    audience = ["items-${var.revision}"]
  }
}

resource "aws_apigatewayv2_authorizer" "lambda" {
  api_id                            = aws_apigatewayv2_api.items.id
  name                              = "lambda"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:authorizer/invocations"
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  identity_sources                  = ["$request.header.x-token"]
  authorizer_result_ttl_in_seconds  = 60
}

resource "aws_apigatewayv2_route" "secured" {
  api_id               = aws_apigatewayv2_api.items.id
  route_key            = "GET /secured"
  target               = "integrations/${aws_apigatewayv2_integration.items.id}"
  authorization_type   = "JWT"
  authorizer_id        = aws_apigatewayv2_authorizer.jwt.id
  authorization_scopes = ["items:read"]
}

resource "aws_apigatewayv2_route" "guarded" {
  api_id             = aws_apigatewayv2_api.items.id
  route_key          = "GET /guarded"
  target             = "integrations/${aws_apigatewayv2_integration.items.id}"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.lambda.id
}

# Quick create: the route, the integration and the `$default` stage come with the API.
resource "aws_apigatewayv2_api" "quick" {
  name          = "quick"
  protocol_type = "HTTP"
  target        = "http://${var.backend}/quick"
}

resource "aws_apigatewayv2_vpc_link" "items" {
  name               = "items-link"
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = ["sg-0123456789abcdef0"]
  tags               = { revision = tostring(var.revision) }
}

resource "aws_apigatewayv2_domain_name" "items" {
  domain_name = "items.example.localhost"

  domain_name_configuration {
    certificate_arn = "arn:aws:acm:us-east-1:000000000000:certificate/items"
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}

resource "aws_apigatewayv2_api_mapping" "items" {
  api_id          = aws_apigatewayv2_api.items.id
  domain_name     = aws_apigatewayv2_domain_name.items.id
  stage           = aws_apigatewayv2_stage.items_prod.id
  api_mapping_key = "v1"
}

resource "aws_apigatewayv2_api_mapping" "quick" {
  api_id          = aws_apigatewayv2_api.quick.id
  domain_name     = aws_apigatewayv2_domain_name.items.id
  stage           = "$default"
  api_mapping_key = "quick"
}

output "http_api_id" {
  value = aws_apigatewayv2_api.items.id
}

output "http_domain" {
  value = aws_apigatewayv2_domain_name.items.domain_name
}

resource "aws_apigatewayv2_integration" "items" {
  api_id             = aws_apigatewayv2_api.items.id
  integration_type   = "HTTP_PROXY"
  integration_method = "ANY"
  integration_uri    = "http://${var.backend}/{proxy}"
}

resource "aws_apigatewayv2_route" "items" {
  api_id    = aws_apigatewayv2_api.items.id
  route_key = "ANY /items/{proxy+}"
  target    = "integrations/${aws_apigatewayv2_integration.items.id}"
}

resource "aws_apigatewayv2_stage" "items_default" {
  api_id      = aws_apigatewayv2_api.items.id
  name        = "$default"
  auto_deploy = true
  depends_on  = [aws_apigatewayv2_route.items, aws_apigatewayv2_route.secured, aws_apigatewayv2_route.guarded]
}

resource "aws_apigatewayv2_deployment" "items" {
  api_id      = aws_apigatewayv2_api.items.id
  description = "revision ${var.revision}"
  depends_on  = [aws_apigatewayv2_route.items, aws_apigatewayv2_route.secured, aws_apigatewayv2_route.guarded]

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_apigatewayv2_stage" "items_prod" {
  api_id          = aws_apigatewayv2_api.items.id
  name            = "prod"
  deployment_id   = aws_apigatewayv2_deployment.items.id
  stage_variables = { revision = tostring(var.revision) }

  route_settings {
    route_key              = "ANY /items/{proxy+}"
    throttling_burst_limit = 100
    throttling_rate_limit  = 50
  }
}
