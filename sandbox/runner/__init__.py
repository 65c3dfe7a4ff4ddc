"""A stand-in for the Pulumi engine that runs a real program against the world in ``sandbox.world``.

It may import the world; the world never imports it.
"""
