# The small REST resources on the pets API: a resource policy (AWS answers it escaped, which
# the provider unquotes), documentation, a client certificate and a VPC link. run.sh applies
# them with main.tf and checks the second plan is empty.

resource "aws_api_gateway_rest_api_policy" "pets" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "execute-api:Invoke"
      Resource  = "${aws_api_gateway_rest_api.pets.execution_arn}/*"
    }]
  })
}

resource "aws_api_gateway_documentation_part" "api" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  location {
    type = "API"
  }
  properties = jsonencode({ description = "The pets API, revision ${var.revision}" })
}

resource "aws_api_gateway_client_certificate" "backend" {
  description = "Portico Terraform test"
}

resource "aws_api_gateway_vpc_link" "nlb" {
  name        = "pets-nlb"
  target_arns = ["arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/pets/0123456789abcdef"]
}
