"""One module per group of /api/v2 resources; web.app holds the route table."""
