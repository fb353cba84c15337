# Models, a request validator and a gateway response on the pets API: run.sh applies them with
# main.tf, checks the second plan is empty, and revision 2 updates each in place.

resource "aws_api_gateway_model" "pet" {
  rest_api_id  = aws_api_gateway_rest_api.pets.id
  name         = "Pet"
  description  = "A pet (revision ${var.revision})"
  content_type = "application/json"

  schema = jsonencode({
    "$schema" = "http://json-schema.org/draft-04/schema#"
    title     = "Pet"
    type      = "object"
    required  = ["name"]
    properties = {
      name = { type = "string" }
      age  = { type = "integer", minimum = 0 }
    }
  })
}

# A list of pets: its items are the Pet model, referenced in AWS's canonical form.
resource "aws_api_gateway_model" "pets" {
  rest_api_id  = aws_api_gateway_rest_api.pets.id
  name         = "PetList"
  content_type = "application/json"

  schema = jsonencode({
    "$schema" = "http://json-schema.org/draft-04/schema#"
    title     = "PetList"
    type      = "array"
    items = {
      "$ref" = "https://apigateway.amazonaws.com/restapis/${aws_api_gateway_rest_api.pets.id}/models/${aws_api_gateway_model.pet.name}"
    }
  })
}

resource "aws_api_gateway_request_validator" "body" {
  rest_api_id                 = aws_api_gateway_rest_api.pets.id
  name                        = "body-r${var.revision}"
  validate_request_body       = true
  validate_request_parameters = var.revision == 2
}

resource "aws_api_gateway_gateway_response" "not_found" {
  rest_api_id   = aws_api_gateway_rest_api.pets.id
  response_type = "RESOURCE_NOT_FOUND"
  status_code   = var.revision == 2 ? "410" : "404"

  response_parameters = {
    "gatewayresponse.header.Access-Control-Allow-Origin" = "'*'"
    "gatewayresponse.header.x-request-path"              = "method.request.path.proxy"
  }

  response_templates = {
    "application/json" = "{\"message\":$context.error.messageString,\"revision\":${var.revision}}"
  }
}
