import json


def handler(event, context):
    print("hello called with", json.dumps(event))
    # Called by an API Gateway AWS_PROXY method: answer a proxy response.
    if "httpMethod" in event:
        return {"statusCode": 200, "body": json.dumps({"hello": event["path"]})}
    return {"hello": event.get("name", "world")}
