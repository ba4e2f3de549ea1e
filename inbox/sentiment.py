"""Sentiment of inbox text with VADER (vaderSentiment), scored once when an item is first stored.

VADER is a lexicon and rule-based scorer tuned for social media: its word and emoji lexicons ship inside
the package, so nothing is downloaded at run time and scoring costs microseconds per comment. It knows
English only. German (or any other language) mostly reads as neutral: emoji and the few shared words
still count, but a German insult is not recognised. The badge says what VADER read, no more.

The compound score runs from -1 (most negative) to +1; the usual VADER cut-offs of ±0.05 give the label.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from inbox.models import Sentiment

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

THRESHOLD = 0.05
# VADER's cost grows with the text; a 20,000-character body would take milliseconds. The opening of a
# comment carries its tone, so only that much is read.
SCORE_MAX_CHARS = 2_000

_analyzer: SentimentIntensityAnalyzer | None = None
_lock = threading.Lock()


def analyzer() -> SentimentIntensityAnalyzer:
    """The one analyzer of this process, built on first use (reading its lexicons takes a few ms).

    polarity_scores only reads the lexicon dictionaries, so threads can share the instance."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def label_for(compound: float) -> str:
    if compound >= THRESHOLD:
        return Sentiment.POSITIVE
    if compound <= -THRESHOLD:
        return Sentiment.NEGATIVE
    return Sentiment.NEUTRAL


def score(text: str | None) -> tuple[float, str]:
    """(compound, label) for `text`; empty or whitespace-only text is neutral 0.0."""
    if not text or not text.strip():
        return 0.0, Sentiment.NEUTRAL
    compound = round(float(analyzer().polarity_scores(text[:SCORE_MAX_CHARS])["compound"]), 4)
    return compound, label_for(compound)
