"""Sigap: customer service and complaint handling for Indonesian businesses."""
