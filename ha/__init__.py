"""The HA group membership of a manager: several managers (`--ha`) sharing one PostgreSQL
database, exactly one of them active.

- `ha.lease`: who is active. A lease in the database (an advisory lock held on a dedicated
  connection, plus a lease row whose term only grows and serves as the fencing token); `fence()`
  says, without I/O, whether this member may still act and under which term.
- `ha.shared_keys`: the one bus key pair every member uses, kept in the database, so agents trust
  whichever member is active.
- `ha.notifier`: role changes handed to the owner on a thread of their own, in order.
- `ha.pg`: the dedicated connection and the group's own tables (schema `calamari_ha`, apart
  from the store's tables and their migrations).
- `ha.member`: a member's role followed: becoming active builds the manager, stepping down stops it.
- `ha.switch`: the one HTTP server's application, the standby's (web/standby.py: forward
  everything to the active) or the active's, chosen per request.
- `ha.forwarded`: the client's address a standby vouches for, and the active's check of it.

PostgreSQL decides everything here: there is no consensus of our own.
"""
