"""Parity of aqabench's method plugins with the official implementations (``benchmarks/parity.py``).

One module per method (``gdlt``, ``cofinal``, ``hgcn``, ``mslstm``) holds its name map (official
state-dict key -> ours) and its checks; ``core`` the shared machinery, ``configs`` the
hyper-parameter diff, ``training`` the short training-parity run. See ``docs/parity.md``.
"""
