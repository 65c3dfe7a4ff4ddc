"""What a peering and a network are: the stack config's args, the VPC and space facts, traffic.

No I/O and no Pulumi runtime: both front-ends build these types and the rules read them.
"""
