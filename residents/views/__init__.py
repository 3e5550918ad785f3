"""Portal pages of the residents app, one module per topic; URLs in residents/urls.py."""
