"""Service-name rules (RFC 6335 section 5.1) and check_name on the newest real release."""

from __future__ import annotations

import re

import pytest

from ianaports.model import Protocol
from ianaports.names import NAME_RULES, check_name, name_problems
from ianaports.oslimits import OsPorts
from realdata import PROJECT_ROOT

NAMES_DOC = PROJECT_ROOT / "docs" / "names.md"
MACHINE = OsPorts(system="Linux", source="test", measured=True, ephemeral=())


def documented_invalid() -> dict[str, list[str]]:
    """The table of docs/names.md: each registered name that breaks a rule, with the rule ids."""
    rows = re.findall(r"^\| `([^`]+)` \| ([a-z, -]+) \| [^|]+ \|$", NAMES_DOC.read_text(encoding="utf-8"), re.MULTILINE)
    return {name: rules.split(", ") for name, rules in rows}


class TestRules:
    @pytest.mark.parametrize(
        ("name", "broken"),
        [
            ("ssh", []),
            ("a", []),
            ("x-1", []),
            ("ab-cd-ef-gh-ijk", []),
            ("HTTP-Alt", []),
            ("", ["length", "letter"]),
            ("abcdefghijklmnop", ["length"]),
            ("a_b", ["characters"]),
            ("EtherNet/IP-1", ["characters"]),
            ("café", ["characters"]),
            ("1234", ["letter"]),
            ("-", ["letter", "hyphen-ends"]),
            ("-ab", ["hyphen-ends"]),
            ("ab-", ["hyphen-ends"]),
            ("a--b", ["double-hyphen"]),
            ("--a--", ["hyphen-ends", "double-hyphen"]),
        ],
    )
    def test_each_rule(self, name, broken):
        """Each rule of RFC 6335 section 5.1 is caught by its own id, in the RFC's order."""
        assert [rule.id for rule in name_problems(name)] == broken

    def test_rule_ids(self):
        """The five rules, in RFC order."""
        assert [rule.id for rule in NAME_RULES] == ["length", "characters", "letter", "hyphen-ends", "double-hyphen"]


class TestEveryRegisteredName:
    def test_valid_pass_and_documented_invalid_fail(self, newest):
        """Every name of the newest release passes, except the documented legacy ones, which fail their rule."""
        documented = documented_invalid()
        assert len(documented) == 97
        names = {record.name for record in newest.records if record.name}
        found = {name: [rule.id for rule in name_problems(name)] for name in names if name_problems(name)}
        assert found == documented


class TestCheckName:
    def test_free_name(self, newest):
        """A valid unregistered name is free, with similar names, ports and the application's fields."""
        found = check_name(newest, "my-service", "tcp", machine=MACHINE, suggestions=3)
        assert (found.valid, found.taken) == (True, False)
        assert "td-service" in found.similar
        assert len(found.suggested_ports) == 3
        assert all(1024 <= port < 30000 for port in found.suggested_ports)
        for port in found.suggested_ports:
            assert all(record.is_unassigned for record in newest.lookup(port, "tcp"))
        fields = [item.field for item in found.application]
        required = ["Service Name", "Transport Protocol(s)", "Assignee", "Contact", "Description", "Reference"]
        assert fields[:6] == required
        assert found.application[0].value == "my-service"

    def test_taken_in_any_case(self, newest):
        """SSH is taken because ssh is, on tcp, udp and sctp."""
        found = check_name(newest, "SSH", machine=MACHINE)
        assert found.taken
        assert found.taken_protocols == (Protocol.TCP, Protocol.UDP, Protocol.SCTP)
        assert {record.name for record in found.records} == {"ssh"}

    def test_legacy_invalid_is_taken_and_invalid(self, newest):
        """EtherNet/IP-1 is registered yet breaks the characters rule."""
        found = check_name(newest, "ethernet/ip-1", machine=MACHINE)
        assert found.taken
        assert [rule.id for rule in found.broken] == ["characters"]
