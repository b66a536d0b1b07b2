"""A pytest plugin loaded before the others (``-p early_imports`` in pyproject.toml): it keeps rfc3987-syntax out.

nbval's import of nbformat imports jsonschema, which imports rfc3987-syntax
where it is installed (Jupyter's event schemas want it); that compiles some
forty grammars, 1.4 s in every test process. Neither nbformat nor these tests
check an IRI, so the test processes do without it, as ``nscale-data figures``
does (``figures.import_notebook_tools``); kernels and other processes are untouched.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # an import of it raises ImportError, which jsonschema expects
