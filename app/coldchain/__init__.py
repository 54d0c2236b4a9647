"""Cold chain: temperature readings from EPCIS sensor data and logger files, excursions
against a product's storage range and budget, mean kinetic temperature, and a chart.

``readings``, ``evaluate`` and ``chart`` are pure: no database, no web framework.
"""
