"""Pure rules of the resources app, one module per topic:

- ``activities``  registration windows, check-in, participation (第五章第三条, 第六章第一条)
- ``vouchers``    application window, cap and budget, balance, expiry, review deadline (第四章第二条)
- ``stage``       service requests: SLA (the complaint helpers), cancel and rate (第五章第三条)
- ``surveys``     quarters, answers, results per group of at least N, low scores (第五章第四条)
"""
