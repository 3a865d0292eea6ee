"""The `rebound` console script: one subcommand per module, imported only when it runs.

Subcommand modules are imported lazily so that `rebound parse` never loads AWS libraries. A
module may offer `fast_args(argv)`: the arguments of its plain invocations read without
argparse, whose parser construction (help formatting pulls in shutil, locale and gettext) was
~8 ms of every `rebound parse` start-up (python -X importtime); anything else goes to argparse.
"""

from __future__ import annotations

import importlib
import sys

# Annotations only (see rebound.parse_cmd).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

# subcommand -> (module, one-line help). Each module has `configure(parser)` and `run(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("rebound.parse_cmd", "parse bounce files and print one JSON line per file"),
    "local": ("rebound.local.cmd", "run the whole service locally on the local AWS stack"),
    "return-path": ("rebound.tenancy_cmd", "print a signed VERP return path for one recipient"),
    "keys": ("rebound.tenancy_cmd", "create, list and revoke machine API keys"),
    "users": ("rebound.users_cmd", "create, list and disable the people who sign in"),
    "summary": ("rebound.summary_cmd", "print or send a tenant's (or the staff) digest now"),
    "mass-delete": ("rebound.massdelete_cmd", "plan, approve, follow and undo mass deletes"),
    "recheck": ("rebound.recheck_cmd", "re-check addresses by DNS (syntax, domain, MX, lists)"),
    "forget": ("rebound.forget_cmd", "erase one person's data for a tenant (staff; audited)"),
    "totals": ("rebound.totals_cmd", "recount a tenant's address totals (backfill, repair)"),
}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in COMMANDS:
        module = importlib.import_module(COMMANDS[args_list[0]][0])
        fast = getattr(module, "fast_args", None)
        args = fast(args_list[1:]) if fast is not None else None
        if args is not None:
            return int(module.run(args, args_list[0]))
    import argparse

    parser = argparse.ArgumentParser(prog="rebound", description="Rebound bounced-email service")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not args_list or args_list[0] not in COMMANDS:
        parser.print_help() if not args_list or args_list[0] in {"-h", "--help"} else None
        if args_list and args_list[0] not in {"-h", "--help"}:
            parser.error(f"unknown command {args_list[0]!r}; choose one of {', '.join(COMMANDS)}")
        return 0 if args_list else 2
    name = args_list[0]
    module = importlib.import_module(COMMANDS[name][0])
    cmd_parser = argparse.ArgumentParser(prog=f"rebound {name}", description=COMMANDS[name][1])
    module.configure(cmd_parser, name)
    args = cmd_parser.parse_args(args_list[1:])
    return int(module.run(args, name))


if __name__ == "__main__":
    sys.exit(main())
