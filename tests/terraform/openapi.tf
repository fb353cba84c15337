# A REST API defined by an OpenAPI document (`body`): the provider creates the API, then
# PutRestApi (mode overwrite) imports the document into it. run.sh applies it with main.tf,
# checks the second plan is empty and calls both imported methods through execute-api.
#
#   GET /imported           MOCK:       {"imported":true,"revision":N}
#   ANY /imported/{proxy+}  HTTP_PROXY: http://${stageVariables.backend}/{proxy}

locals {
  imported_body = jsonencode({
    openapi = "3.0.1"
    info = {
      title       = "imported"
      description = "Portico Terraform test: an imported API"
      version     = "1.0.${var.revision}"
    }
    paths = {
      "/imported" = {
        get = {
          responses = {
            "200" = {
              description = "200 response"
              content = {
                "application/json" = { schema = { "$ref" = "#/components/schemas/Empty" } }
              }
            }
          }
          "x-amazon-apigateway-integration" = {
            type                = "mock"
            passthroughBehavior = "when_no_match"
            requestTemplates    = { "application/json" = jsonencode({ statusCode = 200 }) }
            responses = {
              default = {
                statusCode        = "200"
                responseTemplates = { "application/json" = jsonencode({ imported = true, revision = var.revision }) }
              }
            }
          }
        }
      }
      "/imported/{proxy+}" = {
        "x-amazon-apigateway-any-method" = {
          parameters = [{ name = "proxy", "in" = "path", required = true, schema = { type = "string" } }]
          responses  = {}
          "x-amazon-apigateway-integration" = {
            type              = "http_proxy"
            httpMethod        = "ANY"
            uri               = "http://$${stageVariables.backend}/{proxy}"
            requestParameters = { "integration.request.path.proxy" = "method.request.path.proxy" }
          }
        }
      }
    }
    components = {
      schemas = {
        Empty = { title = "Empty Schema", type = "object" }
      }
    }
  })
}

resource "aws_api_gateway_rest_api" "imported" {
  name        = "imported"
  description = "Portico Terraform test: an imported API"
  body        = local.imported_body

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_deployment" "imported" {
  rest_api_id = aws_api_gateway_rest_api.imported.id

  triggers = {
    redeployment = sha1(local.imported_body)
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "imported" {
  rest_api_id   = aws_api_gateway_rest_api.imported.id
  deployment_id = aws_api_gateway_deployment.imported.id
  stage_name    = "v1"

  variables = {
    backend = var.backend
  }
}

output "imported_api_id" {
  value = aws_api_gateway_rest_api.imported.id
}

output "imported_stage_name" {
  value = aws_api_gateway_stage.imported.stage_name
}
