"""FullCalendar's own texts and the calendar page's script messages, in the interface language.

FullCalendar is given the language code (its dates, month and weekday names then come from the browser's
Intl in that language) plus these texts, so no FullCalendar locale file has to be vendored.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def calendar_locale() -> dict[str, Any]:
    """Options merged into FullCalendar's: locale code, first weekday, button texts and hints."""
    return {
        "locale": get_language() or "en",
        "firstDay": int(get_format("FIRST_DAY_OF_WEEK")),
        "buttonText": {"today": _("Today"), "month": _("Month"), "week": _("Week"), "list": _("List"),
                       "prev": _("Previous"), "next": _("Next")},
        # "$0" is FullCalendar's placeholder for the button's text ("Month", "Week").
        "buttonHints": {"prev": _("Previous: $0"), "next": _("Next: $0"), "today": _("Go to today")},
        "viewHint": _("$0 view"),
        "navLinkHint": _("Go to $0"),
        "moreLinkHint": _("More posts: $0"),  # $0: how many
        "moreLinkText": _("more"),
        "allDayText": _("all day"),
        "noEventsText": _("No posts in this period."),
        "closeHint": _("Close"),
        "timeHint": _("Time"),
        "eventHint": _("Post"),
        "weekText": _("Wk"),
        "weekTextLong": _("Week"),
    }


def calendar_messages() -> dict[str, str]:
    """Fallback messages calendar.js shows when the server sent none of its own."""
    return {
        "loadFailed": _("The calendar could not load its posts."),
        "forbidden": _("Your role cannot reschedule posts."),
        "failed": _("That did not work."),
    }
