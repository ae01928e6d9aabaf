# The compiled record reader (_treewalk.pyx); parser.py is its only caller.
from collections.abc import Callable
from typing import Any

from lxml import etree

from .model import PartialDate, Person, PortRange, ServiceRecord

BUILT_WITH_LXML: str

class Walker:
    def __init__(
        self,
        reader: Any,  # noqa: ANN401 - parser._RecordReader, whose caches the walker shares
        ports_of: Callable[[str | None], PortRange | None],
        protocol_of: Callable[[str | None], Any],
        date_of: Callable[[str | None, str], PartialDate | None],
        service_code_of: Callable[[str | None], int | None],
    ) -> None: ...

def prepare(
    record_type: type[ServiceRecord],
    span_type: type[PortRange],
    date_type: type[PartialDate],
    person_type: type[Person],
) -> None: ...
def read_records(
    root: etree._Element,
    walker: Walker,
    read_slowly: Callable[[int, etree._Element], ServiceRecord | None],
) -> list[ServiceRecord]: ...
def read_people(
    root: etree._Element,
    date_of: Callable[[str], PartialDate],
) -> dict[str, Person] | None: ...
