"""lolpop's testing kit: hypothesis strategies for the data components take.

`lolpop.testing.strategies` needs hypothesis (installed with the `dev` extra); importing
this package alone does not.
"""
