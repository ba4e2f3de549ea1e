"""VADER scoring: labels at ±0.05, empty text, long text read only in part, the lexicon ships offline."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from inbox import sentiment
from inbox.models import Sentiment


@pytest.mark.parametrize(("text", "label"), [
    ("I love this, it is wonderful!", Sentiment.POSITIVE),
    ("This is awful and I hate it.", Sentiment.NEGATIVE),
    ("The store opens at nine.", Sentiment.NEUTRAL),
    ("", Sentiment.NEUTRAL),
    ("   \n ", Sentiment.NEUTRAL),
    (None, Sentiment.NEUTRAL),
    ("😍", Sentiment.POSITIVE),  # the emoji lexicon ships too
])
def test_labels(text, label):
    compound, found = sentiment.score(text)
    assert found == label
    assert -1.0 <= compound <= 1.0


def test_the_thresholds_are_plus_minus_005():
    assert sentiment.label_for(0.05) == Sentiment.POSITIVE
    assert sentiment.label_for(0.0499) == Sentiment.NEUTRAL
    assert sentiment.label_for(-0.0499) == Sentiment.NEUTRAL
    assert sentiment.label_for(-0.05) == Sentiment.NEGATIVE


def test_german_is_not_understood_and_reads_neutral():
    # Documented limitation: VADER's lexicon is English. A German complaint is not recognised.
    assert sentiment.score("Das ist eine Katastrophe, absolut schrecklich.") == (0.0, Sentiment.NEUTRAL)


def test_a_huge_body_is_scored_on_its_opening_only_and_quickly():
    huge = "I hate this. " + "ok " * 200_000
    started = time.perf_counter()
    compound, label = sentiment.score(huge)
    assert time.perf_counter() - started < 0.5
    assert (compound, label) == sentiment.score(huge[: sentiment.SCORE_MAX_CHARS])


def test_one_analyzer_per_process():
    assert sentiment.analyzer() is sentiment.analyzer()


def test_the_lexicon_is_in_the_package_and_scoring_needs_no_network(monkeypatch):
    import vaderSentiment

    folder = Path(vaderSentiment.__file__).parent
    assert (folder / "vader_lexicon.txt").stat().st_size > 100_000
    assert (folder / "emoji_utf8_lexicon.txt").exists()

    def no_network(*args, **kwargs):
        raise AssertionError("sentiment scoring tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(sentiment, "_analyzer", None)  # build a fresh one with the network gone
    assert sentiment.score("What a fantastic day")[1] == Sentiment.POSITIVE
