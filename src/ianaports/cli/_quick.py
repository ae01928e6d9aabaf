"""The quick path: the plain, common read commands answered from the store's printed columns.

:func:`answer` recognises only these forms (options in any order, after the
command)::

    show PORT|NAME [--json] [-p|--protocol P] [--data-dir|--cache-dir DIR]
    search TEXT    [--json] [-p|--protocol P] [--limit N] [--data-dir|--cache-dir DIR]
    history PORT|NAME [--json] [-p|--protocol P] [--data-dir|--cache-dir DIR]
    export --format jsonl [-o|--output OUT] [--data-dir|--cache-dir DIR]

and answers them from the newest stored release (:mod:`ianaports.store.quick`),
printing the ``text_row`` and ``json`` columns the writer filled from the full
path's own renderers (:mod:`ianaports.render.stored`); ``history`` runs the
full path's event rule (:mod:`ianaports._history_rule`) over the records'
stored history forms (:mod:`ianaports.store.quick_history`); ``export``
joins the ``jsonl`` column, filled from the full path's own per-record
encoder (:func:`ianaports.render.json.record_json_line`).  It imports sqlite3
and a few small modules, and none of argparse, attrs, the model, json, re or
the store's layers, which is most of what a full run spends.

Everything else is None, and :func:`ianaports.cli.main` runs the full path
(argparse and the command's handler), which is therefore always the
reference: any other option or command, ``--debug``, ``--file``,
``--version``/``--as-of``, an option written ``--opt=value`` or abbreviated,
a query with a slash other than ``PORT/PROTO`` (``EtherNet/IP-2``, ``ssh/tcp``), a
port above 65535 or anything else :func:`ianaports.model.read_query` refuses; an answer
that finds nothing (the full path says so, with its did-you-mean); a blank
folder, a missing, empty or other-version index, a read-only or busy one
SQLite refuses, one SQLite finds damaged where the full path reads; a search
of under three characters or non-ASCII text; a stdout or stderr not in UTF-8.
The answer is computed whole before anything is printed, so leaving can never
print twice.

``tests/test_cli_quick.py`` checks that every answer equals the full path's
(forced with the ``_IANAPORTS_FULL_PATH`` variable) byte for byte on the real
releases, and that a quick run imports what this docstring says.
"""

from __future__ import annotations

from ._basics import PROTOCOL_CHOICES, is_terminal
from ._exit import EXIT_OK

TYPE_CHECKING = False  # typing itself imports re, which a quick answer does without
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

    from ianaports.store.quick import Newest

    from ._basics import Output

__all__ = ["Request", "answer", "read_request"]

#: The options each command's quick form takes, and whether each takes a value.
_OPTIONS: dict[str, dict[str, bool]] = {
    "show": {"--json": False, "-p": True, "--protocol": True, "--data-dir": True, "--cache-dir": True},
    "search": {
        "--json": False,
        "-p": True,
        "--protocol": True,
        "--limit": True,
        "--data-dir": True,
        "--cache-dir": True,
    },
}
#: history PORT|NAME [--json] [-p|--protocol P] [--data-dir|--cache-dir DIR] (see :func:`_history`).
_OPTIONS["history"] = {"--json": False, "-p": True, "--protocol": True, "--data-dir": True, "--cache-dir": True}
#: More digits than any port has: left to the full path (whose refusal names the number).
_PORT_DIGITS = 5
_PORT_MAX = 65535
#: A --limit longer than this is left to the full path (which reads any size int() takes).
_LIMIT_DIGITS = 5


class Request:
    """A command line in one of the quick forms: the command, its one argument and its options."""

    def __init__(self, command: str, argument: str) -> None:
        self.command = command
        self.argument = argument
        self.as_json = False
        self.protocol: str | None = None
        self.limit = 0
        self.data_dir: str | None = None


