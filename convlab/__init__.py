"""convlab: the helper package of the convolution course.

Notebooks import what they need from its modules:

- ``convlab.checks``  one ``check_<exercise>`` per exercise, comparing with PyTorch;
- ``convlab.oracle``  PyTorch's own operations on plain 2-D tensors, the reference;
- ``convlab.widgets`` the sliding-window animations;
- ``convlab.plots``   tensors drawn as annotated heat-maps;
- ``convlab.data``    the course's images.

Below them sit the leaves (``failure``, ``geometry``, ``watch``, ``data``); beside them, never
imported by a notebook, the instructor's commands (``convlab.grading``). The README's
maintainer guide draws the layers.
"""

__version__ = "0.1.0"
