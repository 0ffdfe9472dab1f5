"""The course as a static website (make site): convlab/site/build.py. Never imported by a kernel,
except :mod:`convlab.site.alt`, which the builder runs in the kernel executing a notebook."""
