"""What the tests share: sandboxes, runs of the real CLI, the program under mocks, the docs' blocks, hand-made facts.

Test modules import from here, never from one another; nothing shipped imports it (tests/test_layout.py).
"""
