"""The state models as data: complete, consistent, and every partner code mapped."""

import pytest
from django.utils import translation

from bibliobridge.ill.enums import Role, Service, State
from bibliobridge.ill.iso18626 import codes
from bibliobridge.ill.iso18626.codes import VERSIONS
from bibliobridge.ill.states import (
    ATTENTION,
    NEEDS_STAFF,
    PARTNER,
    RECORDED_ONLY,
    REQUESTER_ACTIONS,
    STAFF,
    STEPS,
    SUPPLIER_STATUS,
    SUPPLIER_STATUSES,
    SYSTEM,
    TERMINAL,
    repeats,
    staff_steps,
    states_of,
    step_for,
)

ROLES = (Role.REQUESTER, Role.SUPPLIER)
ISO_ACTIONS = {"Request", "Retry", "Cancel", "Received", "Renew", "ShippedReturn"}


def test_every_supplier_status_is_mapped_for_the_requester():
    partner_events = {s.event for s in STEPS if s.role == Role.REQUESTER and s.by == PARTNER}
    for status in SUPPLIER_STATUSES:
        assert status in partner_events or status in RECORDED_ONLY[Role.REQUESTER], status


def test_every_requester_action_is_mapped_for_the_supplier():
    partner_events = {s.event for s in STEPS if s.role == Role.SUPPLIER and s.by == PARTNER}
    for action in REQUESTER_ACTIONS:
        assert action in partner_events or action in RECORDED_ONLY[Role.SUPPLIER], action


def test_every_code_of_either_version_is_one_a_side_may_send():
    assert set(REQUESTER_ACTIONS) == {a for v in VERSIONS for a in codes.ACTION[v]}
    assert set(SUPPLIER_STATUSES) == {s for v in VERSIONS for s in codes.STATUS[v]}


def test_what_staff_must_act_on_is_recorded_and_said_in_both_languages():
    for role, events in NEEDS_STAFF.items():
        for event, why in events.items():
            assert event in RECORDED_ONLY[role]
            with translation.override("zh-hans"):
                chinese = str(why)
            with translation.override("en"):
                assert chinese != str(why), event


def test_steps_name_real_states_and_kinds():
    names = set(State.values)
    for step in STEPS:
        assert set(step.sources) <= names and step.target in names, step
        assert step.by in (PARTNER, STAFF, SYSTEM)
        assert bool(step.label) == (step.by == STAFF), step
        assert set(step.services) <= set(Service.values)


def test_what_each_side_sends_is_an_iso_code():
    for step in STEPS:
        if step.role == Role.REQUESTER:
            assert not step.status and (not step.action or step.action in ISO_ACTIONS), step
        else:
            assert not step.action
            assert not step.status or step.status in SUPPLIER_STATUSES, step


@pytest.mark.parametrize("role", ROLES)
def test_terminal_states_have_no_way_out_and_the_others_do(role):
    for state in states_of(role):
        leaving = [s for s in STEPS if s.role == role and state in s.sources]
        if state in TERMINAL[role]:
            assert not leaving, (state, leaving)
        else:
            assert leaving, state


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", Service.values)
def test_every_state_is_reachable_and_completion_too(role, service):
    reached, frontier = {State.NEW.value}, [State.NEW.value]
    while frontier:
        state = frontier.pop()
        for step in STEPS:
            if step.role == role and state in step.sources and service in step.services:
                if step.target not in reached:
                    reached.add(step.target)
                    frontier.append(step.target)
    assert State.COMPLETED in reached and State.CANCELLED in reached
    used = {
        t for s in STEPS if s.role == role and service in s.services for t in (*s.sources, s.target)
    }
    assert used <= reached


def test_the_table_knows_loans_from_copies():
    assert step_for(Role.REQUESTER, State.SENT, "Loaned", Service.LOAN).target == State.SHIPPED
    assert step_for(Role.REQUESTER, State.SENT, "Loaned", Service.COPY) is None
    assert step_for(Role.REQUESTER, State.SENT, "CopyCompleted", Service.COPY).target == (
        State.COMPLETED
    )
    assert step_for(Role.SUPPLIER, State.WILL_SUPPLY, "ship", Service.COPY) is None


def test_illegal_events_are_refused():
    assert step_for(Role.REQUESTER, State.COMPLETED, "Loaned", Service.LOAN) is None
    assert step_for(Role.REQUESTER, State.NEW, "WillSupply", Service.LOAN) is None
    assert step_for(Role.SUPPLIER, State.NEW, "Received", Service.LOAN) is None
    assert step_for(Role.SUPPLIER, State.CANCELLED, "ship", Service.LOAN) is None


def test_repeats_and_staff_buttons():
    assert repeats(Role.REQUESTER, State.WILL_SUPPLY, "WillSupply")
    assert not repeats(Role.REQUESTER, State.SENT, "WillSupply")
    events = [s.event for s in staff_steps(Role.SUPPLIER, State.NEW, Service.LOAN)]
    assert events == ["expect_to_supply", "will_supply", "unfilled", "offer_conditions", "ship"]


def test_attention_and_status_answers_cover_the_states():
    for role in ROLES:
        assert ATTENTION[role] <= set(states_of(role))
    assert set(SUPPLIER_STATUS) == set(states_of(Role.SUPPLIER))
