"""Numeric confirmation of the ledger's claims with torch.optim as the oracle (float64).

``wdproof.numerics.confirmations`` holds one module per claim family; each registers its
checks with :func:`wdproof.numerics.confirmation.confirms`. Imports ``wdproof.derivations``,
never ``wdproof.report``.
"""
