"""Portal pages of the discipline app; URLs in discipline/urls.py."""
