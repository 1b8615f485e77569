"""Separation of duties on one grant (DESIGN.md, "Separation of duties").

The proposer, or whoever last changed the amount or purpose, never checks the
grant; its verifier never approves it; its approver never pays it. Superusers
and users holding two roles are bound alike, whichever door they use: the step
service, `transition_grant` itself, or the list of actions the page offers.
"""

import datetime
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group

from grants import roles
from grants.models import Grant
from grants.services import (
    MSG_BANK_CHANGED,
    MSG_NO_BANK_ACCOUNT,
    MSG_NPHD_AFTER_PAYMENT,
    MSG_NPHD_REQUIRED,
    MSG_OWN_APPROVAL,
    MSG_OWN_BANK_CHANGE,
    MSG_OWN_CHANGE,
    MSG_OWN_PROPOSAL,
    MSG_OWN_VERIFICATION,
    MSG_REVISION_AFTER_PAYMENT,
    MSG_VERIFY_NEEDS_BANK,
    MSG_VERIFY_NEEDS_NPWP,
    MSG_VERIFY_NEEDS_REGISTRATION,
    NotAllowed,
    approve_grant,
    available_actions,
    grant_actions,
    propose_grant,
    record_disbursement,
    record_nphd,
    reject_grant,
    resubmit_grant,
    return_grant,
    revise_grant,
    transition_grant,
    verify_grant,
)
from institutions.services import save_institution
from tests.factories import (
    DisbursementFactory,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)
from tests.grants.helpers import exactly, snapshot

pytestmark = pytest.mark.django_db

Status = Grant.Status
TODAY = datetime.date(2024, 4, 1)
DECREE_DATE = datetime.date(2024, 5, 2)
PAID_ON = datetime.date(2024, 6, 1)


def user_with(*role_names: str, **fields):
    """A user in every one of these role groups."""
    user = UserFactory(**fields)
    user.groups.add(*Group.objects.filter(name__in=role_names))
    return user


def someone(role: str):
    return UserFactory(role=role)


@pytest.fixture
def program():
    return ProgramFactory(year=TODAY.year, budget_ceiling=100_000_000)


# The steps ------------------------------------------------------------------------


def checklist_of(grant: Grant) -> dict[str, dict]:
    return {item: {"ok": True} for item in grant.program.checklist}


def verify(grant: Grant, user) -> Grant:
    return verify_grant(grant, by=user, checklist=checklist_of(grant))


def approve(grant: Grant, user) -> Grant:
    return approve_grant(
        grant, by=user, decree_number="SK/DINSOS/12/2024", decree_date=DECREE_DATE
    )


def pay(grant: Grant, user):
    return record_disbursement(grant, by=user, paid_on=PAID_ON, amount=grant.amount)


STEPS: dict[str, tuple[Callable, str]] = {
    # step: (take it, the role that normally takes it)
    "verify": (verify, roles.VERIFIKATOR),
    "return": (
        lambda grant, user: return_grant(grant, by=user, note="Perbaiki"),
        roles.VERIFIKATOR,
    ),
    "reject": (
        lambda grant, user: reject_grant(grant, by=user, reason="Tidak layak"),
        roles.VERIFIKATOR,
    ),
    "approve": (approve, roles.PIMPINAN),
    "disburse": (pay, roles.BENDAHARA),
}


# How the user came to have a hand in the grant ----------------------------------------


def proposed_by(user, program) -> Grant:
    grant, _ = propose_grant(
        program=program,
        institution=InstitutionFactory(),
        amount=10_000_000,
        by=user,
        purpose="Pengadaan tenda",
        today=TODAY,
    )
    return grant


def resubmitted_by(user, program, **changes) -> Grant:
    grant = proposed_by(someone(roles.OPERATOR), program)
    return_grant(grant, by=someone(roles.VERIFIKATOR), note="Nilai terlalu besar")
    return resubmit_grant(grant, by=user, **changes)


def revised_by(user, program) -> Grant:
    grant = proposed_by(someone(roles.OPERATOR), program)
    verify(grant, someone(roles.VERIFIKATOR))
    approve(grant, someone(roles.PIMPINAN))
    return revise_grant(
        grant, by=user, amount=8_000_000, purpose="Tenda saja", note="Harga turun"
    )


def verified_by(user, program) -> Grant:
    grant = proposed_by(someone(roles.OPERATOR), program)
    return verify(grant, user)


