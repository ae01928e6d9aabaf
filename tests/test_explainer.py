"""The explain view: a port's or a name's records, people, range facts, notes and advice."""

from __future__ import annotations

import pytest

import ianaports
from ianaports import NotFoundError, Protocol
from ianaports.explainer import explain
from ianaports.notes import load_notes

UNASSIGNED_PORT = 28005


class TestExplainView:
    def test_port_view(self, newest):
        """A port's view holds its assignments across protocols, people, range facts and notes."""
        view = ianaports.explain(newest, 2304)
        assert view.names == ("attachmate-uts",)
        assert view.protocols == (Protocol.TCP, Protocol.UDP)
        assert [person.id for person in view.people] == ["George_Gianelos"]
        assert [facts.port for facts in view.ranges] == [2304]
        assert [note.id for note in view.notes] == ["attachmate-uts"]
        assert view.internal_use is None
        assert view.release == newest.updated

    def test_name_view_spans_ports(self, newest):
        """A name's view covers every port of that name."""
        view = ianaports.explain(newest, "TaskMaster2000")
        assert view.ports == (2402, 2403)
        assert len(view.records) == 4

    def test_unassigned_view(self, newest):
        """An unassigned port gets a view with its range and advice for internal use."""
        view = explain(newest, str(UNASSIGNED_PORT), load_notes(environ={}))
        assert not view.is_assigned
        assert [record.is_unassigned for record in view.spans] == [True] * len(view.spans)
        assert view.internal_use is not None
        assert view.internal_use.sensible

    @pytest.mark.parametrize("port", [80, 40000, 50000])
    def test_internal_use_advice_against(self, newest, port):
        """Assigned, ephemeral and dynamic ports are not advised for internal services."""
        view = explain(newest, port, load_notes(environ={}))
        if view.internal_use is not None:
            assert not view.internal_use.sensible
        else:
            assert view.is_assigned

    def test_unknown_name(self, newest):
        """An unknown service name raises NotFoundError."""
        with pytest.raises(NotFoundError):
            explain(newest, "no-such-service-xyz", load_notes(environ={}))

    @pytest.mark.parametrize("query", ["6000-6063", "6000 - 6063", "1-2-3", "-5", ""])
    def test_span_or_nonsense_is_invalid(self, newest, query):
        """A span or text that is neither a port nor a name raises InvalidArgumentError, not NotFoundError."""
        with pytest.raises(ianaports.InvalidArgumentError):
            explain(newest, query, load_notes(environ={}))

    def test_records_are_not_changed(self, newest):
        """Explaining leaves the registry's records untouched (views sit beside them)."""
        before = newest.lookup(22)
        explain(newest, 22)
        assert newest.lookup(22) == before
