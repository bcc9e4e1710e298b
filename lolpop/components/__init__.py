"""The component catalogue: typed components for the whole ML workflow.

Each component type is a frozen record of steps (`lolpop.components.records`); each
implementation lives in its own module here, builds that record from typed settings,
and is registered under a `type:` tag (`lolpop.components.catalogue`). Importing this
package is light; heavy libraries (scikit-learn, SciPy, MLflow, matplotlib, SQLAlchemy)
are imported by the steps that use them.
"""
