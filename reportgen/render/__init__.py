"""Renderers: one per output format, each consuming the report model and KPI results.

Only modules in this package import document libraries (openpyxl, python-pptx,
matplotlib); everything above them is pure data.
"""
