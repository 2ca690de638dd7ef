"""The Q2.a autograder: the student template, the checks, the sandbox and the grader.

Data flow: :mod:`.assignment` writes the template from :mod:`.student_solution`;
:data:`.checks.CHECKS` is the one case table: :mod:`.grader` runs it against a student's file
through :mod:`.channel` (the grader's side of the framed protocol) and :mod:`.sandbox`
(bubblewrap), where the standalone :mod:`.runner` (with its sibling :mod:`.audit`, the
own-work check) executes the student's code; :mod:`.protocol` turns the replies into
trajectories, :mod:`.compare` compares them with the reference and :mod:`.mistakes` names the
known mistake a failed trajectory reproduces. :mod:`.solution_match` measures the same table
against ``torch.optim`` for the solution key, which the report renders.
"""
