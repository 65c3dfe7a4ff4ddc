"""The words for a peering's status, once: AWS's peering-connection codes, which Heroku's peering reports too.

Both sides name a peering's life the same way (EC2 API Reference, VpcPeeringConnectionStateReason:
``initiating-request``, ``pending-acceptance``, ``active``, ``deleted``, ``rejected``, ``failed``,
``expired``, ``provisioning``, ``deleting``; Heroku's peering schema lists all but ``deleting``, and
Heroku is seen reporting ``pending``, which the schema does not list). The tables that say what a
status means to a step (``acceptance_flow.STATUS_TABLE``, the doctor's ``rules/status.py``) key on
these; a status outside them is something neither promises.
"""

from __future__ import annotations

# Requested and not accepted yet (the requester's view).
NOT_ACCEPTED = ("initiating-request", "pending-acceptance")
# Accepted: traffic flows, or will once Heroku has provisioned its side.
ACCEPTED = ("active", "provisioning")
# A peering connection that exists, in the order of its life (the values of DescribeVpcPeeringConnections'
# ``status-code`` filter that pre-flight asks for).
LIVE = (*NOT_ACCEPTED, "provisioning", "active")
# Over: the peering will never carry traffic again; a new request is the way back.
ENDED = ("failed", "expired", "rejected", "deleted")
# Over, or about to be: AWS is deleting it.
ENDING = (*ENDED, "deleting")
# Live statuses from the most to the least settled, Heroku's undocumented ``pending`` among them: which of
# several peerings between the same two networks is the one that counts.
LIVE_RANK = {"active": 0, "provisioning": 1, "pending-acceptance": 2, "pending": 3, "initiating-request": 4}
# Heroku answered 404 for the peering: not a status Heroku reports, the name the tables give the answer.
NOT_LISTED = "(not listed)"
