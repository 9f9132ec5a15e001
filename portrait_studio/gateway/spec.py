"""The model spec route's answer (used by vtrix-cli to learn the endpoint and the parameter ranges)."""

from __future__ import annotations

from typing import Any

from portrait_studio.core.params import (
    DEFAULTS,
    GEN_MODES,
    MODEL,
    MODEL_DEFAULT_SIZE,
    SEED_MAX,
    SIZE_MAX,
    SIZE_MIN,
)


def _strength(name: str, doc: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "number",
        "required": False,
        "description": doc,
        "constraints": {"min": 0, "max": 1, "step": 0.1, "default": DEFAULTS[name]},
    }


def model_spec(model: str, base_url: str) -> dict[str, Any]:
    """The envelope of docs/PROTOCOL.md's model spec route; an unknown model gets status 404 inside it."""
    if model != MODEL:
        return {"status": {"code": 404, "message": f"model {model} not found"}, "data": None}
    size = {
        "min": SIZE_MIN,
        "max": SIZE_MAX,
        "default": MODEL_DEFAULT_SIZE,
    }  # the model's; the app sends its own
    parameters = [
        {"name": "image_input", "type": "string", "required": True, "description": "JPG/PNG URL, ≤ 5 MB"},
        {"name": "prompt", "type": "string", "required": False, "constraints": {}},
        {"name": "width", "type": "integer", "required": False, "constraints": size},
        {"name": "height", "type": "integer", "required": False, "constraints": size},
        _strength("gpen", "face HD effect"),
        _strength("skin", "beautification"),
        _strength("skin_unifi", "tone uniformity and blemish removal"),
        {"name": "gen_mode", "type": "string", "required": False, "constraints": {"enum": list(GEN_MODES)}},
        {
            "name": "seed",
            "type": "integer",
            "required": False,
            "constraints": {"min": -1, "max": SEED_MAX, "default": -1},
        },
    ]
    api = {
        "endpoint": f"{base_url}/model/v1/generation",
        "method": "POST",
        "headers": {"Content-Type": "application/json", "Authorization": "Bearer <API key>"},
    }
    data = {"model_id": model, "api": api, "parameters": parameters}
    return {"status": {"code": 200, "message": "ok"}, "data": data}


__all__ = ["model_spec"]
