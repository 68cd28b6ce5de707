"""Request bodies must be JSON objects; anything else is a clear 400, never a crash."""

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


class JsonObjectParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            # ninja turns any parse failure into HttpError(400), which api.errors words.
            raise ValueError("the request body is not a JSON object")
        return data
