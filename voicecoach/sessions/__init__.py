"""What a user runs end to end: live practice, pacing drills, the live display and the HTML
report. Orchestrates `audio`, `speech`, `coach` and `store`; nothing imports it but the CLI.
"""