def approved_by(user, program) -> Grant:
    grant = proposed_by(someone(roles.OPERATOR), program)
    verify(grant, someone(roles.VERIFIKATOR))
    approve(grant, user)
    return record_nphd(
        grant,
        by=someone(roles.OPERATOR),
        number="NPHD/7/2024",
        date=datetime.date(2024, 5, 20),
    )


HANDS: dict[str, tuple[Callable, str]] = {
    # how: (make the grant with the user's earlier step, the role it took)
    "proposed": (proposed_by, roles.OPERATOR),
    "resubmitted": (resubmitted_by, roles.OPERATOR),
    "revised": (revised_by, roles.OPERATOR),
    "verified": (verified_by, roles.VERIFIKATOR),
    "approved": (approved_by, roles.PIMPINAN),
}

# Every rule: the earlier step, the step it bars, and the reason given.
RULES = [
    ("proposed", "verify", MSG_OWN_PROPOSAL),
    ("proposed", "return", MSG_OWN_PROPOSAL),
    ("proposed", "reject", MSG_OWN_PROPOSAL),
    ("proposed", "approve", MSG_OWN_PROPOSAL),
    ("resubmitted", "verify", MSG_OWN_CHANGE),
    ("resubmitted", "return", MSG_OWN_CHANGE),
    ("resubmitted", "reject", MSG_OWN_CHANGE),
    ("resubmitted", "approve", MSG_OWN_CHANGE),
    ("revised", "verify", MSG_OWN_CHANGE),
    ("revised", "return", MSG_OWN_CHANGE),
    ("revised", "reject", MSG_OWN_CHANGE),
    ("revised", "approve", MSG_OWN_CHANGE),
    ("verified", "approve", MSG_OWN_VERIFICATION),
    ("approved", "disburse", MSG_OWN_APPROVAL),
]
RULE_IDS = [f"{hand}-then-{step}" for hand, step, _ in RULES]

# Superusers hold every permission; the others hold both roles the two steps need.
WHO = ["two-roles", "superuser"]


def bound_user(who: str, hand: str, step: str):
    if who == "superuser":
        return UserFactory(is_superuser=True, is_staff=True)
    return user_with(HANDS[hand][1], STEPS[step][1])


def grant_before(hand: str, step: str, user, program) -> Grant:
    """A grant where `user` took the earlier step and `step` is next."""
    make, _ = HANDS[hand]
    grant = make(user, program)
    if step == "approve" and grant.status == Status.PROPOSED:
        verify(grant, someone(roles.VERIFIKATOR))
    return Grant.objects.get(pk=grant.pk)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("hand", "step", "message"), RULES, ids=RULE_IDS)
def test_a_step_barred_by_an_earlier_one_of_the_same_user_is_refused(
    program, who, hand, step, message
):
    user = bound_user(who, hand, step)
    grant = grant_before(hand, step, user, program)
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(message)):
        STEPS[step][0](grant, user)

    assert snapshot(grant) == before


@pytest.mark.parametrize(("hand", "step", "message"), RULES, ids=RULE_IDS)
def test_someone_else_with_the_role_may_take_the_barred_step(
    program, hand, step, message
):
    user = bound_user("two-roles", hand, step)
    grant = grant_before(hand, step, user, program)
    other = someone(STEPS[step][1])
    events = grant.events.count()

    STEPS[step][0](grant, other)

    assert grant.events.count() == events + 1
    assert grant.events.order_by("-pk").first().actor == other


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("hand", "step", "message"), RULES, ids=RULE_IDS)
def test_the_grant_page_gives_the_reason_a_step_is_barred(
    program, who, hand, step, message
):
    user = bound_user(who, hand, step)
    grant = grant_before(hand, step, user, program)

    actions = {action.name: action for action in grant_actions(grant, user)}

    assert actions[step].reasons == (message,)
    assert not actions[step].allowed
    assert step not in available_actions(grant, user)


@pytest.mark.parametrize(("hand", "step", "message"), RULES, ids=RULE_IDS)
def test_the_grant_page_offers_the_barred_step_to_someone_else(
    program, hand, step, message
):
    grant = grant_before(hand, step, bound_user("two-roles", hand, step), program)

    actions = {a.name: a for a in grant_actions(grant, someone(STEPS[step][1]))}

    assert actions[step].allowed


# The same rules when transition_grant is called directly ------------------------------


