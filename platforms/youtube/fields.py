"""The per-channel choices a YouTube upload needs beyond the post's text (platforms.options)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from platforms.options import BOOLEAN, CHOICE, DATETIME, LONG_TEXT, TAGS, TEXT, OptionField

PRIVACY_VALUES = ("public", "unlisted", "private")
DEFAULT_PRIVACY = "public"
DEFAULT_CATEGORY = "22"  # "People & Blogs": what YouTube Studio preselects for a new upload
# YouTube's assignable video categories (videoCategories.list, regionCode=US); ids are stable across regions.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("1", _("Film & Animation")), ("2", _("Autos & Vehicles")), ("10", _("Music")), ("15", _("Pets & Animals")),
    ("17", _("Sports")), ("19", _("Travel & Events")), ("20", _("Gaming")), ("22", _("People & Blogs")),
    ("23", _("Comedy")), ("24", _("Entertainment")), ("25", _("News & Politics")), ("26", _("Howto & Style")),
    ("27", _("Education")), ("28", _("Science & Technology")), ("29", _("Nonprofits & Activism")),
)
CATEGORY_IDS = frozenset(value for value, _label in CATEGORIES)

OPTION_FIELDS: tuple[OptionField, ...] = (
    OptionField("title", _("Title"), TEXT, required=True, max_length=100,
                help_text=_("Up to 100 characters, without < or >.")),
    OptionField("description", _("Description"), LONG_TEXT,
                help_text=_("Leave empty to use the post's text. Up to 5,000 bytes, without < or >.")),
    OptionField("tags", _("Tags"), TAGS, help_text=_("Up to 500 characters in total, as YouTube counts them.")),
    OptionField("privacy", _("Visibility"), CHOICE, default=DEFAULT_PRIVACY,
                choices=(("public", _("Public")), ("unlisted", _("Unlisted")), ("private", _("Private")))),
    OptionField("publish_at", _("Go public at"), DATETIME,
                help_text=_("YouTube publishes a private video at this time (UTC). Needs visibility Private.")),
    OptionField("category", _("Category"), CHOICE, default=DEFAULT_CATEGORY, choices=CATEGORIES),
    OptionField("made_for_kids", _("Made for kids"), BOOLEAN, default=False,
                help_text=_("Required by COPPA: say whether the video is made for children.")),
)
