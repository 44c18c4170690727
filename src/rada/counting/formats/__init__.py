"""Ballot file formats, read and written: BLT, PrefLib (.soc/.soi/.toc/.toi) and pabulib .pb."""
