"""The optimizers under test, written once: decay conventions, schedules, update rules, the
training problems, one trajectory runner and the table of cases matched against torch.optim.

Vocabulary (the README's glossary): ``l2_coefficient`` is the paper's ``lambda'`` (the
gradient of ``lambda'/2 ||theta||^2`` joins ``g_t``), ``decay_rate`` is the paper's decoupled
``lambda``, and :class:`~wdproof.numerics.optimizers.conventions.DecayConvention` says how a rule
regularizes: L2, or decoupled decay scaled as PyTorch's AdamW does (``lr eta_t lambda``) or as
the paper's Alg. 2 does (``eta_t lambda``). ``weight_decay`` is only PyTorch's argument name.
"""
