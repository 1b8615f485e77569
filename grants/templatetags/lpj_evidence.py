"""The LPJ's evidence and rounds, for the LPJ card of the grant page."""

from django import template

from grants.models import LpjEvidenceKind
from grants.services.lpj import disbursed_total, evidence_in_force, kinds_to_review

register = template.Library()


@register.simple_tag
def lpj_disbursed(grant) -> int:
    """`{% lpj_disbursed grant as paid %}`: the money the LPJ accounts for."""
    return disbursed_total(grant)


@register.simple_tag
def lpj_review_rows(form, report) -> list[tuple]:
    """`{% lpj_review_rows form report as rows %}`: per evidence kind to judge
    (the required ones, and any other brought) its label, the files in force,
    the finding radios and the note field."""
    files = evidence_in_force(report)
    reviewed = kinds_to_review(report, files)
    return [
        (kind.label, files[kind.value], finding, note)
        for kind, finding, note in form.rows()
        if kind.value in reviewed
    ]


@register.simple_tag
def lpj_rounds(report) -> list[dict]:
    """Every round of the LPJ, newest first, with its files and findings."""
    rounds = list(
        report.rounds.select_related("submitted_by", "reviewed_by")
        .prefetch_related("item_reviews")
        .order_by("-number")
    )
    # In the order of the form, not of the kinds' stored values.
    order = {kind: index for index, kind in enumerate(LpjEvidenceKind.values)}
    files: dict[int, list] = {}
    for evidence in sorted(report.evidence.all(), key=lambda e: (order[e.kind], e.pk)):
        files.setdefault(evidence.round, []).append(evidence)
    labels = dict(LpjEvidenceKind.choices)
    return [
        {
            "round": lpj_round,
            "files": [(labels[e.kind], e) for e in files.get(lpj_round.number, [])],
            "findings": [
                (labels[item.kind], item)
                for item in sorted(
                    lpj_round.item_reviews.all(), key=lambda i: order[i.kind]
                )
            ],
        }
        for lpj_round in rounds
    ]
