"""pantheon_git: Rally-driven parallel development for teams of 12+ developers."""

__version__ = "0.1.0"
