"""Admin registrations of the incentives app."""
