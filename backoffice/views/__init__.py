"""Admin views over the MongoDB data; every one is wrapped by the admin site (staff, CSRF)."""
