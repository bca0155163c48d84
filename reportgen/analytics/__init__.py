"""Insight analytics for chapters 4–6: drivers, segments, churn risk, CLV, comment
themes, anomalies and the next-period plan.

Every analysis here is a pure function over small pandas extracts (customer-level or
response-level rows, explicitly bounded), so it is testable against known answers
without the engine. The extracts themselves are made from the loaded dataset by
:mod:`reportgen.analytics.extracts`.
"""
