"""The `calamari` command and the client library it is built on (api/v2 over HTTP).

client.Client is a small typed class over httpx that the command, scripts and the project's own
tests use; cli/ is the click command (`calamari login URL`, `calamari pool ls`, ...). Nothing here
imports the server's code: the client needs only the API.
"""
