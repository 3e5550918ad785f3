"""Documents of the spaces app rendered to PDF (WeasyPrint; templates extend templates/pdf/base.html)."""
