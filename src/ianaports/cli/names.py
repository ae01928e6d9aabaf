"""Checking a service name before applying for it: ``check-name``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ianaports.names import APPLICATION_URL, check_name
from ianaports.oslimits import machine_ports
from ianaports.render.json import check_name_to_json

from ._common import add_command, add_json_option, add_protocol_option, add_registry_source, release
from ._exit import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    import argparse

    from ianaports.names import NameCheck

    from ._common import Commands, Output

__all__ = ["add_check_name", "cmd_check_name"]


def _exit(found: NameCheck) -> int:
    if not found.valid:
        return EXIT_USAGE
    return EXIT_NOT_FOUND if found.taken else EXIT_OK


def cmd_check_name(args: argparse.Namespace, out: Output) -> int:
    """Check a service name: RFC 6335's rules, whether it is taken, similar names, ports to ask for."""
    with release(args, out, whole=True) as registry:
        found = check_name(registry, args.name, args.protocol, machine=machine_ports())
    if args.json:
        out.json(check_name_to_json(registry, found))
        return _exit(found)
    if found.valid:
        out.line(f"{found.name!r} follows the service-name rules of RFC 6335 section 5.1.")
    else:
        out.line(f"{found.name!r} is not a valid service name (RFC 6335 section 5.1):")
        for rule in found.broken:
            out.line(f"  - {rule.id}: {rule.text}")
    if found.taken:
        protocols = ", ".join(str(protocol) for protocol in found.taken_protocols) or "no protocol"
        spelled = ", ".join(dict.fromkeys(record.name or "" for record in found.records))
        out.line(f"It is taken in the registry of {registry.updated}: {spelled} on {protocols}.")
        if found.protocol is not None and found.protocol not in found.taken_protocols:
            out.line(f"It is not registered on {found.protocol}; only its assignee may ask IANA to add it.")
    else:
        out.line(f"It is not registered in the registry of {registry.updated} (names compare in any case).")
    out.line(f"Similar registered names: {', '.join(found.similar) or 'none'}")
    ports = ", ".join(str(port) for port in found.suggested_ports) or "none found"
    out.line(f"Free ports to ask for (avoiding everything 'ianaports free' avoids): {ports}")
    out.line(f"IANA's application ({APPLICATION_URL}) asks for:")
    for item in found.application:
        need = "required" if item.required else "optional"
        out.line(f"  {item.field} ({need}): {item.value}")
    return _exit(found)


def add_check_name(commands: Commands) -> None:
    """Register ``check-name``."""
    parser = add_command(
        commands,
        "check-name",
        cmd_check_name,
        help="check a service name before applying for it (RFC 6335 rules, taken, similar names)",
        description="Check a service name against RFC 6335 section 5.1 (1-15 letters, digits and hyphens, at "
        "least one letter, no hyphen at either end or next to another), say whether the registry has it "
        "(in any case, on which protocols), list similar registered names and suggest free ports, with the "
        "fields IANA's application asks for. Exits 0 when the name is valid and free, 1 when it is taken, "
        "2 when it breaks a rule.",
        examples=["ianaports check-name my-service", "ianaports check-name ssh --json", "ianaports check-name a_b"],
    )
    parser.add_argument("name", metavar="NAME", help="the service name to check")
    add_protocol_option(parser, "the protocol you would register it on")
    add_json_option(parser)
    add_registry_source(parser)
