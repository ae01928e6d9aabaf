"""Shell completion: ``completion``, generated from the command's own parser by shtab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ianaports.render.json import completion_to_json

from ._common import add_command, add_json_option
from ._exit import EXIT_OK

if TYPE_CHECKING:
    import argparse

    from ._common import Commands, Output

__all__ = ["COMPLETION_SHELLS", "add_completion", "cmd_completion"]

COMPLETION_SHELLS = ("bash", "zsh", "fish", "tcsh", "powershell")


def cmd_completion(args: argparse.Namespace, out: Output) -> int:
    """Print a shell completion script generated from this very parser."""
    import shtab  # noqa: PLC0415 - only needed here

    script = shtab.complete(args.root_parser, shell=args.shell)
    if args.json:
        out.json(completion_to_json(args.shell, script))
    else:
        out.stdout.write(script if script.endswith("\n") else script + "\n")
    return EXIT_OK


def add_completion(commands: Commands) -> None:
    """Register ``completion``."""
    completion = add_command(
        commands,
        "completion",
        cmd_completion,
        help="print a shell completion script (bash, zsh, fish, tcsh, powershell)",
        description="Print a completion script for your shell, generated from the command's own parser by shtab.",
        examples=[
            "ianaports completion bash > ~/.local/share/bash-completion/completions/ianaports",
            "ianaports completion zsh > ~/.zfunc/_ianaports",
            "ianaports completion fish > ~/.config/fish/completions/ianaports.fish",
        ],
    )
    completion.add_argument("shell", choices=COMPLETION_SHELLS, help="the shell to complete for")
    add_json_option(completion, "print JSON: {shell, script}")
