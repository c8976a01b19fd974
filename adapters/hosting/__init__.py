"""How a service process is hosted: its lifecycle, its bus connection, its /health and
/metrics.
"""
