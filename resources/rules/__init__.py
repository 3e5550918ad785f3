"""Pure rules of the resources app, one module per topic:

- ``activities``  registration windows, check-in, participation (第五章第三条, 第六章第一条)
"""
