"""The user pool people sign in with (issue 10): admin-created people, the staff group, the
page's client (USER_PASSWORD_AUTH, no secret), and what the API function may do with it."""

from __future__ import annotations

import pytest

from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra


def _one(synthesized: Synthesized, kind: str) -> dict:  # type: ignore[type-arg]
    found = [r for r in synthesized.template["Resources"].values() if r["Type"] == kind]
    assert len(found) == 1, kind
    return found[0]["Properties"]


def test_pool_groups_and_page_client(synthesized: Synthesized) -> None:
    pool = _one(synthesized, "AWS::Cognito::UserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    group = _one(synthesized, "AWS::Cognito::UserPoolGroup")
    assert group["GroupName"] == "staff"
    client = _one(synthesized, "AWS::Cognito::UserPoolClient")
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["PreventUserExistenceErrors"] == "ENABLED"


def test_the_api_knows_the_pool_and_may_only_ask_about_people(synthesized: Synthesized) -> None:
    text = str(synthesized.template)
    assert "REBOUND_COGNITO_USER_POOL_ID" in text and "REBOUND_COGNITO_CLIENT_IDS" in text
    statements = [
        s
        for r in synthesized.template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if "cognito" in str(s.get("Action"))
    ]
    assert [s["Action"] for s in statements] == ["cognito-idp:AdminGetUser"]
