"""The review workflow's rules, alone: who may move a revision, and who may see it."""

from __future__ import annotations

import pytest

from mentor_app.playbooks import policy
from mentor_app.playbooks.policy import DECLINED, DRAFT, IN_REVIEW, PUBLISHED


@pytest.mark.parametrize(
    ("action", "state", "role", "is_author", "allowed"),
    [
        ("submit", DRAFT, "consultant", True, True),
        ("submit", DRAFT, "coordinator", False, False),  # a draft is its author's own
        ("submit", IN_REVIEW, "consultant", True, False),
        ("discard", DRAFT, "consultant", True, True),
        ("discard", IN_REVIEW, "consultant", True, False),
        ("return", IN_REVIEW, "consultant", True, True),  # the author withdraws it
        ("return", IN_REVIEW, "consultant", False, False),
        ("return", IN_REVIEW, "coordinator", False, True),
        ("publish", IN_REVIEW, "consultant", True, False),  # psychologists propose…
        ("publish", IN_REVIEW, "coordinator", False, True),  # …coordinators publish
        ("publish", DRAFT, "coordinator", True, False),  # always through review
        ("publish", PUBLISHED, "coordinator", False, False),
        ("decline", IN_REVIEW, "coordinator", False, True),
        ("decline", IN_REVIEW, "consultant", True, False),
        ("publish", IN_REVIEW, "mentor", True, False),
        ("submit", DRAFT, "mentor", True, False),  # mentors read; they never edit
    ],
)
def test_transitions(action: str, state: str, role: str, is_author: bool, allowed: bool) -> None:
    assert policy.may(action, state, role, is_author) is allowed


@pytest.mark.parametrize(
    ("role", "is_author", "state", "visible"),
    [
        ("mentor", True, PUBLISHED, False),
        ("consultant", True, DRAFT, True),
        ("consultant", False, DRAFT, False),
        ("consultant", False, IN_REVIEW, False),
        ("consultant", False, PUBLISHED, True),
        ("coordinator", False, DRAFT, False),
        ("coordinator", False, IN_REVIEW, True),
        ("coordinator", False, DECLINED, True),
    ],
)
def test_who_sees_a_revision(role: str, is_author: bool, state: str, visible: bool) -> None:
    assert policy.may_see_revision(role, is_author, state) is visible


def test_every_state_is_reachable_and_published_is_final() -> None:
    targets = {t.target for t in policy.TRANSITIONS}
    assert targets == {DRAFT, IN_REVIEW, PUBLISHED, DECLINED}
    assert not [t for t in policy.TRANSITIONS if t.source in {PUBLISHED, DECLINED}]


def test_lists_typed_by_editors() -> None:
    assert policy.parse_list(" Grief,  LOSS , grief,, funeral ") == ["Grief", "LOSS", "funeral"]
    assert policy.list_problems(["ok", "<b>"], 12, "tags")
    assert policy.list_problems([str(i) for i in range(13)], 12, "tags")
    assert policy.list_problems(["can't sleep", "über"], 12, "synonyms") == []
