"""Portal pages of the spaces app, one module per topic; URLs in spaces/urls.py."""
