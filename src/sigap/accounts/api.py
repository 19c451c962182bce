from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import Router, Schema

from sigap.accounts.http import request_user

router = Router(tags=[gettext_noop("akun")])


class TeamRef(Schema):
    id: int
    name: str
    slug: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    teams: list[TeamRef]
    customer_id: int | None


@router.get("/me", response=MeOut, summary=gettext_noop("Pengguna saat ini"))
def me(request: HttpRequest) -> MeOut:
    user = request_user(request)
    customer = getattr(user, "customer", None) if user.is_customer else None
    return MeOut(
        id=user.pk,
        username=user.username,
        name=user.display_name,
        role=user.role,
        teams=[TeamRef(id=t.pk, name=t.name, slug=t.slug) for t in user.teams.order_by("name")],
        customer_id=customer.pk if customer else None,
    )
