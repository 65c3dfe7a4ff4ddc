"""Scenario kit: acting on a running sandbox as a user, an engine or a mistake would, for the tests and the
benchmarks. Never imported by the emulated world (sandbox/world/)."""
