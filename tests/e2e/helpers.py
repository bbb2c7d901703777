"""What several browser journeys share."""

# One demo user of each role (portal/demo.py USERS): each walks through its main pages.
ROLES = [
    "enterprise",
    "university",
    "reviewer",
    "expert",
    "ankang",
    "leader",
    "sysadmin",
    "secadmin",
    "auditadmin",
]
