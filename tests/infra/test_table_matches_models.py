"""The table in the template and the PynamoDB models in chalicelib/storage/items.py agree.

Both declare keys and indexes; this keeps them from drifting apart: a new index or key type
in one place without the other fails here, not in production.
"""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.models import Model

from chalicelib.storage import items
from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra


def _models() -> list[type[Model]]:
    found = [
        value
        for value in vars(items).values()
        if isinstance(value, type)
        and issubclass(value, Model)
        and value.__module__ == items.__name__
        and getattr(value.Meta, "table_name", None)
        and not value.__name__.startswith("_")
    ]
    assert found, "chalicelib/storage/items.py declares no models"
    return found


def _key_schema(entries: list[dict[str, str]]) -> dict[str, str]:
    return {entry["KeyType"]: entry["AttributeName"] for entry in entries}


def _model_tables() -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, Any]]]:
    """(key schema, attribute types of keys, indexes) merged over every model of the table."""
    key_schemas = set()
    types: dict[str, str] = {}
    indexes: dict[str, dict[str, Any]] = {}
    for model in _models():
        schema = model._get_schema()
        key_schemas.add(tuple(sorted(_key_schema(schema["key_schema"]).items())))
        for definition in schema["attribute_definitions"]:
            types[definition["AttributeName"]] = definition["AttributeType"]
        for index in schema["global_secondary_indexes"]:
            indexes[index["index_name"]] = {
                "keys": _key_schema(index["key_schema"]),
                "projection": index["projection"]["ProjectionType"],
            }
    assert len(key_schemas) == 1, f"models disagree on the table's keys: {key_schemas}"
    return dict(key_schemas.pop()), types, indexes


def test_table_keys_attribute_types_and_indexes_match_the_models(
    synthesized: Synthesized,
) -> None:
    table = synthesized.one("AWS::DynamoDB::Table")["Properties"]
    model_keys, model_types, model_indexes = _model_tables()

    assert _key_schema(table["KeySchema"]) == model_keys
    assert {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]} == (
        model_types
    )
    template_indexes = {
        index["IndexName"]: {
            "keys": _key_schema(index["KeySchema"]),
            "projection": index["Projection"]["ProjectionType"],
        }
        for index in table["GlobalSecondaryIndexes"]
    }
    assert template_indexes == model_indexes
    assert "LocalSecondaryIndexes" not in table


def test_models_use_on_demand_billing_like_the_table(synthesized: Synthesized) -> None:
    table = synthesized.one("AWS::DynamoDB::Table")["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    for model in _models():
        assert model.Meta.billing_mode == "PAY_PER_REQUEST", model.__name__
