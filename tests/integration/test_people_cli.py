"""`rebound users create|list|disable` and `rebound keys create --mms|list|revoke` against the
in-process local AWS (moto's Cognito and DynamoDB), as a person at a shell would use them."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.tenancy.service import authenticate
from rebound.cli import main
from rebound.people import PeoplePool, provision_people, sign_in
from tests.integration.helpers import setup_tenant

pytestmark = pytest.mark.integration


@pytest.fixture
def pool(aws: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> PeoplePool:
    monkeypatch.setenv("REBOUND_STATE_FILE", str(tmp_path / "none.json"))  # no running stack
    setup_tenant("riverside")
    return provision_people("us-east-1", ["riverside"])


def test_users_create_list_disable(pool: PeoplePool, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "create", "nadia@example.org", "--tenant", "riverside"]) == 2
    assert "--role admin or --role viewer" in capsys.readouterr().err
    assert (
        main(["users", "create", "nadia@example.org", "--tenant", "riverside", "--role", "admin"])
        == 0
    )
    password = capsys.readouterr().out.split(": ", 1)[1].strip()
    assert main(["users", "create", "omar@example.net", "--staff"]) == 0
    capsys.readouterr()
    assert sign_in(pool, "nadia@example.org", password)["AccessToken"]
    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "nadia@example.org" in listing and "riverside" in listing and "admin" in listing
    assert "omar@example.net" in listing and "staff" in listing
    assert main(["users", "disable", "nadia@example.org"]) == 0
    with pytest.raises(Exception, match="disabled"):
        sign_in(pool, "nadia@example.org", password)


def test_keys_mms_list_and_revoke(pool: PeoplePool, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--mms", "--label", "MMS production"]) == 0
    token = capsys.readouterr().out.strip()
    principal = authenticate(wiring.tenants(), f"Bearer {token}")
    assert (principal.role, principal.actor.split(" (")[0]) == ("mms", "MMS production")
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    row = next(line for line in listing.splitlines() if "MMS production" in line)
    assert "_mms" in row and "mms" in row and "(rebound keys create)" in row and "never" not in row
    assert main(["keys", "revoke", "_mms", principal.key_id]) == 0
    assert "401" in capsys.readouterr().out
    with pytest.raises(Exception, match="not valid"):
        authenticate(wiring.tenants(), f"Bearer {token}")
    assert main(["keys", "revoke", "_mms", "nosuchkey000"]) == 2