def test_transition_grant_refuses_the_proposer_as_verifier(program):
    both = user_with(roles.OPERATOR, roles.VERIFIKATOR)
    grant = proposed_by(both, program)
    institution = grant.institution
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_PROPOSAL)):
        transition_grant(
            grant,
            to=Status.VERIFIED,
            by=both,
            changes={
                "checklist_results": checklist_of(grant),
                "verified_by": both,
                "verified_bank_name": institution.bank_name,
                "verified_account_number": institution.account_number,
                "verified_account_holder": institution.account_holder,
            },
        )

    assert snapshot(grant) == before


def test_transition_grant_refuses_the_verifier_as_approver(program):
    both = user_with(roles.VERIFIKATOR, roles.PIMPINAN)
    grant = verified_by(both, program)
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_VERIFICATION)):
        transition_grant(
            grant,
            to=Status.APPROVED,
            by=both,
            changes={"decree_number": "SK/1", "decree_date": DECREE_DATE},
        )

    assert snapshot(grant) == before


def test_transition_grant_refuses_the_approver_as_payer(program):
    both = user_with(roles.PIMPINAN, roles.BENDAHARA)
    grant = approved_by(both, program)
    # Paid in full, so the only thing standing in the way is the duty.
    DisbursementFactory(grant=grant, amount=grant.amount)
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_APPROVAL)):
        transition_grant(grant, to=Status.DISBURSED, by=both)

    assert snapshot(grant) == before


def test_the_approver_may_not_record_even_one_instalment(program):
    both = user_with(roles.PIMPINAN, roles.BENDAHARA)
    grant = approved_by(both, program)
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_APPROVAL)):
        record_disbursement(grant, by=both, paid_on=PAID_ON, amount=1_000_000)

    assert snapshot(grant) == before


def test_the_last_instalment_is_barred_to_the_approver_too(program):
    both = user_with(roles.PIMPINAN, roles.BENDAHARA)
    grant = approved_by(both, program)
    record_disbursement(
        grant, by=someone(roles.BENDAHARA), paid_on=PAID_ON, amount=4_000_000
    )
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_APPROVAL)):
        record_disbursement(grant, by=both, paid_on=PAID_ON, amount=6_000_000)

    assert snapshot(grant) == before


# Changing the amount or purpose hands the bar to the new author -----------------------


def test_the_original_proposer_stays_barred_after_someone_else_resubmits(program):
    proposer = user_with(roles.OPERATOR, roles.VERIFIKATOR)
    grant = proposed_by(proposer, program)
    return_grant(grant, by=someone(roles.VERIFIKATOR), note="Lengkapi")
    resubmit_grant(grant, by=someone(roles.OPERATOR), amount=9_000_000)
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_PROPOSAL)):
        verify(grant, proposer)

    assert snapshot(grant) == before


@pytest.mark.parametrize(
    "changes",
    [{"amount": 7_500_000}, {"purpose": "Kursi saja"}, {}],
    ids=["amount", "purpose", "as-it-was"],
)
def test_the_resubmitter_becomes_the_author_of_the_proposal(program, changes):
    resubmitter = user_with(roles.OPERATOR, roles.VERIFIKATOR)

    grant = resubmitted_by(resubmitter, program, **changes)

    assert grant.content_changed_by == resubmitter
    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_CHANGE)):
        verify(grant, resubmitter)


def test_a_revision_clears_who_verified_and_approved(program):
    verifier = user_with(roles.VERIFIKATOR, roles.PIMPINAN)
    head = someone(roles.PIMPINAN)
    reviser = someone(roles.OPERATOR)
    grant = proposed_by(someone(roles.OPERATOR), program)
    verify(grant, verifier)
    approve(grant, head)

    revise_grant(grant, by=reviser, amount=8_000_000, purpose="", note="Harga turun")

    grant.refresh_from_db()
    assert (grant.verified_by, grant.approved_by) == (None, None)
    assert grant.content_changed_by == reviser
    # The checks start again: whoever verifies this time may not approve.
    other = user_with(roles.VERIFIKATOR, roles.PIMPINAN)
    verify(grant, other)
    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_VERIFICATION)):
        approve(grant, other)
    approve(grant, verifier)
    assert Grant.objects.get(pk=grant.pk).approved_by == verifier


# What the grant page lists, with the reasons ---------------------------------------


def actions_of(grant: Grant, user) -> dict[str, tuple[str, ...]]:
    grant = Grant.objects.get(pk=grant.pk)
    return {action.name: action.reasons for action in grant_actions(grant, user)}


