"""nbgrader's course directory, mapped onto this repository's folders.

Plain nbgrader commands work from the repository root, e.g.
    nbgrader generate_assignment 01_cross_correlation
    nbgrader autograde 01_cross_correlation
"""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

root = Path(__file__).resolve().parent
c.CourseDirectory.root = str(root)
c.CourseDirectory.course_id = "convlab"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.solution_directory = "solutions"
c.CourseDirectory.submitted_directory = "autograder/submitted"
c.CourseDirectory.autograded_directory = "autograder/autograded"
c.CourseDirectory.feedback_directory = "autograder/feedback"
c.CourseDirectory.db_url = f"sqlite:///{root / 'autograder' / 'gradebook.db'}"
# A lesson's translations (source/<id>/<id>.<lang>.po) make its editions (notebooks/<lang>/,
# solutions/<lang>/; convlab/grading/authoring/editions.py): they are not files for students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.po"]

# Seconds per cell when autograding or generating the answer key (not ExecutePreprocessor.timeout).
from convlab.grading.course import CELL_SECONDS  # noqa: E402

c.Execute.timeout = CELL_SECONDS
# Widget state is regenerated when a notebook runs; never store it in a notebook.
c.Execute.store_widget_state = False

# Late submissions (a due date set with `nbgrader db assignment add ID --duedate=...` or in the
# Formgrader): a tenth of the score per started day late (convlab/grading/results/late.py).
c.AssignLatePenalties.plugin_class = "convlab.grading.results.late.PerDayPenalty"
c.PerDayPenalty.per_day = 0.1

# Feedback runs no student script: nbconvert's sanitizer on student HTML and markdown, and a
# Content-Security-Policy on the feedback page (convlab/grading/results/feedback.py).
from convlab.grading.results.feedback import configure  # noqa: E402

configure(c)
