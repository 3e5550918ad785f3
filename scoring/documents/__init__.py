"""Documents of the quarterly assessment (WeasyPrint): the per-resident score report."""