def read_request(arguments: Sequence[str]) -> Request | None:
    """The request *arguments* make, when they are one of the quick forms; else None."""
    if arguments and arguments[0] == "export":
        return _export_request(arguments[1:])
    if not arguments or arguments[0] not in _OPTIONS:
        return None
    options = _OPTIONS[arguments[0]]
    positional: list[str] = []
    values: dict[str, str] = {}
    json_asked = False
    rest = iter(arguments[1:])
    for word in rest:
        if not word.startswith("-"):
            positional.append(word)
            continue
        takes_value = options.get(word)
        if takes_value is None:
            return None  # --debug, --file, --help, "--", "-5", --opt=value, an abbreviation...
        if not takes_value:
            json_asked = True
            continue
        value = next(rest, None)
        if value is None or value.startswith("-") or not value:
            return None
        key = "-p" if word == "--protocol" else "--data-dir" if word == "--cache-dir" else word
        if key == "-p" and key in values:
            return None  # given twice: the full path says whether they agree
        if key == "--limit" and _limit(value) is None:
            return None  # argparse checks every value given, not only the last one
        values[key] = value
    if len(positional) != 1:
        return None
    request = Request(arguments[0], positional[0])
    request.as_json = json_asked
    request.data_dir = values.get("--data-dir")
    if "-p" in values:
        protocol = values["-p"].lower()
        if protocol not in PROTOCOL_CHOICES:
            return None
        request.protocol = protocol
    if "--limit" in values:
        request.limit = int(values["--limit"])  # checked as it was read
    return request


def _export_request(arguments: Sequence[str]) -> Request | None:
    """``export --format jsonl [-o|--output OUT] [--data-dir|--cache-dir DIR]``, each option once; else None.

    The request's argument is OUT, or "" for stdout.  ``-o -`` (stdout too) and
    a value starting with "-" are the full path's, as is any other option.
    """
    values: dict[str, str] = {}
    rest = iter(arguments)
    for word in rest:
        key = _EXPORT_OPTIONS.get(word)
        value = next(rest, None)
        if key is None or key in values or value is None or not value or value.startswith("-"):
            return None
        values[key] = value
    if values.get("--format") != "jsonl":
        return None
    request = Request("export", values.get("-o", ""))
    request.data_dir = values.get("--data-dir")
    return request


#: export's options in its quick form, each as the key it is read under; every one takes a value.
_EXPORT_OPTIONS = {
    "--format": "--format",
    "-o": "-o",
    "--output": "-o",
    "--data-dir": "--data-dir",
    "--cache-dir": "--data-dir",
}


def _limit(text: str) -> int | None:
    """The --limit *text* gives, in plain digits and at least 1; None for anything else (the full path's to read)."""
    if not (text.isascii() and text.isdigit()) or len(text) > _LIMIT_DIGITS or int(text) < 1:
        return None
    return int(text)


def answer(arguments: Sequence[str], out: Output) -> tuple[int, str, str] | None:
    """The exit code, stdout text and stderr text of *arguments*, computed whole; None: the full path answers."""
    request = read_request(arguments)
    if request is None or not (_utf8(out.stdout) and _utf8(out.stderr)):
        return None
    newest = _open(request.data_dir)
    if newest is None:
        return None
    try:
        if request.command == "show":
            return _show(newest, request, aligned=is_terminal(out.stdout))
        if request.command == "history":
            return _history(newest, request)
        if request.command == "export":
            return _export(newest, request.argument)
        return _search(newest, request, aligned=is_terminal(out.stdout))
    finally:
        newest.close()


def _utf8(stream: TextIO) -> bool:
    """True when *stream* takes any text: UTF-8, or no encoding at all (a StringIO)."""
    encoding = getattr(stream, "encoding", None)
    return encoding is None or encoding.lower().replace("_", "-") in ("utf-8", "utf8")


