"""The views' colours stay apart for the common colour-vision deficiencies.

Each fill of convlab.widgets.svg.COLOURS that must be told from another (the window from the
input and from padding, the window over padding from both, padding from the input, the output
cell being written from those written and those to come) is seen as with protanopia,
deuteranopia and tritanopia (Machado et al. 2009's full-severity matrices) and with normal
vision, and the two must stay at least 10 apart in CIEDE2000: well past a just-noticeable
difference (about 1 to 2.3), the size of difference between distinct categories on a chart.
The method lives in tests/support/colour_vision.py, checked here on its published test data.
"""

import itertools

import pytest

from convlab.widgets.svg import COLOURS
from tests.support.colour_vision import MACHADO, ciede2000, difference, linear, simulate

DEFICIENCIES = [None, *MACHADO]
APART = 10.0
MUST_DIFFER = [
    ("window", "input"),
    ("window", "padding"),
    ("window-padding", "padding"),
    ("window-padding", "window"),
    ("window-padding", "input"),
    ("padding", "input"),
    ("current", "done"),
    ("current", "todo"),
    ("done", "todo"),
    ("current", "window"),
    ("current", "input"),
]


@pytest.mark.parametrize(
    "lab1, lab2, expected",
    [  # Sharma, Wu and Dalal 2005, table 1: pairs 1, 7, 17 and 25
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_the_simulations_keep_white_and_black_and_merge_what_they_should():
    for deficiency in MACHADO:
        assert simulate(linear("#ffffff"), deficiency) == pytest.approx((1.0, 1.0, 1.0), abs=1e-3)
        assert simulate(linear("#000000"), deficiency) == (0.0, 0.0, 0.0)
    # red and green, far apart for normal vision, come close for protanopes and deuteranopes
    assert difference("#cc3333", "#558800") > 40
    assert difference("#cc3333", "#558800", "deuteranopia") < 0.4 * difference("#cc3333", "#558800")
    assert difference("#cc3333", "#558800", "protanopia") < 0.4 * difference("#cc3333", "#558800")
    # and blue and green for tritanopes
    assert difference("#3a8fb7", "#55a868", "tritanopia") < 0.5 * difference("#3a8fb7", "#55a868")


@pytest.mark.parametrize("deficiency", DEFICIENCIES, ids=lambda d: d or "normal vision")
def test_the_views_fills_stay_apart(deficiency):
    close = {
        (a, b): round(difference(COLOURS[a][0], COLOURS[b][0], deficiency), 1)
        for a, b in MUST_DIFFER
        if difference(COLOURS[a][0], COLOURS[b][0], deficiency) < APART
    }
    assert close == {}, f"closer than {APART} in CIEDE2000 for {deficiency or 'normal vision'}: {close}"


def test_every_pair_named_is_a_colour_of_the_views():
    named = set(itertools.chain.from_iterable(MUST_DIFFER))
    assert named <= set(COLOURS), named - set(COLOURS)
