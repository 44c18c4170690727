"""The planning engine: economies, Leontief balances, optimal multi-year plans and their
explanation.

A library free of any framework and of the rest of Rada. The main entry points:

- :func:`rada.planning.formats.load_economy` reads an economy (Rada's TOML, Cockshott's CSVs,
  national input-output tables);
- :func:`rada.planning.leontief.gross_output` and :func:`rada.planning.leontief.labour_values`;
- :func:`rada.planning.optimal.solve_plan` computes Kantorovich's optimal plan: exactly with
  HiGHS, or for large economies by a first-order method (:mod:`rada.planning.first_order`)
  stopped when its certificate proves the plan close enough to the best;
- :func:`rada.planning.explain.explain_plan` says which constraints bind and why.
"""
