"""How far ahead a one-year input-output table is planned: the bounds on the horizon and on
yearly growth that every entry point checks, and the growth assumed unless told.

>>> MOST_YEARS, LEAST_GROWTH, MOST_GROWTH
(100, -0.99, 10.0)
"""

from __future__ import annotations

#: The longest plan a table is planned over, in years (a plan's size grows with it).
MOST_YEARS = 100
#: Yearly growth is a share between these (-0.99: almost all gone in a year; 10: elevenfold).
LEAST_GROWTH, MOST_GROWTH = -0.99, 10.0
#: The yearly growth of consumption targets and of labour unless told (the shipped UK 2010
#: table is planned with these: targets 2.5 % a year, labour 1 % a year).
TARGET_GROWTH = 0.025
SUPPLY_GROWTH = 0.01
