"""Adapters that run the planning library elsewhere: batches of plans on Dask
(:mod:`rada.compute.scenarios`) and the GPU backend (:mod:`rada.compute.gpu`).

The planning library stays free of both: it imports neither Dask nor CUDA, and these modules
take their settings (a scheduler's address, a device) as arguments.
"""
