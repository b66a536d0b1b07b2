"""Charts, figures, tables and the report: everything a reader sees, drawn from the totals.
"""
