"""cfn-lint finds no errors in the synthesized template (what `make synth` also checks)."""

from __future__ import annotations

import pytest

from rebound.synth import lint
from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra


def test_cfn_lint_reports_no_errors(synthesized: Synthesized) -> None:
    assert lint(synthesized.template_path) == 0
