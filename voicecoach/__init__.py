"""VoiceCoach: a local voice coach for spoken technical explanations."""

__version__ = "0.1.0"
