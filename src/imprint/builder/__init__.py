"""Turning posts into files on disk: plan the jobs (``plan``), skip what is current
(``cache``), run the rest in warm worker processes or on Dask (``pool``,
``executors``, ``dask_executor``, ``jobs``), write outputs atomically (``output``),
and leave ``report.json`` (``report``) and the site index (``site``) beside them.
``project`` holds what every job needs: settings, brand, registries, resolvers.
"""
