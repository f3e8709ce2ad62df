"""The bottom layer: settings, vocabularies and periods that every other package may import.

It imports nothing of the project's own packages.
"""
