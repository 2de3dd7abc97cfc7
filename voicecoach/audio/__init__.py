"""Audio in and out: loading files, the microphone (sounddevice/PortAudio), WAV writing and
repair, speech detection (webrtcvad), playback and spoken feedback (TTS).

Knows nothing of words: it moves samples. Imports only the top level (types, errors, config).
"""
