"""The IAM proofs: each least-privilege policy in iam/ proven on an IAM-enforcing sandbox, whole and once without
each action (`python -m sandbox check-policy`, `python -m sandbox check-doctor-policy`)."""
