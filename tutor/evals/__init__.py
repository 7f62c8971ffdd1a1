"""Evals: the tutor measured on a fixed set of questions and labelled quiz answers.

`run_eval` runs it locally; `upload_eval` also records it in LangSmith as an experiment.
"""

from tutor.evals.report import EvalReport
from tutor.evals.runner import run_eval

__all__ = ["EvalReport", "run_eval"]
