"""Totals and comparisons: capital, capacity by region and certainty level without double counting, peers, cost, power, delivery.
"""
