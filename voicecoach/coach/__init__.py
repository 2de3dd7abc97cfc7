"""Judging the content of an answer: scenarios, Problem-Solution-Impact structure, key-point
matching, feedback, the optional LLM judge and the overall evaluation.

Works on timed words and dicts; imports `speech` (for the lexicon) and the top level.
"""
