"""Where courses run cnnquiz: Gradescope, PrairieLearn and GitHub Classroom.

- :mod:`.gradescope`: the autograder zip and ``run_autograder``'s entry point;
- :mod:`.prairielearn`: the external-grader folder (Dockerfile) and its entry point;
- :mod:`.classroom`: points in the form GitHub Classroom's reporter shows;
- :mod:`.common`: what they share (find the submission, budget the limits, grade once);
- :mod:`.bundle`: the wheel and the assignment a bundle carries; :mod:`.templates`: its scripts.

Entry points are modules (``python -m cnnquiz.platforms.gradescope``) so that the
platform's shell script needs nothing but the installed wheel. Submodules are imported
on use: this package imports nothing heavy by itself.
"""

from __future__ import annotations

__all__: list[str] = []
