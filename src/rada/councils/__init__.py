"""The councils: people, councils, standing orders, proposals, discussion and ballots.

Plain classes and rules, free of storage and the web (see ``rada.services`` for the use
cases and ``rada.store`` for the tables).
"""
