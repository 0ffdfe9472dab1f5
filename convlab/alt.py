"""Plots in words: every matplotlib figure a notebook shows carries a text alternative, made from
the figure itself (its titles, axis labels, legends, the pictures and curves in each panel), in
JupyterLab and on the site.

JupyterLab draws a figure's ``image/png`` with no ``alt``: its image renderer reads no metadata.
It prefers ``text/html`` (rank 50) to ``image/png`` (90), and its sanitizer keeps an ``<img>``'s
``alt`` and ``data:`` source in an untrusted output (an answer key opened fresh) as in a trusted
one. So :func:`install`, which ``import convlab`` runs in an IPython kernel, adds a ``text/html``
form to every figure: its PNG as an ``<img>`` whose ``alt`` is :func:`describe`. The same text
goes into the PNG's metadata (``{"alt": ...}``), where nbconvert's templates can read it. The
hook is IPython's public one for an object's several forms (the display formatter's
``mimebundle_formatter``), registered by type name, so matplotlib is imported only when a figure
is shown; matplotlib-inline resets only the per-format formatters when it (re)configures
(``%matplotlib inline``, ``set_matplotlib_formats``), so the registration outlives that. The cost:
the PNG is drawn twice, once for the HTML and once by matplotlib-inline's own ``image/png``
formatter, which IPython calls whatever a bundle holds.

While nbgrader grades or validates (``NBGRADER_EXECUTION``) a figure stays a plain PNG (with its
alt in the metadata): the feedback page's sanitizer (nbconvert's ``SanitizeHTML``) would turn an
``<img>`` in HTML into text.

The text is what the figure writes (titles, axis labels, legends, a heat-map's numbers as drawn)
and the shapes of its pictures, nothing the drawing computes, so the answer key's figures compare
as equal across machines as its printed text (nbval compares the HTML with its PNG bytes masked:
tests/support/nbval-sanitize.cfg). Its words are in the student's language (:mod:`convlab.i18n`),
read when the figure is shown; the English is the msgids, as the answer key holds them.
"""

from __future__ import annotations

import os
from html import escape

from convlab.i18n import N_, Msg, translate


def _counted(n: int, one: str, many: str) -> Msg:
    """``1 curve``, ``3 curves``: a count and its noun, one msgid for each form."""
    return Msg(one, n=n) if n == 1 else Msg(many, n=n)


def _panel(ax) -> str:
    """One panel in words: its title, what it draws (pictures, curves, bars, points), its axes."""
    parts = []
    title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t)
    if title:
        parts.append(Msg("“{title}”:", title=title))
    shapes = [im.get_array().shape for im in ax.get_images()]
    parts += [Msg("a {h}×{w} picture", h=s[0], w=s[1]) for s in shapes[:3]] + (
        ["…"] if len(shapes) > 3 else []
    )
    curves = len(ax.get_lines())
    if curves:
        parts.append(_counted(curves, N_("{n} curve"), N_("{n} curves")))
    if ax.patches:
        parts.append(_counted(len(ax.patches), N_("{n} bar"), N_("{n} bars")))
    if ax.collections:
        parts.append(_counted(len(ax.collections), N_("{n} set of points"), N_("{n} sets of points")))
    axes = [f"{name}: {label}" for name, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if label]
    if "log" in (ax.get_xscale(), ax.get_yscale()):
        axes.append(translate(N_("log scale")))
    if axes:
        parts.append("(" + ", ".join(axes) + ")")
    named = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    if named:
        parts.append(Msg("legend: {names}", names=", ".join(named)))
    texts = [t.get_text() for t in ax.texts if t.get_text().strip()]
    if texts:
        parts.append(Msg("labels: {texts}", texts=", ".join(texts[:6]) + (" …" if len(texts) > 6 else "")))
    return " ".join(translate(p) for p in parts)


def describe(fig) -> str:
    """The figure in one paragraph: its title, then each panel that draws something."""
    panels = [p for p in (_panel(ax) for ax in fig.get_axes() if ax.get_visible()) if p]
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    head = Msg("Figure “{title}”", title=title) if title else N_("Figure")
    if not panels:
        return translate(head)
    more = translate(Msg("; and {n} more panels", n=len(panels) - 12)) if len(panels) > 12 else ""
    count = _counted(len(panels), N_("{n} panel"), N_("{n} panels"))
    said = Msg("{figure} with {panels}: ", figure=head, panels=count)
    return translate(said) + "; ".join(panels[:12]) + more


def figure_bundle(fig, png_formatter) -> tuple[dict, dict]:
    """``fig``'s extra forms: ``text/html``, its PNG (drawn by ``png_formatter``, the kernel's own)
    as an ``<img>`` with its alt text; and that text as the PNG's metadata. Only the metadata while
    grading, or when the kernel draws figures in no PNG (``set_matplotlib_formats("svg")``)."""
    alt = describe(fig)
    png = None if os.environ.get("NBGRADER_EXECUTION") else png_formatter(fig)
    data, size = png if isinstance(png, tuple) else (png, {})  # retina: (data, {"width", "height"})
    if not data:
        return {}, {"image/png": {"alt": alt}}
    attributes = "".join(f' {k}="{int(size[k])}"' for k in ("width", "height") if k in size)
    html = f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}"{attributes}/>'
    return {"text/html": html}, {"image/png": {**size, "alt": alt}}


def install(shell=None) -> bool:
    """Give every figure that IPython's ``shell`` (the running one by default) displays its text
    alternative (:func:`figure_bundle`). False outside IPython."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return False
    png = shell.display_formatter.formatters["image/png"]
    shell.display_formatter.mimebundle_formatter.for_type_by_name(
        "matplotlib.figure", "Figure", lambda fig: figure_bundle(fig, png)
    )
    return True
