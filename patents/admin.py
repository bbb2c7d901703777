"""Admin registrations of the patents app."""
