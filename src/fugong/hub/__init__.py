"""The data hub (数据中台): feed contracts, ingestion, standardisation, quarantine, lake, lineage, catalog, access.

Modules follow the stages of the data: ``contracts/`` → ``read`` → ``standardise`` → ``validate`` →
``quarantine`` → ``lake``, orchestrated by ``ingest``; ``lineage``, ``catalog``, ``access`` and ``audit``
serve what is in the lake; ``hookspecs`` and ``plugins`` are the app contract.
"""
