"""Pipelines: functions from components to steps, each one part of the ML workflow.

process, train, deploy, predict and evaluate; each is built with the combinators only,
so every component step stays a node of the program (a dry run lists its effects, the
Prefect backend makes it a task). `lolpop.pipelines.wiring` holds the small helpers
that carry a pipeline's state record from one component step to the next.
"""
