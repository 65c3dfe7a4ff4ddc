"""The emulated world: moto as both AWS accounts, and the Heroku Platform API emulator over it.

Nothing here knows about Pulumi or the runner.
"""
