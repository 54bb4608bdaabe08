import json
import os


def handler(event, context):
    # Invoked directly ({"name": ...}) or through the function URL (?name=...).
    query = event.get("queryStringParameters") or {}
    name = query.get("name") or event.get("name") or "world"
    print(f"greeting {name}")
    message = {"message": f"{os.environ['GREETING']}, {name}!"}
    if "requestContext" in event:
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(message)}
    return message
