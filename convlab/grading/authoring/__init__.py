"""Authoring: the student release and the answer key, generated from ``source/``
(:mod:`~convlab.grading.authoring.release`, ``make release`` and ``make check-sync``)."""
