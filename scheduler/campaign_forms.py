"""The campaign form of the pages: parses what was typed, hands it to scheduler.campaigns, and keeps every
value (and every error, next to its field) when something is refused, so nothing typed is lost.

Audiences are rows of plain inputs repeated under one name each (aud-key, aud-name, …), read back by position;
"Add another audience" re-renders the form with one more empty row, so no JavaScript is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from scheduler.campaigns import AUDIENCE_ATTRIBUTES, UTM_KEYS, campaign_create, campaign_update
from scheduler.models import Campaign
from workspaces.models import Workspace

UTM_EXAMPLES = {"utm_source": "{platform}", "utm_medium": "social", "utm_campaign": "spring-sale",
                "utm_term": "umbrella", "utm_content": "{audience}"}
AUDIENCE_INPUTS = ("key", "name", *AUDIENCE_ATTRIBUTES)
# Which form field shows a service error that is not about one field.
_CODE_FIELDS = {"dates": "ends_on", "name": "name", "length": "goal"}
_SERVICE_FIELDS = {"utm_defaults": "utm", "labels": "labels", "audiences": "audiences"}


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    goal = forms.CharField(label=_("Goal"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    labels = forms.CharField(label=_("Labels"), required=False, max_length=2000,
                             help_text=_("Separate labels with commas, for example: spring, rain, shop"))
    utm_source = forms.CharField(label="utm_source", required=False, max_length=200)
    utm_medium = forms.CharField(label="utm_medium", required=False, max_length=200)
    utm_campaign = forms.CharField(label="utm_campaign", required=False, max_length=200)
    utm_term = forms.CharField(label="utm_term", required=False, max_length=200)
    utm_content = forms.CharField(label="utm_content", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, bound in self.fields.items():
            bound.widget.attrs.setdefault("class", "form-control")
            if name.startswith("utm_"):
                bound.widget.attrs.update(spellcheck="false", autocomplete="off", placeholder=UTM_EXAMPLES[name])

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in UTM_KEYS]

    @property
    def utm_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in UTM_KEYS]


@dataclass
class CampaignFormState:
    """What the template shows: the Django form (values, field errors) plus the audience rows and their errors."""

    form: CampaignForm
    audiences: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # "utm", "labels", "audiences", "general"

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or bool(self.form.errors)


def initial_state(campaign: Campaign | None = None) -> CampaignFormState:
    if campaign is None:
        return CampaignFormState(CampaignForm(), [_blank_row()])
    initial = {"name": campaign.name, "goal": campaign.goal, "starts_on": campaign.starts_on,
               "ends_on": campaign.ends_on, "labels": ", ".join(str(x) for x in campaign.labels or []),
               **{key: (campaign.utm_defaults or {}).get(key, "") for key in UTM_KEYS}}
    rows = [_row_of(a) for a in campaign.audiences or [] if isinstance(a, dict)]
    return CampaignFormState(CampaignForm(initial=initial), [*rows, _blank_row()])


def _row_of(audience: dict[str, Any]) -> dict[str, str]:
    attributes = audience.get("attributes") or {}
    return {"key": str(audience.get("key") or ""), "name": str(audience.get("name") or ""),
            **{attr: str(attributes.get(attr) or "") for attr in AUDIENCE_ATTRIBUTES}}


def _blank_row() -> dict[str, str]:
    return dict.fromkeys(AUDIENCE_INPUTS, "")


def posted_state(data: QueryDict) -> CampaignFormState:
    """The submitted form with its audience rows as typed (rows ticked "remove" left out)."""
    columns = {name: data.getlist(f"aud-{name}") for name in AUDIENCE_INPUTS}
    removed = set(data.getlist("aud-remove"))
    count = max((len(values) for values in columns.values()), default=0)
    rows = [{name: (columns[name][i] if i < len(columns[name]) else "").strip() for name in AUDIENCE_INPUTS}
            for i in range(count) if str(i) not in removed]
    return CampaignFormState(CampaignForm(data), [row for row in rows if any(row.values())])


def with_blank_row(state: CampaignFormState) -> CampaignFormState:
    state.audiences.append(_blank_row())
    return state


def save(state: CampaignFormState, workspace: Workspace, actor: Any, campaign: Campaign | None = None
         ) -> Campaign | None:
    """Create or update through the service; None (with the errors on `state`) when refused."""
    if not state.form.is_valid():
        return None
    data = state.form.cleaned_data
    fields = {
        "name": data["name"], "goal": data["goal"], "starts_on": data["starts_on"], "ends_on": data["ends_on"],
        "labels": data["labels"], "utm_defaults": {key: data[key] for key in UTM_KEYS if data[key].strip()},
        "audiences": [{"key": row["key"], "name": row["name"],
                       "attributes": {attr: row[attr] for attr in AUDIENCE_ATTRIBUTES}} for row in state.audiences],
    }
    try:
        if campaign is None:
            return campaign_create(workspace, actor=actor, **fields)
        return campaign_update(campaign, actor=actor, **fields)
    except ValidationError as error:
        _collect(state, error)
        return None


def _collect(state: CampaignFormState, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.error_dict.items():
            state.errors.setdefault(_SERVICE_FIELDS.get(name, "general"), []).extend(
                message for problem in problems for message in problem.messages)
        return
    for problem in error.error_list:
        target = _CODE_FIELDS.get(problem.code or "")
        if target:
            state.form.add_error(target, problem.messages)
        else:
            state.errors.setdefault("general", []).extend(problem.messages)
