# A WebSocket API (apigatewayv2) in Terraform, written as users write one for AWS: a Lambda
# REQUEST authorizer on `$connect`, `$connect` and `$default` sent to a Lambda function
# (AWS_PROXY), and a custom route `echo` answered by a MOCK integration through a route
# response and an integration response with a response template. run.sh zips the function
# (ws.py), applies this, checks a second plan is empty, connects with a WebSocket client and
# sends {"action":"echo"}.

variable "ws_zip" {
  description = "Path of the WebSocket API's function zip (ws.py), made by run.sh"
  type        = string
}

resource "aws_lambda_function" "ws" {
  function_name    = "tf-ws"
  filename         = var.ws_zip
  source_code_hash = filebase64sha256(var.ws_zip)
  handler          = "ws.handler"
  runtime          = "python3.12"
  role             = "arn:aws:iam::000000000000:role/lambda-role"
  timeout          = 10

  environment {
    variables = {
      REVISION = tostring(var.revision)
    }
  }
}

resource "aws_lambda_function" "ws_auth" {
  function_name    = "tf-ws-auth"
  filename         = var.ws_zip
  source_code_hash = filebase64sha256(var.ws_zip)
  handler          = "ws.authorize"
  runtime          = "python3.12"
  role             = "arn:aws:iam::000000000000:role/lambda-role"
  timeout          = 10
}

resource "aws_apigatewayv2_api" "chat" {
  name                       = "chat"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
  description                = "chat API, revision ${var.revision}"
}

resource "aws_lambda_permission" "ws" {
  for_each      = { handler = aws_lambda_function.ws.function_name, auth = aws_lambda_function.ws_auth.function_name }
  statement_id  = "AllowExecutionFromAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = each.value
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.chat.execution_arn}/*"
}

# Connect only with ?token=allow (the authorizer's policy); its identity source makes a
# connection without a token refused before the function runs.
resource "aws_apigatewayv2_authorizer" "connect" {
  api_id           = aws_apigatewayv2_api.chat.id
  name             = "connect"
  authorizer_type  = "REQUEST"
  authorizer_uri   = aws_lambda_function.ws_auth.invoke_arn
  identity_sources = ["route.request.querystring.token"]
}

resource "aws_apigatewayv2_integration" "lambda" {
  api_id                    = aws_apigatewayv2_api.chat.id
  integration_type          = "AWS_PROXY"
  integration_method        = "POST"
  integration_uri           = aws_lambda_function.ws.invoke_arn
  content_handling_strategy = "CONVERT_TO_TEXT"
  passthrough_behavior      = "WHEN_NO_MATCH"
}

resource "aws_apigatewayv2_route" "connect" {
  api_id             = aws_apigatewayv2_api.chat.id
  route_key          = "$connect"
  operation_name     = "Connect"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.connect.id
  target             = "integrations/${aws_apigatewayv2_integration.lambda.id}"
}

resource "aws_apigatewayv2_route" "default" {
  api_id    = aws_apigatewayv2_api.chat.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.lambda.id}"
}

# echo: MOCK, two-way. The request template is the MOCK's status; the integration response's
# template is the frame the client gets.
resource "aws_apigatewayv2_integration" "echo" {
  api_id                        = aws_apigatewayv2_api.chat.id
  integration_type              = "MOCK"
  template_selection_expression = "\\$default"
  request_templates = {
    "$default" = "{\"statusCode\": 200}"
  }
}

resource "aws_apigatewayv2_integration_response" "echo" {
  api_id                        = aws_apigatewayv2_api.chat.id
  integration_id                = aws_apigatewayv2_integration.echo.id
  integration_response_key      = "$default"
  template_selection_expression = "\\$default"
  response_templates = {
    "$default" = "{\"route\": \"$context.routeKey\", \"revision\": ${var.revision}}"
  }
}

resource "aws_apigatewayv2_route" "echo" {
  api_id                              = aws_apigatewayv2_api.chat.id
  route_key                           = "echo"
  route_response_selection_expression = "$default"
  target                              = "integrations/${aws_apigatewayv2_integration.echo.id}"
}

resource "aws_apigatewayv2_route_response" "echo" {
  api_id             = aws_apigatewayv2_api.chat.id
  route_id           = aws_apigatewayv2_route.echo.id
  route_response_key = "$default"
}

# Redeployed when a route, an integration or their responses change. The hash names the
# attributes that matter rather than whole resources: the provider reads an unset map (a
# route's request_models, an integration's request_parameters) back as {} on refresh but keeps
# it null after apply, so a hash of whole resources changes once after every apply, against AWS
# as against Portico.
resource "aws_apigatewayv2_deployment" "chat" {
  api_id      = aws_apigatewayv2_api.chat.id
  description = "chat, revision ${var.revision}"

  triggers = {
    redeployment = sha1(jsonencode([
      aws_apigatewayv2_route.connect.id,
      aws_apigatewayv2_route.default.id,
      aws_apigatewayv2_route.echo.id,
      aws_apigatewayv2_route_response.echo.id,
      aws_apigatewayv2_authorizer.connect.id,
      aws_apigatewayv2_integration.lambda.integration_uri,
      aws_apigatewayv2_integration.echo.request_templates,
      aws_apigatewayv2_integration_response.echo.response_templates,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_apigatewayv2_stage" "chat" {
  api_id          = aws_apigatewayv2_api.chat.id
  name            = "live"
  deployment_id   = aws_apigatewayv2_deployment.chat.id
  stage_variables = { revision = tostring(var.revision) }

  default_route_settings {
    data_trace_enabled     = true
    logging_level          = "INFO"
    throttling_burst_limit = 500
    throttling_rate_limit  = 1000
  }

  route_settings {
    route_key              = aws_apigatewayv2_route.echo.route_key
    throttling_burst_limit = 100
    throttling_rate_limit  = 50
  }
}

output "ws_api_id" {
  value = aws_apigatewayv2_api.chat.id
}

output "ws_api_endpoint" {
  value = aws_apigatewayv2_api.chat.api_endpoint
}

output "ws_stage_name" {
  value = aws_apigatewayv2_stage.chat.name
}

output "ws_invoke_url" {
  value = aws_apigatewayv2_stage.chat.invoke_url
}
