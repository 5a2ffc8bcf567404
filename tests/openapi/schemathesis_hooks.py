"""Schemathesis hooks for the todo server's run (tests/openapi/schemathesis.py).

Schemathesis draws every value from the document, and in three places what it draws is not what
it takes it for. Each is corrected here, narrowly, and only there; every other failure of every
check still fails the run.

- Its coverage phase fills a header parameter whose `pattern` needs other characters than
  letters and digits (`If-Match` and `If-None-Match` need `"` or `*`) with `0`, and still counts
  the request as one the document allows. In such a request the header is left out: it is
  optional, and the rest of the request is then what schemathesis meant to send.
- `cursor` is opaque: a page's `Link` gives it, tagged for its list, and the document cannot say
  which strings the server will take. A drawn one answers 400 `Invalid cursor` once every other
  parameter has been read and accepted: that rejection of a schema-valid request is let through.
- `offset` and `cursor` exclude each other (a cursor already says where the page starts), which
  the document says in words: OpenAPI has no way to say it of two parameters. A request with
  both answers 400 saying so: that rejection is let through too.
- `If-Match` lists the entity tags a write is for: a drawn one is not the resource's current
  `ETag`, which only the server knows, so the request answers 412 and writes nothing (RFC 9110,
  section 13.1.1): that rejection of a schema-valid request is let through.
"""

import re

import schemathesis

INVALID_CURSOR = "Invalid `cursor`: it was altered, or belongs to another list"
OFFSET_AND_CURSOR = "`offset` and `cursor` cannot be used together"
PRECONDITION_FAILED = "Precondition failed: `If-Match` does not list the"


def _header_patterns(operation):
    """The `pattern` of each header parameter of `operation` that has one, by lowercase name."""
    patterns = {}
    for parameter in operation.headers:
        schema = parameter.definition.get("schema") or {}
        if isinstance(schema.get("pattern"), str):
            patterns[parameter.name.lower()] = re.compile(schema["pattern"])
    return patterns


@schemathesis.hook
def map_case(context, case):
    """Leaves out of a request taken as schema-valid the optional headers that the document's
    own pattern refuses."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not case.headers:
        return case
    patterns = _header_patterns(case.operation)
    required = {parameter.name.lower() for parameter in case.operation.headers
                if parameter.is_required}
    for name in list(case.headers):
        pattern = patterns.get(name.lower())
        value = case.headers[name]
        if (pattern is not None and name.lower() not in required and isinstance(value, str)
                and not pattern.search(value)):
            del case.headers[name]
    return case


def _detail(response):
    try:
        body = response.json()
    except ValueError:
        return ""
    return body.get("detail", "") if isinstance(body, dict) else ""


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure but a schema-valid request refused for the reasons above."""
    if failure.code != "ST202":
        return True
    detail = _detail(response)
    query = case.query or {}
    headers = {name.lower() for name in case.headers or {}}
    if response.status_code == 400 and "cursor" in query:
        if detail.startswith(INVALID_CURSOR):
            return False
        if "offset" in query and detail.startswith(OFFSET_AND_CURSOR):
            return False
    if response.status_code == 412 and "if-match" in headers and detail.startswith(
        PRECONDITION_FAILED
    ):
        return False
    return True
