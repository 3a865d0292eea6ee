"""The people who sign in to the report page: an Amazon Cognito user pool (issue 10).

- The pool: administrators create people (no self sign-up); usernames are e-mail addresses;
  passwords of 12+ characters with upper, lower, digits and symbols; recovery by verified
  e-mail; kept when the stack is deleted (people are not rebuilt from code). The Essentials
  feature plan (cdk-nag COG8 acknowledged below, with the reason).
- Groups give role and tenant (chalicelib.tenancy.people): `staff` is made here; the tenant
  groups `tenant-<id>-admin` / `tenant-<id>-viewer` are made by `rebound users create` when a
  tenant's first person is added, so a new tenant needs no deploy.
- One app client for the page: USER_PASSWORD_AUTH and refresh tokens, no secret (a browser
  cannot keep one), hour-long access tokens, user-existence errors hidden. The pool can later
  federate the MMS's own sign-in as an identity provider without changing the API.
- The API function learns the pool through REBOUND_COGNITO_* and may call AdminGetUser only
  (is this person still enabled?).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from chalicelib.config import Env
from chalicelib.tenancy.people import STAFF_GROUP
from infra.constructs.chalice_app import ReboundFunctions
from infra.nag import acknowledge


class ReboundPeople(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, functions: ReboundFunctions, api_id: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True),
            sign_in_case_sensitive=False,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "The Essentials plan: people are created by staff only (no self sign-up), few, and "
            "known; Plus's threat protection is priced per user and can be switched on later "
            "without changing the API or the page.",
        )
        cognito.CfnUserPoolGroup(
            self,
            "StaffGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=STAFF_GROUP,
            description="Customer-service staff: every tenant",
        )
        self.page_client = self.user_pool.add_client(
            "PageClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True),
            prevent_user_existence_errors=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),
        )
        for key, value in {
            Env.COGNITO_USER_POOL_ID: self.user_pool.user_pool_id,
            Env.COGNITO_CLIENT_IDS: self.page_client.user_pool_client_id,
        }.items():
            functions.set_environment(api_id, key, value)
        functions.roles[api_id].add_to_principal_policy(
            iam.PolicyStatement(
                sid="AskWhetherAPersonIsEnabled",
                actions=["cognito-idp:AdminGetUser"],
                resources=[self.user_pool.user_pool_arn],
            )
        )
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "PageClientId", value=self.page_client.user_pool_client_id)
