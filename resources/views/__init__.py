"""Portal views of the resources app, one module per topic (each lists its own urlpatterns)."""
