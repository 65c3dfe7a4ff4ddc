"""Who owns a peering: the stack whose claim it carries (the ``heroku-peering`` tag, ``<project>/<stack>/<peering>``).

A stack claims every peering connection it makes (the tag is written at creation) or adopts (a separate
``aws.ec2.Tag``), and the rules it makes. Another stack, of this project or of another program using
``HerokuPeering``, never adopts, changes or deletes what a claim names: only the owner lets go of it, with
``retainOnDelete`` (its destroy, or removing the peering from its config, leaves the objects in place and
deletes the claim), after which any stack may adopt it with ``pcxId``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MARKER_TAG = "heroku-peering"
SPACE_TAG = "heroku-space"


@dataclass(frozen=True)
class Claim:
    """The owner a marker tag names."""

    project: str
    stack: str
    peering: str

    @classmethod
    def parse(cls, value: str | None) -> Claim | None:
        """``project/stack/peering``; None for anything else (no claim, or a value this project never writes)."""
        parts = (value or "").split("/")
        if len(parts) != 3 or not all(parts):
            return None
        return cls(*parts)

    @property
    def stack_key(self) -> tuple[str, str]:
        return (self.project, self.stack)

    def is_of(self, marker: str) -> bool:
        """The same project and stack as ``marker`` (this stack's own marker), whatever the peering's name."""
        mine = Claim.parse(marker)
        return mine is not None and mine.stack_key == self.stack_key

    def owner(self, marker: str) -> str:
        """The owner in words (``stack prod's peering 'main'``), the project named when it is another program's."""
        mine = Claim.parse(marker)
        project = "" if mine is not None and mine.project == self.project else f" in project {self.project}"
        return f"stack {self.stack}'s peering {self.peering!r}{project}"


def claim_of(tags: Mapping[str, str]) -> Claim | None:
    return Claim.parse(tags.get(MARKER_TAG))


def foreign_claim(tags: Mapping[str, str], marker: str) -> Claim | None:
    """The claim of another stack on an object, or None (no claim, or this stack's)."""
    claim = claim_of(tags)
    return None if claim is None or claim.is_of(marker) else claim


def taken_over(tags: Mapping[str, str], marker: str) -> dict[str, str]:
    """The tags of an object an adoption takes in: a claim left by a stack that let go of the peering becomes this
    stack's; the user's own tags (and a hand-made object's lack of a claim) stay as they are."""
    return {**tags, MARKER_TAG: marker} if foreign_claim(tags, marker) is not None else dict(tags)


def hand_over(claim: Claim, pcx_id: str) -> str:
    """How to move a claimed peering to this stack on purpose: its owner lets go of it, then this stack adopts it."""
    return (
        f"To move it here on purpose, release it in stack {claim.stack} first (there: set retainOnDelete to true, "
        "`pulumi up`, then `pulumi destroy` or remove the peering from its config and `pulumi up`: the peering, its "
        f"routes and rules stay in place and only the claim tag goes), then adopt it here with pcxId = {pcx_id}. If "
        f"stack {claim.stack} no longer exists, delete the claim yourself (aws ec2 delete-tags --resources {pcx_id} "
        f"--tags Key={MARKER_TAG}) and adopt it."
    )
