"""Reads of the resources app, one module per topic:

- ``activities``  activities, registrations, attendance and the participation rate (第六章第一条)
"""
