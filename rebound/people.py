"""People in the Cognito user pool: the local pool's provisioning, and managing people.

`provision_people` makes (in moto, for the local stack and the tests) what infra/constructs/
people.py deploys: a user pool whose usernames are e-mail addresses, the groups (`staff`, and
`tenant-<id>-admin` / `tenant-<id>-viewer` per tenant), and one app client for the page with
USER_PASSWORD_AUTH and refresh tokens. It sets the REBOUND_COGNITO_* environment the API reads.

`create_person`, `list_people` and `disable_person` back `rebound users` and the demo people.
Group names and their meaning live in chalicelib.tenancy.people.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import boto3

from chalicelib.tenancy.access import Role
from chalicelib.tenancy.people import STAFF_GROUP, describe_groups, group_for

POOL_NAME = "rebound-people"
CLIENT_NAME = "rebound-page"
PASSWORD_POLICY = {
    "MinimumLength": 12,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
}


@dataclass(frozen=True, slots=True)
class PeoplePool:
    region: str
    user_pool_id: str
    client_id: str
    cognito_endpoint: str  # where the page (and boto3) talk to Cognito

    def as_json(self) -> dict[str, str]:
        return {
            "region": self.region,
            "user_pool_id": self.user_pool_id,
            "client_id": self.client_id,
            "cognito_endpoint": self.cognito_endpoint,
        }

    def environment(self) -> dict[str, str]:
        """What the API needs to verify this pool's tokens (read by chalicelib.config)."""
        env = {
            "REBOUND_COGNITO_REGION": self.region,
            "REBOUND_COGNITO_USER_POOL_ID": self.user_pool_id,
            "REBOUND_COGNITO_CLIENT_IDS": self.client_id,
            "REBOUND_COGNITO_ENDPOINT": self.cognito_endpoint,
        }
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            # moto serves the JWKS at its own endpoint; the issuer stays the AWS URL.
            env["REBOUND_COGNITO_JWKS_URL"] = (
                f"{endpoint.rstrip('/')}/{self.user_pool_id}/.well-known/jwks.json"
            )
        return env


@dataclass(frozen=True, slots=True)
class Person:
    username: str
    tenant: str | None
    role: str
    enabled: bool
    status: str


def cognito(region: str) -> Any:
    return boto3.client("cognito-idp", region_name=region)


def provision_people(region: str, tenants: Iterable[str] = ()) -> PeoplePool:
    """The pool, its page client and groups (idempotent by name); exports REBOUND_COGNITO_*."""
    idp = cognito(region)
    pool_id = next(
        (
            p["Id"]
            for p in idp.list_user_pools(MaxResults=60)["UserPools"]
            if p["Name"] == POOL_NAME
        ),
        None,
    )
    if pool_id is None:
        pool_id = idp.create_user_pool(
            PoolName=POOL_NAME,
            Policies={"PasswordPolicy": PASSWORD_POLICY},
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        )["UserPool"]["Id"]
    clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((c["ClientId"] for c in clients if c["ClientName"] == CLIENT_NAME), None)
    if client_id is None:
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=CLIENT_NAME,
            GenerateSecret=False,  # a browser page cannot keep a secret
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            PreventUserExistenceErrors="ENABLED",
        )["UserPoolClient"]["ClientId"]
    ensure_groups(region, pool_id, tenants)
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or f"https://cognito-idp.{region}.amazonaws.com"
    pool = PeoplePool(region, pool_id, client_id, endpoint.rstrip("/") + "/")
    os.environ.update(pool.environment())
    return pool


def ensure_groups(region: str, pool_id: str, tenants: Iterable[str]) -> None:
    idp = cognito(region)
    existing = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
    wanted = [STAFF_GROUP]
    for tenant in tenants:
        wanted += [group_for(Role.ADMIN, tenant), group_for(Role.VIEWER, tenant)]
    for name in wanted:
        if name not in existing:
            idp.create_group(UserPoolId=pool_id, GroupName=name)


def demo_password() -> str:
    """A password the pool's policy accepts (upper, lower, digits, a symbol; 22 characters)."""
    return f"Rb-{secrets.token_hex(8)}-x9Z"


def create_person(
    region: str, pool_id: str, username: str, *, role: Role, tenant: str | None, password: str
) -> None:
    """A person with a permanent password, in the one group their role and tenant give."""
    group = group_for(role, tenant)
    if role is not Role.STAFF:
        assert tenant is not None
        ensure_groups(region, pool_id, [tenant])
    idp = cognito(region)
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": username},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


def list_people(region: str, pool_id: str) -> list[Person]:
    idp = cognito(region)
    people = []
    for user in idp.get_paginator("list_users").paginate(UserPoolId=pool_id):
        for u in user["Users"]:
            groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=u["Username"])
            names = [g["GroupName"] for g in groups["Groups"]]
            tenant, role = describe_groups(names)
            people.append(Person(u["Username"], tenant, role, bool(u["Enabled"]), u["UserStatus"]))
    return sorted(people, key=lambda p: (p.tenant or "", p.username))


def disable_person(region: str, pool_id: str, username: str) -> None:
    """Disabled at once for new sign-ins; the API refuses their tokens within a minute
    (chalicelib.aws.cognito.CognitoDirectory), and their refresh tokens are revoked."""
    idp = cognito(region)
    idp.admin_disable_user(UserPoolId=pool_id, Username=username)
    idp.admin_user_global_sign_out(UserPoolId=pool_id, Username=username)


def sign_in(pool: PeoplePool, username: str, password: str) -> dict[str, Any]:
    """USER_PASSWORD_AUTH as the page does it: the AuthenticationResult (tokens)."""
    result: dict[str, Any] = cognito(pool.region).initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return result