def test_the_page_lists_the_gaps_in_the_institutions_record_before_verification(
    program,
):
    grant = GrantFactory(
        program=program, institution=InstitutionFactory(without_papers=True)
    )

    assert actions_of(grant, someone(roles.VERIFIKATOR))["verify"] == (
        MSG_VERIFY_NEEDS_BANK,
        MSG_VERIFY_NEEDS_REGISTRATION,
        MSG_VERIFY_NEEDS_NPWP,
    )


def test_a_bansos_needs_no_npwp_for_verification():
    program = ProgramFactory(spending_type="bansos")
    grant = GrantFactory(program=program, institution=InstitutionFactory(npwp=""))

    assert actions_of(grant, someone(roles.VERIFIKATOR))["verify"] == ()


def test_the_page_gives_the_duty_and_the_gaps_together(program):
    both = user_with(roles.OPERATOR, roles.VERIFIKATOR)
    grant = GrantFactory(
        program=program,
        proposed_by=both,
        institution=InstitutionFactory(registration_number=""),
    )

    assert actions_of(grant, both)["verify"] == (
        MSG_OWN_PROPOSAL,
        MSG_VERIFY_NEEDS_REGISTRATION,
    )


def test_the_page_lists_what_payment_waits_for(program):
    no_account = GrantFactory(program=program, status=Status.APPROVED, decreed=True)
    no_nphd = GrantFactory(
        program=program,
        approved=True,
        nphd_number="",
        nphd_date=None,
    )
    changed = GrantFactory(program=program, approved=True)
    changed.institution.account_number = "9990001112"
    save_institution(changed.institution, by=someone(roles.OPERATOR))
    treasurer = someone(roles.BENDAHARA)

    assert actions_of(no_account, treasurer)["disburse"] == (MSG_NO_BANK_ACCOUNT,)
    assert actions_of(no_nphd, treasurer)["disburse"] == (MSG_NPHD_REQUIRED,)
    assert actions_of(changed, treasurer)["disburse"] == (MSG_BANK_CHANGED,)


def test_the_page_offers_the_bank_confirmation_only_to_a_verifier_who_did_not_change_it(
    program,
):
    grant = GrantFactory(program=program, approved=True)
    changer = user_with(roles.OPERATOR, roles.VERIFIKATOR)
    grant.institution.account_holder = "Bendahara Majelis"
    save_institution(grant.institution, by=changer)

    assert actions_of(grant, changer)["confirm_bank"] == (MSG_OWN_BANK_CHANGE,)
    assert actions_of(grant, someone(roles.VERIFIKATOR))["confirm_bank"] == ()


def test_the_page_offers_no_bank_confirmation_while_nothing_changed(program):
    grant = GrantFactory(program=program, approved=True)

    assert "confirm_bank" not in actions_of(grant, someone(roles.VERIFIKATOR))


def test_the_page_says_a_paid_grant_cannot_be_revised(program):
    grant = GrantFactory(program=program, approved=True)
    DisbursementFactory(grant=grant, amount=4_000_000)

    assert actions_of(grant, someone(roles.OPERATOR))["revise"] == (
        MSG_REVISION_AFTER_PAYMENT,
    )


def test_the_nphd_step_is_offered_for_hibah_only(program):
    hibah = GrantFactory(program=program, approved=True)
    bansos = GrantFactory(program=ProgramFactory(spending_type="bansos"), approved=True)
    operator = someone(roles.OPERATOR)

    assert actions_of(hibah, operator)["nphd"] == ()
    assert "nphd" not in actions_of(bansos, operator)


def test_a_user_without_a_role_is_offered_nothing(program):
    for status in (Status.PROPOSED, Status.VERIFIED, Status.APPROVED):
        grant = GrantFactory(program=program, status=status, decreed=True)
        assert grant_actions(grant, UserFactory()) == []
        assert grant_actions(grant, someone(roles.PENGAMAT)) == []


def test_the_page_says_why_the_nphd_and_the_amount_stay_once_payment_began(program):
    grant = GrantFactory(program=program, approved=True, amount=20_000_000)
    DisbursementFactory(grant=grant, amount=5_000_000)
    operator = someone(roles.OPERATOR)

    actions = actions_of(grant, operator)

    assert actions["nphd"] == (MSG_NPHD_AFTER_PAYMENT,)
    assert actions["revise"] == (MSG_REVISION_AFTER_PAYMENT,)
