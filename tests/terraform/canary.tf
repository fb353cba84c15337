# A stage with a canary release: all its traffic to the canary deployment, whose variable
# overrides name the backend (run.sh calls it).

resource "aws_api_gateway_deployment" "canary" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  description = "canary"

  depends_on = [aws_api_gateway_deployment.pets]
}

resource "aws_api_gateway_stage" "canary" {
  rest_api_id   = aws_api_gateway_rest_api.pets.id
  deployment_id = aws_api_gateway_deployment.pets.id
  stage_name    = "canary"

  variables = {
    backend  = "127.0.0.1:1"
    revision = tostring(var.revision)
  }

  canary_settings {
    deployment_id   = aws_api_gateway_deployment.canary.id
    percent_traffic = 100
    use_stage_cache = var.revision == 2
    stage_variable_overrides = {
      backend = var.backend
      canary  = "rev${var.revision}"
    }
  }
}

output "canary_stage_name" {
  value = aws_api_gateway_stage.canary.stage_name
}
