"""Admin registrations of the reporting app."""
