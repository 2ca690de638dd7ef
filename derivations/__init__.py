"""SymPy derivations of the claims of Loshchilov & Hutter (2019) and the problem set.

Each claim-family module exposes ``CLAIMS``, a tuple of :class:`~wdproof.derivations.claim.Claim`;
:mod:`wdproof.derivations.registry` collects them. This package imports neither
``wdproof.numerics`` nor ``wdproof.report``.
"""
