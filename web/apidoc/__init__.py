"""The API describing itself: the OpenAPI document built from the route table and the
declarations the validators check with, its JSON schemas, and the docs page."""
