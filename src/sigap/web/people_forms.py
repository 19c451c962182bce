"""The People settings page's forms (``web.views.people``). They only parse; the rules
(duplicate address, capacity range, who may change what) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.accounts import access
from sigap.accounts.models import STAFF_ROLES, Role, Team, User
from sigap.triage import profiles

STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in STAFF_ROLES]


def _teams_field() -> forms.ModelMultipleChoiceField[Team]:
    return forms.ModelMultipleChoiceField(
        label=_("Tim"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class InviteForm(forms.Form):
    """An admin chooses any role and teams; a supervisor invites agents into the teams they
    supervise (at least one), so the form offers only those (``access.require_invite``
    refuses the rest again)."""

    email = forms.CharField(label=_("Email"), max_length=254)
    first_name = forms.CharField(label=_("Nama depan"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nama belakang"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Peran"), choices=STAFF_ROLE_CHOICES, initial=Role.AGENT)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = _teams_field()
        if not access.is_settings_admin(actor):
            role: Any = self.fields["role"]
            role.choices = [(Role.AGENT.value, Role.AGENT.label)]
            teams.queryset = access.settings_teams_for(actor).order_by("name")
            teams.required = True
        self.fields["teams"] = teams


class PersonForm(forms.Form):
    first_name = forms.CharField(label=_("Nama depan"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nama belakang"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Peran"), choices=STAFF_ROLE_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"] = _teams_field()


CAPACITY_CHANNELS = [*profiles.CHANNELS, (profiles.ANY_CHANNEL, _("Saluran lain"))]


class SkillsForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label=_("Keahlian: golongan keluhan"),
        choices=profiles.CATEGORIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Keahlian: bahasa"),
        choices=profiles.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("Keahlian: saluran"),
        choices=profiles.CHANNELS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # text, not numbers: the service says precisely what is wrong with a value
        for channel, label in CAPACITY_CHANNELS:
            self.fields[f"capacity_{channel}"] = forms.CharField(
                label=_("Kapasitas: %(channel)s") % {"channel": label},
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
            )

    def skill_fields(self) -> list[Any]:
        return [self["categories"], self["languages"], self["channels"]]

    extensions = forms.CharField(
        label=_("Ekstensi telepon (PBX)"),
        required=False,
        max_length=500,
        help_text=_("Ekstensi yang berdering untuk orang ini, dipisah koma, mis. 201, 202."),
    )

    def capacity_fields(self) -> list[tuple[str, Any]]:
        return [(str(label), self[f"capacity_{c}"]) for c, label in CAPACITY_CHANNELS]

    def capacity(self) -> dict[str, str]:
        return {c: self.cleaned_data.get(f"capacity_{c}", "") for c, _label in CAPACITY_CHANNELS}


class DeactivateForm(forms.Form):
    to_user = forms.ChoiceField(label=_("Serahkan tiket terbukanya ke"), required=False)

    def __init__(self, *args: Any, colleagues: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to_user"]
        field.choices = [("", _("Antrean tim masing-masing tiket (tanpa penanggung jawab)"))] + [
            (str(pk), name) for pk, name in colleagues
        ]
