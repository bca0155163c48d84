"""The report model: pure descriptions of what to show (no Office or plotting imports)."""
