"""Decisions belong to people (issue 10): the two-person rule compares people, never keys; a
plan keeps the figures it was made with, and later settings only make approval stricter."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.api.codec import convert
from chalicelib.api.models import MassDeleteBody
from chalicelib.errors import Forbidden
from chalicelib.massdelete.model import Policy
from chalicelib.ports import TenantSettings
from chalicelib.tenancy.access import Principal, PrincipalKind, Role
from tests.unit.massdelete.test_service import FakeTenants, parts, service

__all__ = ["parts"]  # the fixture, shared with test_service

ANN = Principal("riverside", "sub-ann", Role.ADMIN, "ann@example.com", PrincipalKind.PERSON)
BOB = Principal("riverside", "sub-bob", Role.ADMIN, "bob@example.com", PrincipalKind.PERSON)
KEY = Principal("riverside", "k2", Role.ADMIN, "ann's script")
STAFF_KEY = Principal("_staff", "k3", Role.STAFF, "ops")
BODY = {"addresses": ["ann@example.net"]}


def _second_person(parts: dict[str, Any]) -> Any:
    jobs = parts["jobs"]
    jobs.get_policy = lambda tenant, default: replace(default, require_second_person=True)
    return service(parts)


def test_the_requester_cannot_approve_their_own_job(parts: dict[str, Any]) -> None:
    svc = _second_person(parts)
    job = svc.create(ANN, "riverside", convert(BODY, MassDeleteBody))
    assert job.requested_by == "ann@example.com" and job.second_person_required
    with pytest.raises(Forbidden, match="someone other than the requester"):
        svc.approve(ANN, "riverside", job.id)


def test_a_machine_key_is_never_the_second_person(parts: dict[str, Any]) -> None:
    svc = _second_person(parts)
    job = svc.create(ANN, "riverside", convert(BODY, MassDeleteBody))
    for key in (KEY, STAFF_KEY):
        with pytest.raises(Forbidden, match="sign in as yourself"):
            svc.approve(key, "riverside", job.id)
    approved = svc.approve(BOB, "riverside", job.id)
    assert approved.approved_by == "bob@example.com"
    actors = [(e.action, e.actor) for e in parts["jobs"].audit]
    assert actors == [("planned", "ann@example.com"), ("approved", "bob@example.com")]


def test_a_plan_keeps_its_figures_and_new_settings_only_tighten(parts: dict[str, Any]) -> None:
    svc = service(parts)
    job = svc.create(ANN, "riverside", convert(BODY, MassDeleteBody))
    assert job.plan_figures is not None
    assert job.plan_figures.contact_count is None
    assert job.plan_figures.max_share == Policy().max_share
    # Since the plan, staff learnt the tenant has only 2 contacts: 1 of 2 is over 20 %.
    tight = TenantSettings("riverside", contact_count=2)
    svc._tenants = type("T", (FakeTenants,), {"get_tenant": lambda self, t: tight})()
    with pytest.raises(Forbidden, match="circuit breaker"):
        svc.approve(BOB, "riverside", job.id)
    staff = Principal("_staff", "s", Role.STAFF, "stan@example.net", PrincipalKind.PERSON)
    assert svc.approve(staff, "riverside", job.id).approved_by == "stan@example.net"
