"""What makes a view usable by keyboard and screen reader, in JupyterLab and on the course's
website: a live region that says the current step's arithmetic, names for ipywidgets' controls
(Play's icon buttons, the sliders' handles), alt texts for the pictures, a visible focus.

ipywidgets' own controls stay (they work from the keyboard, and Play and the step slider switch
frames in the browser through ``jslink``); they lack names and a live region, which only the
browser can add: :class:`Access` is an `anywidget <https://anywidget.dev>`_ whose front end,
``access.js`` beside this file, does it. Its ``index`` is ``jslink``ed to the step slider, so it
speaks while Play runs without the kernel. The names it gives are :data:`NAMES`, in the student's
language (:mod:`convlab.i18n`) when the view is made, sent to the browser in ``names``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anywidget
import traitlets

from convlab.i18n import N_, translate

HERE = Path(__file__).parent
NAMES = {  # what access.js names ipywidgets' controls (and a scrolling frame) with
    "play": N_("play"),
    "pause": N_("pause"),
    "stop": N_("stop: back to the first step"),
    "repeat": N_("repeat"),
    "frame": N_("the frame (scroll it with the arrow keys)"),
    "value": N_("value"),  # a slider without a description
    "readout": N_("{name}: value"),  # a slider's number; {name} is filled in by the browser
}
CSS = """
.convlab-live {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip-path: inset(50%); white-space: nowrap;
}
.convlab-view button:focus-visible, .convlab-view .noUi-handle:focus-visible,
.convlab-view input:focus-visible, .convlab-view select:focus-visible,
.convlab-view [contenteditable="true"]:focus-visible, .convlab-view [tabindex="0"]:focus-visible {
  outline: 3px solid #1d4ed8; outline-offset: 2px;
}
"""


class Access(anywidget.AnyWidget):
    """The live region and the controls' names of one view (the ``convlab-view`` around it).

    ``texts`` are what each step says (one per frame), ``index`` the step shown, ``alts`` the
    text alternatives of the view's pictures (``widgets.Image``), in the order they appear,
    ``names`` the controls' names (:data:`NAMES`, translated).
    """

    _esm = (HERE / "access.js").read_text(encoding="utf-8")
    _css = CSS
    texts = traitlets.List(traitlets.Unicode()).tag(sync=True)
    index = traitlets.Int(0).tag(sync=True)
    alts = traitlets.List(traitlets.Unicode()).tag(sync=True)
    names = traitlets.Dict(value_trait=traitlets.Unicode()).tag(sync=True)

    def __init__(self, texts: Sequence[str] = (), alts: Sequence[str] = ()):
        names = {key: translate(name) for key, name in NAMES.items()}
        super().__init__(texts=list(texts), alts=list(alts), names=names)
        self.add_class("convlab-access")
