# Stubs for the parts of SciPy that lolpop uses (SciPy ships no types).
__version__: str
