# Stubs for the parts of scikit-learn that lolpop uses (scikit-learn ships no types).
__version__: str
