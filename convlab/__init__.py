"""convlab: the helper package of the convolution course.

Notebooks import what they need from its modules:

- ``convlab.checks``  one ``check_<exercise>`` per exercise, comparing with PyTorch;
- ``convlab.oracle``  PyTorch's own operations on plain 2-D tensors, the reference;
- ``convlab.widgets`` the sliding-window animations;
- ``convlab.plots``   tensors drawn as annotated heat-maps;
- ``convlab.data``    the course's images.

Imported in an IPython kernel, it gives every matplotlib figure the notebook shows a text
alternative (``convlab.alt``): a screen reader reads what the plot draws, in JupyterLab too;
and its figures a font for Chinese (``convlab.fonts``).

Below them sit the leaves (``failure``, ``geometry``, ``watch``, ``data``); beside them, never
imported by a notebook, the instructor's commands (``convlab.grading``). The README's
maintainer guide draws the layers.
"""

import sys as _sys

__version__ = "0.1.0"

if "IPython" in _sys.modules:  # a kernel (or IPython's shell) has imported it; else no IPython here
    from convlab import alt as _alt
    from convlab import fonts as _fonts

    _alt.install()
    _fonts.follow()  # a Chinese font for the notebook's own figures too
