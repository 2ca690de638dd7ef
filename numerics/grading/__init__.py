"""The Q2.a autograder: the student template, the checks, the sandbox and the grader.

Data flow: :mod:`.assignment` writes the template from :mod:`.student_solution`;
:mod:`.grader` runs :data:`.checks.CHECKS` against a student's file through :mod:`.channel`
(the grader's side of the framed protocol) and :mod:`.sandbox` (bubblewrap), where the
standalone :mod:`.runner` executes the student's code; :mod:`.protocol` turns the replies into
trajectories and :mod:`.mistakes` names the known mistake a failed trajectory reproduces.
"""
