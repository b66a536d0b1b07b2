"""The data package: reading and checking it (schema, cells, cross-table rules), loading it as typed tables, its versions.

Nothing here draws or formats; every other layer reads the data through ``dataset``.
"""
