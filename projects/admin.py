"""Admin registrations of the projects app."""
