"""Errors the CLI turns into one actionable line and an exit code."""


class VoiceCoachError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 1


class UnusableInput(VoiceCoachError):
    """The input cannot be used at all (missing, empty, corrupt, too long...)."""

    exit_code = 2


class MissingDependency(VoiceCoachError):
    """An optional component is not installed; the message says what to install."""

    exit_code = 3


class DeviceError(VoiceCoachError):
    """No usable audio device (microphone or speaker)."""

    exit_code = 4
