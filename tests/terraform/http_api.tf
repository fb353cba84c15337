# An HTTP API (apigatewayv2) in Terraform: API, integration, route, an autoDeploy `$default`
# stage and a named stage on an explicit deployment. Its control plane only, so far (the data
# plane for HTTP APIs comes with issue 9).

resource "aws_apigatewayv2_api" "items" {
  name          = "items"
  protocol_type = "HTTP"
  description   = "items API, revision ${var.revision}"
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
  depends_on  = [aws_apigatewayv2_route.items]
}

resource "aws_apigatewayv2_deployment" "items" {
  api_id      = aws_apigatewayv2_api.items.id
  description = "revision ${var.revision}"
  depends_on  = [aws_apigatewayv2_route.items]

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_apigatewayv2_stage" "items_prod" {
  api_id          = aws_apigatewayv2_api.items.id
  name            = "prod"
  deployment_id   = aws_apigatewayv2_deployment.items.id
  stage_variables = { revision = tostring(var.revision) }
}
