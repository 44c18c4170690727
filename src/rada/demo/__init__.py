"""Worlds to try Rada in, built through the use cases as people would build them.

- :mod:`rada.demo.federation`: the demo federation of ``rada demo`` (councils, delegates,
  proposals at every stage, a planning cycle), and the builders tests and benchmarks share
  (joining a federation by consent);
- :mod:`rada.demo.simulation`: ``rada simulate``, a whole planning cycle on the in-memory
  store.
"""
