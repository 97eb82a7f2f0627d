"""openapi_check - is a JSON response what web/openapi.json says? (python3 stdlib + jsonschema)

dltest.Server hands every response it receives here, so the e2e tests check the server against
its API description on every request they make, and the two cannot drift apart:

    problems = openapi_check.check("GET", "/api/search?q=x", 200, "application/json", body)

returns a list of what is wrong (empty: it matches). Only JSON responses (Content-Type
application/json, non-empty body) are checked. The operation is found by method (HEAD as GET)
and path template (the path percent-decoded, as the server routes it; a `{param}` takes the rest
of the path, '/' included, as the server's prefix routes do), then the response by its status
code; its application/json schema is checked with jsonschema's Draft 2020-12 validator
(OpenAPI 3.1's schemas are JSON Schema 2020-12), `$ref`s resolved in the document. A JSON
response on a path or method the document does not list must have one of the statuses of the
document's `x-dateline-unlisted` and the schema `Error`. A status the operation does not list,
or a JSON body where the document lists no JSON, is a problem.

Without python3-jsonschema (Debian's package) only the operation, the status and the media
type are checked, and `HAVE_JSONSCHEMA` is False (test_openapi then skips).
"""

import json
import os
import re
import urllib.parse


def _import_jsonschema():
    """jsonschema from this Python, else Debian's python3-jsonschema (a Python that is not
    /usr/bin/python3, such as pyenv's, does not see /usr/lib/python3/dist-packages)."""
    import sys
    try:
        import jsonschema as js
        return js
    except ImportError:
        pass
    debian = "/usr/lib/python3/dist-packages"
    if os.path.isdir(debian) and debian not in sys.path:
        sys.path.append(debian)
        try:
            import jsonschema as js
            return js
        except ImportError:
            pass
    return None


jsonschema = _import_jsonschema()
HAVE_JSONSCHEMA = jsonschema is not None

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("DL_SOURCE_ROOT") or os.path.dirname(os.path.dirname(HERE))
DOCUMENT = os.path.join(SOURCE_ROOT, "web", "openapi.json")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Spec:
    """An OpenAPI 3.1 document, ready to check responses against."""

    def __init__(self, doc):
        self.doc = doc
        self.exact = {}
        self.templates = []
        for tmpl in doc.get("paths", {}):
            if "{" in tmpl:
                parts = re.split(r"\{[^}]+\}", tmpl)
                rx = "(.+)".join(re.escape(p) for p in parts)
                self.templates.append((re.compile("^" + rx + "$", re.S), tmpl))
            else:
                self.exact[tmpl] = tmpl
        # Longer literal parts first: /api/doc/{id} before a shorter /{x}.
        self.templates.sort(key=lambda t: -len(re.sub(r"\{[^}]+\}", "", t[1])))
        self.unlisted = set(doc.get("x-dateline-unlisted", {}).get("statuses", []))
        self._validators = {}

    @classmethod
    def load(cls, path=DOCUMENT):
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def template(self, path):
        """The path template of `path` (decoded), or None."""
        if path in self.exact:
            return path
        for rx, tmpl in self.templates:
            if rx.match(path):
                return tmpl
        return None

    def resolve(self, obj):
        """obj with a local $ref (#/components/...) followed, as many times as it takes."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj and seen < 20:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("not a local $ref: %s" % ref)
            obj = self.doc
            for part in ref[2:].split("/"):
                obj = obj[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
        return obj

    def validate(self, instance, schema):
        """The schema's complaints about instance, as strings ([] when it is valid)."""
        if not HAVE_JSONSCHEMA:
            return []
        key = json.dumps(schema, sort_keys=True)
        v = self._validators.get(key)
        if v is None:
            # The document's components beside the schema: "#/components/schemas/X" resolves
            # against this root, with the resolver of any jsonschema version (4.10 to 4.2x).
            root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                    "components": self.doc.get("components", {}), "allOf": [schema]}
            v = jsonschema.Draft202012Validator(root)
            self._validators[key] = v
        out = []
        for e in sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in e.absolute_path) or "(the body)"
            out.append("%s: %s" % (where, e.message[:300]))
        return out

    def check(self, method, target, status, content_type, body):
        """What is wrong with this response to `method target` (a list; empty: nothing)."""
        if not body or not (content_type or "").lower().startswith("application/json"):
            return []
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            instance = json.loads(text)
        except ValueError as e:
            return ["the body is not JSON (%s): %r" % (e, body[:200])]
        m = method.lower()
        m = "get" if m == "head" else m
        if isinstance(target, str):
            target = target.encode("utf-8")
        raw_path = re.split(rb"[?#]", target, maxsplit=1)[0]
        try:
            path = urllib.parse.unquote_to_bytes(raw_path).decode("utf-8")
        except UnicodeDecodeError:
            path = "\0"
        if "\0" in path:
            path = raw_path.decode("latin-1")  # the server looks an undecodable path up as sent
        tmpl = self.template(path)
        op = self.doc["paths"][tmpl].get(m) if tmpl else None
        what = "%s %s" % (method.upper(), tmpl or path[:80])
        if op is None:
            if status not in self.unlisted:
                return ["%s: not in the document, and %d is not one of x-dateline-unlisted's "
                        "statuses %s" % (what, status, sorted(self.unlisted))]
            schema = {"$ref": "#/components/schemas/Error"}
        else:
            responses = op.get("responses", {})
            resp = (responses.get(str(status)) or responses.get("%dXX" % (status // 100)) or
                    responses.get("default"))
            if resp is None:
                return ["%s: status %d is not documented (documented: %s)" %
                        (what, status, ", ".join(sorted(responses)))]
            resp = self.resolve(resp)
            media = resp.get("content", {}).get("application/json")
            if media is None:
                return ["%s: %d is documented without an application/json body" % (what, status)]
            schema = media.get("schema", {})
        return ["%s %d: %s" % (what, status, p) for p in self.validate(instance, schema)]


_spec = None


def spec():
    """The committed document, loaded once."""
    global _spec
    if _spec is None:
        _spec = Spec.load()
    return _spec


def check(method, target, status, content_type, body):
    return spec().check(method, target, status, content_type, body)


def split_raw(request_bytes, response_bytes):
    """(method, target, status, content type, body) of a raw exchange, or None when either side
    is not one plain HTTP/1.x message (garbage sent on purpose, a closed connection)."""
    req = re.match(rb"([A-Z]+) (/[^ \r\n]*) HTTP/1\.[01]\r?\n", request_bytes)
    head, sep, rest = response_bytes.partition(b"\r\n\r\n")
    st = re.match(rb"HTTP/1\.[01] ([0-9]{3})", head)
    if not req or not sep or not st:
        return None
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    n = headers.get("content-length")
    body = rest[:int(n)] if n and n.isdigit() else rest
    return (req.group(1).decode(), req.group(2), int(st.group(1)),
            headers.get("content-type", ""), body)
