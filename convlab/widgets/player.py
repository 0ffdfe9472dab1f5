"""A frame player: pre-rendered frames switched in the browser.

Frames are rendered once in Python (per parameter change) into a ``Stack`` of ``HTML``
widgets. ``Play`` and the step slider are linked to the stack with ``jslink``, so the
window moves in the browser with no kernel round trip per frame and keeps moving while
the kernel is busy. Outside a live notebook (nbconvert, GitHub) the player shows a
static frame instead of an empty box.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from html import escape

import ipywidgets as widgets
from IPython.display import HTML

from convlab.i18n import N_, Msg, translate
from convlab.widgets.access import Access
from convlab.widgets.svg import announced


def grading() -> bool:
    """True while nbgrader autogrades or validates: animations are not rendered then."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def skipped(title: str) -> HTML:
    """What a view shows while grading: one line, no frames, no widget state."""
    said = translate(Msg("{title}: animation not rendered while grading.", title=title))
    return HTML(f"<p><em>{said}</em></p>")


def png_img(png: bytes, alt: str) -> str:
    """An ``<img>`` of PNG bytes whose ``alt`` says what it depicts. A PNG's bytes differ between
    machines (rounding, the compiler's and zlib's choices) where the picture does not, so nbval
    compares the ``alt`` and not the bytes (``tests/support/nbval-sanitize.cfg``)."""
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'


class View(widgets.VBox):
    """A course view: a widget in JupyterLab, a still picture where widgets cannot run.

    Its text form is one short line (what nbval compares), its HTML form :meth:`still`
    (what nbconvert, GitHub and an answer key opened without a kernel show).
    """

    title = N_("View")

    def __init__(self, children=(), **kwargs):
        super().__init__(children, **kwargs)
        self.add_class("convlab-view")  # what Access labels (convlab/widgets/access.js)

    def still(self) -> str:
        raise NotImplementedError

    def summary(self) -> str:
        return translate(self.title)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"<{self.summary()}>"
        bundle["text/html"] = self.still()
        return bundle


class FramePlayer(View):
    """Play/step controls over a stack of frames, with optional parameter controls on top.

    ``still`` picks the frame shown where widgets cannot run (an exported notebook).
    """

    def __init__(
        self,
        frames: Sequence[str],
        title: str,
        controls: Sequence[widgets.Widget] = (),
        still: int = -1,
        interval_ms: int = 900,
    ):
        self.title = title
        self.play = widgets.Play(min=0, max=0, interval=interval_ms, description=translate(N_("Play")))
        self.step = widgets.IntSlider(min=0, max=0, description=translate(N_("step")), continuous_update=True)
        self.stack = widgets.Stack(layout=widgets.Layout(overflow="auto"))
        self.stack.add_class("convlab-frames")
        self.access = Access()  # says each step's arithmetic; names Play's buttons and the sliders
        self.links = [  # in the browser: Play drives the slider, the slider picks the frame
            widgets.jslink((self.play, "value"), (self.step, "value")),
            widgets.jslink((self.step, "value"), (self.stack, "selected_index")),
            widgets.jslink((self.step, "value"), (self.access, "index")),
        ]
        bar = widgets.HBox([self.play, self.step])
        top = [widgets.HBox(list(controls))] if controls else []
        if controls:
            top[0].add_class("convlab-controls")
        super().__init__([*top, bar, self.stack, self.access])
        self.add_class("convlab-player")  # how the browser tests find a player
        self.show(frames, still)

    def show(self, frames: Sequence[str], still: int = -1) -> None:
        """Replace the frames (after a control changed) and rewind to the first."""
        if not frames:
            raise ValueError("a player needs at least one frame")
        self.frames = list(frames)
        self.still_index = still % len(self.frames)
        self.play.playing = False
        self.play.value = self.step.value = self.access.index = 0
        self.access.texts = [
            announced(f)
            or translate(
                Msg("{title}: step {step} of {steps}", title=self.title, step=t + 1, steps=len(self.frames))
            )
            for t, f in enumerate(self.frames)
        ]
        self.stack.children = [widgets.HTML(f) for f in self.frames]
        self.stack.selected_index = 0
        self.play.max = self.step.max = len(self.frames) - 1

    def summary(self) -> str:
        return translate(Msg("{title}: {frames} frames", title=self.title, frames=len(self.frames)))

    def still(self) -> str:
        return self.frames[self.still_index]
