"""SymPy derivations of the claims of Loshchilov & Hutter (2019) and the problem set.

Each claim-family module exposes ``CLAIMS``, a tuple of :class:`~wdproof.derivations.claim.Claim`;
:mod:`wdproof.derivations.registry` collects them. Every verdict comes out of the proof kernel,
the subpackage :mod:`wdproof.derivations.kernel`; :mod:`wdproof.derivations.mutations` checks
that it refuses wrong versions of each claim. This package imports neither ``wdproof.numerics``
nor ``wdproof.report``.
"""
