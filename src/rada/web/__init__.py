"""Rada's web layer: server-rendered pages (``pages/``), JSON (``api/``), templates, static files.

The app is built by :func:`rada.web.app.create_app`; pages render through
:func:`rada.web.templating.render`, which picks the reader's language.
"""
