"""Forms of the workspace admin pages. They only parse and check input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from workspaces.models import Role
from workspaces.selectors import AuditFilters
from workspaces.services import NAME_MAX


class AuditFilterForm(forms.Form):
    """The audit log's filters, from the query string. Invalid dates are reported and ignored, the rest still
    filters, and every value typed is shown again."""

    actor = forms.CharField(label=_("Who"), required=False, max_length=200)
    action = forms.CharField(label=_("Action"), required=False, max_length=40)
    type = forms.CharField(label=_("Object type"), required=False, max_length=40)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("Object contains"), required=False, max_length=200)

    def __init__(self, data: Any, **kwargs: Any) -> None:
        # The query string names the dates from/to; the form's fields cannot be called `from`.
        data = data.copy()
        for short, name in (("from", "date_from"), ("to", "date_to")):
            if short in data:
                data[name] = data[short]
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> AuditFilters:
        """The filters that parsed; a field with an error does not filter."""
        self.is_valid()
        value = self.cleaned_data.get
        return AuditFilters(actor=value("actor") or "", action=value("action") or "", target_type=value("type") or "",
                            date_from=value("date_from"), date_to=value("date_to"), q=(value("q") or "").strip())


class MemberAddForm(forms.Form):
    identifier = forms.CharField(label=_("Username or e-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MARKETER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class WorkspaceSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64,
        help_text=_("Scheduling times are entered and shown in this zone; posts already scheduled keep their "
                    "moment in time."),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    requires_approval = forms.BooleanField(
        label=_("Posts need approval before they are scheduled"), required=False,
        help_text=_("New posts wait for an approval before they can be scheduled."))
