"""The survey page a customer reaches from a link: one tap records the score (the link
carries it), the rest (ease, comment) is optional. No login: the signed link is the key.
A link opened again can change the answer until it expires."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from sigap.core.errors import ValidationFailed
from sigap.surveys import services
from sigap.surveys.models import Survey, SurveyKind


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return -1  # out of every range: refused with a message


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey = services.survey_for_token(token)
    except services.LinkExpired:
        return render(request, "surveys/expired.html", status=410)
    if survey is None:
        raise Http404
    error = ""
    status = 200
    score_field = "csat" if survey.kind == SurveyKind.RESOLUTION else "nps"
    try:
        if request.method == "POST":
            score = _int(request.POST.get(score_field))
            survey = services.answer(
                survey,
                csat=score if score_field == "csat" else None,
                nps=score if score_field == "nps" else None,
                ces=_int(request.POST.get("ces")),
                comment=request.POST.get("comment", ""),
            )
        elif "skor" in request.GET:
            score = _int(request.GET["skor"])
            survey = services.answer(
                survey,
                csat=score if score_field == "csat" else None,
                nps=score if score_field == "nps" else None,
            )
    except ValidationFailed as exc:
        error, status = exc.message, 422
    return render(request, "surveys/answer.html", _context(survey, error), status=status)


def _context(survey: Survey, error: str) -> dict[str, object]:
    resolution = survey.kind == SurveyKind.RESOLUTION
    return {
        "survey": survey,
        "resolution": resolution,
        "score": survey.csat if resolution else survey.nps,
        "scale": range(1, 6) if resolution else range(11),
        "ces_scale": range(1, survey.ces_scale + 1),
        "error": error,
        "posted": survey.answered and (survey.comment or survey.ces is not None),
    }