def _open(data_dir: str | None) -> Newest | None:
    """The newest release of the store the full path reads: --data-dir, else the environment, else the default."""
    from ianaports.store.layout import configured_data_dir  # noqa: PLC0415 - after the command line is read
    from ianaports.store.quick import open_newest  # noqa: PLC0415

    folder = configured_data_dir(data_dir)
    if folder is None or folder.startswith("~"):
        # The platform's folder (platformdirs, and a store ianaports 0.1 left to move), or one to expand.
        from ianaports.store.layout import resolve_data_dir  # noqa: PLC0415

        folder = str(resolve_data_dir(data_dir))
    return open_newest(folder)


def _show(newest: Newest, request: Request, *, aligned: bool) -> tuple[int, str, str] | None:
    """``show PORT``, ``show A-B``, ``show PORT/PROTO`` and ``show NAME``, as ``cmd_show`` answers what it finds."""
    query, protocol = _without_protocol(newest, request.argument.strip(), request.protocol)
    if not query:
        return None
    if "/" in query:
        return None  # a name holding a slash (EtherNet/IP-2) or text split_protocol refuses
    span = _span(query)
    if span is not None:
        found = newest.span(*span, protocol)
    elif any(character.isalpha() for character in query):
        found = newest.name(query, protocol)
    else:
        return None  # a port above 65535, a span ending before it starts, text read_query refuses
    if not found:
        return None
    printed = _records(newest, found, as_json=request.as_json, aligned=aligned)
    return None if printed is None else (EXIT_OK, printed, "")


def _without_protocol(newest: Newest, query: str, given: str | None) -> tuple[str, str | None]:
    """``PORT/PROTO`` or ``A-B/PROTO`` as the port or span and its protocol, when that is the reading.

    Only the plain case: ASCII digits (or a span of them) before one slash,
    a transport protocol after it, no blanks; and the whole text is no service
    name (a real name wins, as ``split_protocol`` says).  A suffix disagreeing
    with --protocol is the full path's usage error: ``("", None)``, as for
    anything else with a slash this does not read (left as it is).
    """
    head, slash, suffix = query.partition("/")
    if not slash:
        return query, given
    protocol = suffix.lower()
    if "/" in suffix or protocol not in PROTOCOL_CHOICES or _span(head) is None or not head.isascii():
        return query, given
    if any(character.isspace() for character in query):
        return "", None
    if given not in (None, protocol):
        return "", None
    named = newest.name(query, None)
    if named is None or named:
        return "", None  # a service name holding a slash (or an index that cannot say)
    return head, protocol


def _span(query: str) -> tuple[int, int] | None:
    """The port (as a span of one) or span ``A-B`` that *query* names, in ASCII digits; None for anything else.

    As :func:`ianaports.model.read_query` reads them: blanks allowed around the
    hyphen, leading zeros allowed; None also for a number above 65535 or a
    span that ends before it starts (which the full path refuses).
    """
    first, hyphen, second = query.partition("-")
    ends = [first.strip(), second.strip()] if hyphen else [query]
    if not all(end.isascii() and end.isdigit() and len(end) <= _PORT_DIGITS for end in ends):
        return None
    start, end = int(ends[0]), int(ends[-1])
    if end > _PORT_MAX or end < start:
        return None
    return start, end


def _search(newest: Newest, request: Request, *, aligned: bool) -> tuple[int, str, str] | None:
    """``search TEXT``, as :func:`ianaports.cli.lookup.cmd_search` answers when it finds records."""
    text = request.argument
    stripped = text.strip()
    if "/" in text or not stripped:
        return None  # NAME/PROTOCOL, a name with a slash, or a usage error
    found = newest.search(stripped.lower(), request.protocol)
    if not found:
        return None
    if request.limit:
        found = found[: request.limit]
    printed = _records(newest, found, as_json=request.as_json, aligned=aligned)
    if printed is None:
        return None
    said = ""
    if stripped.isascii() and stripped.isdigit():
        # search looks in names and descriptions; a port number is what show answers.
        said = f"ianaports: search reads {stripped!r} as text; for the port run 'ianaports show {text}'\n"
    return EXIT_OK, printed, said


