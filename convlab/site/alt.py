"""Plots in words, for the website: every matplotlib figure a notebook shows gets an alt text
that says what it draws, from the figure itself (its titles, axis labels, legends, the pictures
and curves in each panel).

:func:`install` runs in the kernel that executes a notebook for ``make site`` (the builder runs it
in a cell of its own, which the page does not show): it wraps IPython's PNG formatter for figures
so that each figure's output carries ``{"alt": ...}`` in its metadata, which the site's template
writes as the ``<img>``'s ``alt``.
"""

from __future__ import annotations

from matplotlib.figure import Figure


def _panel(ax) -> str:
    """One panel in words: its title, what it draws (pictures, curves, bars, points), its axes."""
    parts = []
    title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t)
    if title:
        parts.append(f"“{title}”:")
    shapes = [im.get_array().shape for im in ax.get_images()]
    parts += [f"a {s[0]}×{s[1]} picture" for s in shapes[:3]] + (["…"] if len(shapes) > 3 else [])
    curves = len(ax.get_lines())
    if curves:
        parts.append(f"{curves} curve{'s' * (curves != 1)}")
    if ax.patches:
        parts.append(f"{len(ax.patches)} bars")
    if ax.collections:
        parts.append(f"{len(ax.collections)} set{'s' * (len(ax.collections) != 1)} of points")
    axes = [f"{name}: {label}" for name, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if label]
    if "log" in (ax.get_xscale(), ax.get_yscale()):
        axes.append("log scale")
    if axes:
        parts.append("(" + ", ".join(axes) + ")")
    named = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    if named:
        parts.append("legend: " + ", ".join(named))
    texts = [t.get_text() for t in ax.texts if t.get_text().strip()]
    if texts:
        parts.append("labels: " + ", ".join(texts[:6]) + (" …" if len(texts) > 6 else ""))
    return " ".join(parts)


def describe(fig: Figure) -> str:
    """The figure in one paragraph: its title, then each panel that draws something."""
    panels = [p for p in (_panel(ax) for ax in fig.get_axes() if ax.get_visible()) if p]
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    head = f"Figure “{title}”" if title else "Figure"
    if not panels:
        return head
    more = f"; and {len(panels) - 12} more panels" if len(panels) > 12 else ""
    return f"{head} with {len(panels)} panel{'s' * (len(panels) != 1)}: " + "; ".join(panels[:12]) + more


def install() -> None:
    """Make every figure's PNG output carry its :func:`describe` as its ``alt`` (IPython's kernel)."""
    from IPython import get_ipython

    shell = get_ipython()
    shell.run_line_magic("matplotlib", "inline")  # what a first plot does: registers the formatter
    png = shell.display_formatter.formatters["image/png"]
    draw = png.lookup_by_type(Figure)

    def with_alt(fig):
        data = draw(fig)
        return (data, {"alt": describe(fig)}) if data else data

    png.for_type(Figure, with_alt)
