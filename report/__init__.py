"""The user-facing layer: the ``wdproof`` command line and the LaTeX solution key / problem set.

Reads ``wdproof.derivations`` and ``wdproof.numerics``; nothing imports this package back.
"""
