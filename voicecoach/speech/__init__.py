"""Samples to timed words and delivery figures: Whisper (faster-whisper) transcription in
one-pass windows, live streaming, filler recovery, the filler/hedge lexicon, pace and pause
metrics, read-aloud alignment and accuracy measures (WER, filler recall).

Imports `audio` and the top level; never `coach`, `sessions` or `store`.
"""
