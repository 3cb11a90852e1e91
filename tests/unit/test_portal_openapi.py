"""The committed contract matches the reference portal, so neither can drift from the other."""

from __future__ import annotations

import yaml

from bot.commands.portal import OPENAPI_PATH, openapi_yaml
from bot.portal_contract.models import API_KEY_HEADER, API_VERSION


def test_committed_contract_is_the_generated_one() -> None:
    assert OPENAPI_PATH.read_text(encoding="utf-8") == openapi_yaml(), (
        "openapi/portal-v1.yaml is stale: run `isee portal openapi`"
    )


def test_contract_declares_every_endpoint_auth_and_errors() -> None:
    spec = yaml.safe_load(openapi_yaml())
    assert spec["info"]["version"] == API_VERSION
    assert set(spec["paths"]) == {
        "/api/v1/health",
        "/api/v1/dossiers/{code}",
        "/api/v1/procedures",
        "/api/v1/procedures/{code}",
    }
    scheme = spec["components"]["securitySchemes"]["APIKeyHeader"]
    assert scheme == {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}
    dossier = spec["paths"]["/api/v1/dossiers/{code}"]["get"]
    assert {"400", "401", "403", "404", "429"} <= set(dossier["responses"])
    error_ref = dossier["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
    assert error_ref.endswith("/ErrorResponse")
    assert "security" not in spec["paths"]["/api/v1/health"]["get"]