def _records(newest: Newest, found: list[int], *, as_json: bool, aligned: bool) -> str | None:
    """The records as ``_answer_records`` prints them: a JSON document, or a table."""
    from ianaports.render import stored  # noqa: PLC0415 - after the store answered

    if as_json:
        objects = newest.json_objects(found)
        return None if objects is None else stored.records_document(newest.updated, objects)
    rows = newest.text_rows(found)
    if rows is None:
        return None
    from ianaports.render.text import RECORD_HEADER, format_table  # noqa: PLC0415

    return format_table(RECORD_HEADER, stored.table_rows(rows), aligned=aligned) + "\n"


# --- export ---------------------------------------------------------------------------------------


def _export(newest: Newest, output: str) -> tuple[int, str, str] | None:
    """``export --format jsonl``, as :func:`ianaports.cli.cache.cmd_export` writes it: stdout, or *output*.

    The release's stored lines in its file order (a record it lists twice
    comes twice), once the rows the full path decodes for it read.  A file is
    written through the full path's :func:`ianaports._files.replacing`, so it
    is replaced atomically (a device such as /dev/null written in place);
    when that fails the full path answers, and says why.
    """
    members = list(newest.members)
    if not newest.release_read() or not newest.people_read(members):
        return None  # damage the full path meets when it loads the release: it names it (exit 4)
    lines = newest.json_lines(members)
    if lines is None:
        return None
    text = "".join([line + "\n" for line in lines])
    if not output:
        return EXIT_OK, text, ""
    from ianaports._files import replacing  # noqa: PLC0415 - pathlib and tempfile only for a file
    from ianaports.errors import CacheError  # noqa: PLC0415

    try:
        with replacing(output) as handle:
            handle.write(text.encode("utf-8"))
    except CacheError:
        return None  # nothing replaced: the full path tries again and says why (exit 73)
    return EXIT_OK, "", f"ianaports: wrote jsonl of the {newest.updated} release to {output}\n"


# --- history ---------------------------------------------------------------------------------------


def _history(newest: Newest, request: Request) -> tuple[int, str, str] | None:
    """``history PORT|NAME``, as :func:`ianaports.cli.changes.cmd_history` answers when there are events.

    None for a query with a slash, a span or a port above 65535, and a
    history with no event (the full path says so, with its did-you-mean).
    """
    from ianaports.render import stored_history  # noqa: PLC0415 - after the command line is read
    from ianaports.store import quick_history  # noqa: PLC0415

    query = request.argument.strip()
    port: int | None = None
    name: str | None = None
    if "/" in query:
        return None  # NAME/PROTOCOL, or a name holding a slash: the full path decides, with the releases
    if query.isascii() and query.isdigit():
        if len(query) > _PORT_DIGITS or int(query) > _PORT_MAX:
            return None
        port = int(query)
    elif any(character.isalpha() for character in query):
        name = query
    else:
        return None  # a span, or text read_query refuses
    found = quick_history.history(newest.connection, port=port, name=name, protocol=request.protocol)
    if found is None or not found.events:
        return None
    if not newest.people_read([event.record_id for event in found.events]):
        return None  # damage the full path meets when it decodes these records: it names it (exit 4)
    events = [event.printed for event in found.events]
    if request.as_json:
        objects = newest.json_objects([event.record_id for event in found.events])
        if objects is None:
            return None
        printed = stored_history.history_document((port, name, request.protocol), found.versions, events, objects)
        return None if printed is None else (EXIT_OK, printed, "")
    what = str(port) if port is not None else name
    query_text = f"{what}/{request.protocol}" if request.protocol else str(what)
    return EXIT_OK, stored_history.history_text(query_text, found.versions, events) + "\n", ""
