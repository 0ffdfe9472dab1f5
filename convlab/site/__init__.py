"""The course as a static website (make site): convlab/site/build.py. Never imported by a kernel:
the alt text of a page's plots is made in the kernel by :mod:`convlab.alt`, as in JupyterLab."""
