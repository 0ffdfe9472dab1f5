"""The course on a server for a class: JupyterHub with nbgrader's exchange (``make hub``) and
the service that grades each submission as it arrives. ``convlab.checks`` and the widgets are
the student's side, ``convlab.grading`` the instructor's; this package serves them both."""
