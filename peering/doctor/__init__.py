"""``python -m peering doctor``: boto3 and Heroku reads, the diagnosis over the rules, the report; loads no Pulumi."""
