"""The OpenAPI schema: valid, complete, and its examples match the documented ones."""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from django.core.management import call_command

from api.learning.examples import COURSE_WITH_RULES

ROOT = Path(__file__).resolve().parents[2]
ERROR_CODES = {"400", "401", "403", "404"}


def _schema(tmp_path) -> dict:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    return yaml.safe_load(out.read_text())


def test_schema_generation_validates_without_warnings(tmp_path):
    schema = _schema(tmp_path)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/courses/{course_id}/attempts/" in schema["paths"]


def test_every_operation_documents_its_success_and_error_responses(tmp_path):
    schema = _schema(tmp_path)
    operations = [(path, method, op) for path, methods in schema["paths"].items()
                  for method, op in methods.items()]
    assert len(operations) >= 22
    for path, method, op in operations:
        codes = set(op["responses"])
        success = {c for c in codes if c.startswith("2")}
        assert success, f"{method} {path} documents no success response"
        # The gradebook export is a CSV file; every other success body is JSON.
        media = "text/csv" if path.endswith(".csv") else "application/json"
        for code in success - {"204"}:  # 204 No Content has no body to document
            assert "$ref" in op["responses"][code]["content"][media]["schema"] \
                or op["responses"][code]["content"][media]["schema"], (method, path)
        logging_in = (path, method) == ("/api/v1/auth/token/", "post")
        expected_errors = {"400"} if logging_in else {"401"}
        if "{course_id}" in path:
            expected_errors |= ERROR_CODES
        assert expected_errors <= codes, f"{method} {path}: {sorted(codes)}"
        if "requestBody" in op:
            assert {"400", "413", "415"} <= codes, f"{method} {path}: {sorted(codes)}"
        for code in codes - success:
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (method, path, code)


def test_every_v1_url_is_in_the_schema(tmp_path):
    from api.urls import urlpatterns

    documented = set(_schema(tmp_path)["paths"])
    routes = {"/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern)) for p in urlpatterns
              if str(p.pattern).startswith("v1/")}
    assert len(routes) >= 18
    assert routes <= documented, routes - documented


def test_error_shape_has_detail_and_code(tmp_path):
    error = _schema(tmp_path)["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code"}


def test_course_create_example_uses_every_unlock_rule_type(tmp_path):
    op = _schema(tmp_path)["paths"]["/api/v1/courses/"]["post"]
    examples = op["requestBody"]["content"]["application/json"]["examples"]
    text = json.dumps([e["value"] for e in examples.values()])
    for rule in ("completed", "min_score_percent", "all", "any", "available_after_days",
                 "available_from"):
        assert f'"{rule}"' in text, rule


def test_course_example_is_the_documented_example_file():
    documented = json.loads((ROOT / "docs/examples/course-with-rules.json").read_text())
    assert COURSE_WITH_RULES == documented


def test_schema_and_swagger_ui_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/courses/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn.jsdelivr" not in docs.content
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs.content
    bundle = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200
